/* boka from C: opens the default SQLite file, creates a tenant and a room in Europe/Berlin
 * with weekday opening hours, prints a week of availability, books the first slot, and
 * shows a refused second booking with its next free start.
 *
 *   ./boka_example_c             (uses ./boka-example-c.db, or $BOKA_EXAMPLE_DB)
 *
 * Build: cc main.c $(pkg-config --cflags --libs boka-c)
 */
#define _POSIX_C_SOURCE 200809L
#include <boka/boka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Prints the failed call's message and releases it. */
static int fail(const char* what, int code, char* err) {
  fprintf(stderr, "%s: %s: %s\n", what, boka_code_name(code), err ? err : "");
  boka_free(err);
  return 1;
}

static void format_utc(int64_t t, char* out, size_t size) {
  const time_t seconds = (time_t)t;
  struct tm tm;
  gmtime_r(&seconds, &tm);
  strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The integer after `key` (e.g. "\"id\":") in a document boka wrote; -1 if absent. */
static long long field(const char* doc, const char* key) {
  const char* at = strstr(doc, key);
  return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

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

int main(void) {
  const char* env = getenv("BOKA_EXAMPLE_DB");
  char uri[512];
  char spec[512];
  char from_text[32], to_text[32];
  char text[64];
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = NULL;
  boka_principal* who = NULL;
  long long tenant, schedule, room, first_start, first_end, days;
  int64_t booked = 0, monday;
  int rc, count = 0;
  const char* at;
  boka_conflict conflict;
  struct timespec now;

  snprintf(uri, sizeof uri, "sqlite:%s", env ? env : "boka-example-c.db");
  if ((rc = boka_engine_open(uri, &engine, &err)) != BOKA_OK) return fail("open", rc, err);
  if ((rc = boka_principal_system(&who, &err)) != BOKA_OK) return fail("principal", rc, err);

  /* One tenant per run, so the example can run again on the same file. */
  clock_gettime(CLOCK_REALTIME, &now);
  snprintf(spec, sizeof spec, "{\"name\": \"C example clinic %lld\"}",
           (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
  if ((rc = boka_create_tenant(engine, who, spec, &doc, &err)) != BOKA_OK)
    return fail("tenant", rc, err);
  tenant = field(doc, "\"id\":");
  boka_free(doc);

  rc = boka_create_schedule(
      engine, who, tenant,
      "{\"name\": \"Weekdays 9-17, lunch 12-13\", \"weekly\": ["
      "{\"day\": \"monday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720}, "
      "{\"start_minute\": 780, \"end_minute\": 1020}]},"
      "{\"day\": \"tuesday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720}, "
      "{\"start_minute\": 780, \"end_minute\": 1020}]},"
      "{\"day\": \"wednesday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720}, "
      "{\"start_minute\": 780, \"end_minute\": 1020}]},"
      "{\"day\": \"thursday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720}, "
      "{\"start_minute\": 780, \"end_minute\": 1020}]},"
      "{\"day\": \"friday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720}, "
      "{\"start_minute\": 780, \"end_minute\": 1020}]}]}",
      &doc, &err);
  if (rc != BOKA_OK) return fail("schedule", rc, err);
  schedule = field(doc, "\"id\":");
  boka_free(doc);

  snprintf(spec, sizeof spec,
           "{\"name\": \"Treatment room 1\", \"zone\": \"Europe/Berlin\", \"capacity\": 1,"
           " \"schedule\": %lld, \"policy\": {\"slot_step\": 3600}}",
           schedule);
  if ((rc = boka_create_resource(engine, who, tenant, spec, &doc, &err)) != BOKA_OK) {
    return fail("resource", rc, err);
  }
  room = field(doc, "\"id\":");
  boka_free(doc);

  /* Next Monday, 00:00 UTC (1970-01-01 was a Thursday). */
  days = (long long)time(NULL) / 86400;
  days += 7 - (days + 3) % 7;
  monday = (int64_t)days * 86400;
  format_utc(monday, from_text, sizeof from_text);
  format_utc(monday + 7 * 86400, to_text, sizeof to_text);
  snprintf(spec, sizeof spec,
           "{\"requests\": [{\"resource\": %lld}], \"from\": \"%s\", \"to\": \"%s\", \"duration\": "
           "3600}",
           room, from_text, to_text);
  if ((rc = boka_availability(engine, who, tenant, spec, &doc, &err)) != BOKA_OK) {
    return fail("availability", rc, err);
  }
  for (at = strstr(doc, "\"start\":"); at != NULL; at = strstr(at + 1, "\"start\":")) ++count;
  format_utc(monday, text, sizeof text);
  printf("%d free one-hour slots in the week from %s:\n", count, text);
  for (at = strstr(doc, "\"start\":"); at != NULL; at = strstr(at + 1, "\"start\":")) {
    format_utc(time_field(at, "\"start\":"), text, sizeof text);
    printf("  %s\n", text);
  }
  first_start = time_field(doc, "\"start\":");
  first_end = time_field(doc, "\"end\":");
  boka_free(doc);
  if (count == 0) {
    fprintf(stderr, "no slots\n");
    return 1;
  }

  /* The typed hot path: one resource, start, end, quantity. */
  rc = boka_reserve(engine, who, tenant, room, first_start, first_end, 1, &booked, &conflict, &err);
  if (rc != BOKA_OK) return fail("reserve", rc, err);
  format_utc(first_start, text, sizeof text);
  printf("booked reservation %lld at %s\n", (long long)booked, text);

  rc = boka_reserve(engine, who, tenant, room, first_start, first_end, 1, NULL, &conflict, &err);
  if (rc != BOKA_CONFLICT) {
    fprintf(stderr, "the second booking should have been refused, got %s\n", boka_code_name(rc));
    return 1;
  }
  printf("second booking refused: %s\n", err);
  boka_free(err);
  if (conflict.has_next_free_start) {
    format_utc(conflict.next_free_start, text, sizeof text);
    printf("next free start: %s\n", text);
  }
  boka_conflict_clear(&conflict);

  boka_principal_destroy(who);
  boka_engine_destroy(engine);
  return 0;
}
