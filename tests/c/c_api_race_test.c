/* Threads booking through the C ABI at once, compiled as C99: eight threads on two engines
 * over one SQLite file all try every slot of a day on a resource of capacity 2, while also
 * asking for availability. Every slot must end up with exactly two reservations: none
 * overbooked, none lost. Runs under TSan too (scripts/test.sh --tsan: its name has "race").
 */
#define _POSIX_C_SOURCE 200809L
#include <boka/boka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define SLOTS 24
#define CAPACITY 2
#define HOUR 3600
static const int64_t kTuesday = 1767657600; /* 2026-01-06T00:00:00Z */

typedef struct worker {
  boka_engine* engine;
  const boka_principal* who;
  int64_t tenant;
  int64_t room;
  int index;
  int accepted;
  int errors;
} worker;

/* The instant after `key` ("\"start\":") in a document boka wrote, as the Unix seconds the
 * typed calls take (boka_parse_time reads the RFC 3339 text); -1 if absent. */
static long long time_field(const char* doc, const char* key) {
  const char* at = strstr(doc, key);
  char text[40];
  int64_t seconds = 0;
  if (at == NULL || sscanf(at + strlen(key), "\"%39[^\"]\"", text) != 1 ||
      boka_parse_time(text, &seconds, NULL) != BOKA_OK) {
    return -1;
  }
  return (long long)seconds;
}

static void* book_every_slot(void* arg) {
  worker* w = (worker*)arg;
  int i;
  for (i = 0; i < SLOTS; ++i) {
    const int slot = (i + w->index * 5) % SLOTS; /* each thread its own order */
    const int64_t start = kTuesday + (int64_t)slot * HOUR;
    char* err = NULL;
    int64_t id = 0;
    boka_conflict conflict;
    const int rc = boka_reserve(w->engine, w->who, w->tenant, w->room, start, start + HOUR, 1, &id,
                                &conflict, &err);
    if (rc == BOKA_OK && id > 0) {
      ++w->accepted;
    } else if (rc == BOKA_CONFLICT) {
      /* Full: both holders are named. */
      if (conflict.blocking_count != CAPACITY) {
        fprintf(stderr, "slot %d refused with %lu blockers\n", slot,
                (unsigned long)conflict.blocking_count);
        ++w->errors;
      }
    } else {
      fprintf(stderr, "slot %d: %s: %s\n", slot, boka_code_name(rc), err ? err : "");
      ++w->errors;
    }
    boka_conflict_clear(&conflict);
    boka_free(err);

    if (i % 6 == 0) { /* readers run alongside the writers */
      char query[256];
      char* slots = NULL;
      snprintf(query, sizeof query,
               "{\"requests\": [{\"resource\": %lld}], \"from\": \"2026-01-06T00:00:00Z\","
               " \"to\": \"2026-01-07T00:00:00Z\", \"duration\": 3600}",
               (long long)w->room);
      if (boka_availability(w->engine, w->who, w->tenant, query, &slots, &err) != BOKA_OK) {
        fprintf(stderr, "availability: %s\n", err ? err : "");
        ++w->errors;
      }
      boka_free(slots);
      boka_free(err);
    }
  }
  return NULL;
}

static long long json_int_after(const char* at, const char* key) {
  const char* p = strstr(at, key);
  return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

int main(void) {
  char path[64];
  char uri[160];
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engines[2] = {NULL, NULL};
  boka_principal* who = NULL;
  boka_clock* clock = NULL;
  pthread_t threads[THREADS];
  worker workers[THREADS];
  int per_slot[SLOTS];
  int64_t tenant, room;
  int i, accepted = 0, errors = 0, listed = 0, failed = 0;
  const char* at;

  snprintf(path, sizeof path, "/tmp/boka-c-race-%ld.db", (long)getpid());
  snprintf(uri, sizeof uri, "sqlite:%s?durability=normal&busy_timeout_ms=30000", path);
  remove(path);

  /* "Now" is the day before, so every slot is bookable. */
  if (boka_principal_system(&who, &err) != BOKA_OK ||
      boka_clock_create(kTuesday - 24 * HOUR, &clock, &err) != BOKA_OK ||
      boka_engine_open_with_clock(uri, clock, &engines[0], &err) != BOKA_OK ||
      boka_engine_open_with_clock(uri, clock, &engines[1], &err) != BOKA_OK ||
      boka_create_tenant(engines[0], who, "{\"name\": \"race\"}", &doc, &err) != BOKA_OK) {
    fprintf(stderr, "setup: %s\n", err ? err : "");
    return 1;
  }
  tenant = json_int_after(doc, "\"id\":");
  boka_free(doc);
  if (boka_create_resource(engines[0], who, tenant,
                           "{\"name\": \"room\", \"zone\": \"UTC\", \"capacity\": 2,"
                           " \"policy\": {\"slot_step\": 3600}}",
                           &doc, &err) != BOKA_OK) {
    fprintf(stderr, "setup: %s\n", err ? err : "");
    return 1;
  }
  room = json_int_after(doc, "\"id\":");
  boka_free(doc);

  for (i = 0; i < THREADS; ++i) {
    workers[i].engine = engines[i % 2];
    workers[i].who = who;
    workers[i].tenant = tenant;
    workers[i].room = room;
    workers[i].index = i;
    workers[i].accepted = 0;
    workers[i].errors = 0;
    if (pthread_create(&threads[i], NULL, book_every_slot, &workers[i]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (i = 0; i < THREADS; ++i) {
    pthread_join(threads[i], NULL);
    accepted += workers[i].accepted;
    errors += workers[i].errors;
  }

  /* Read the store back: per slot, exactly CAPACITY confirmed reservations. */
  memset(per_slot, 0, sizeof per_slot);
  if (boka_list_reservations(engines[1], who, tenant, "{\"limit\": 10000}", &doc, &err) !=
      BOKA_OK) {
    fprintf(stderr, "list: %s\n", err ? err : "");
    return 1;
  }
  for (at = strstr(doc, "\"start\":"); at != NULL; at = strstr(at + 1, "\"start\":")) {
    const long long start = time_field(at, "\"start\":");
    const long long slot = (start - kTuesday) / HOUR;
    if (slot < 0 || slot >= SLOTS) {
      fprintf(stderr, "reservation outside the day: %lld\n", start);
      ++failed;
      continue;
    }
    ++per_slot[slot];
    ++listed;
  }
  boka_free(doc);
  for (i = 0; i < SLOTS; ++i) {
    if (per_slot[i] != CAPACITY) {
      fprintf(stderr, "slot %d holds %d reservations, expected %d\n", i, per_slot[i], CAPACITY);
      ++failed;
    }
  }
  if (accepted != SLOTS * CAPACITY || listed != accepted || errors != 0) {
    fprintf(stderr, "accepted %d, listed %d, errors %d; expected %d accepted\n", accepted, listed,
            errors, SLOTS * CAPACITY);
    ++failed;
  }

  boka_engine_destroy(engines[0]);
  boka_engine_destroy(engines[1]);
  boka_principal_destroy(who);
  boka_clock_destroy(clock);
  {
    char side[80];
    remove(path);
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
  }
  printf("%s: %d threads, %d slots of capacity %d, %d accepted\n", failed ? "FAIL" : "PASS",
         THREADS, SLOTS, CAPACITY, accepted);
  return failed ? 1 : 0;
}
