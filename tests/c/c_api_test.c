/* Tests of the C ABI, compiled as C99: the whole quickstart flow, every JSON document, and
 * every error path (bad JSON, unknown ids, conflicts, NULL arguments) with its code and
 * message. Run under ASan/LSan (scripts/test.sh --asan), so every string the library
 * returns must be released here: a leak fails the test.
 *
 *   boka_c_api_test            runs every test
 *   boka_c_api_test NAME...    runs the named tests (CTest runs one per process)
 *   boka_c_api_test --list     lists the names
 */
/* mkdtemp (POSIX 2008) for the temporary directories of the file tests. */
#define _POSIX_C_SOURCE 200809L

#include <boka/boka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- a small test harness -------------------------------------------------------------- */

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Checks that a call succeeded; prints the message if not. */
#define EXPECT_OK(rc, err) expect_ok_(__FILE__, __LINE__, (rc), &(err))
static void expect_ok_(const char* file, int line, int rc, char** err) {
  if (rc != BOKA_OK || *err != NULL) {
    fprintf(stderr, "%s:%d: expected ok, got %s (%d): %s\n", file, line, boka_code_name(rc), rc,
            *err ? *err : "(no message)");
    ++failures;
  }
  boka_free(*err);
  *err = NULL;
}

/* Checks the code and that the message contains `fragment`; releases the message. */
#define EXPECT_ERROR(rc, err, code, fragment) \
  expect_error_(__FILE__, __LINE__, (rc), &(err), (code), (fragment))
static void expect_error_(const char* file, int line, int rc, char** err, int code,
                          const char* fragment) {
  if (rc != code) {
    fprintf(stderr, "%s:%d: expected %s, got %s (%d): %s\n", file, line, boka_code_name(code),
            boka_code_name(rc), rc, *err ? *err : "(no message)");
    ++failures;
  } else if (*err == NULL) {
    fprintf(stderr, "%s:%d: expected a message containing \"%s\", got NULL\n", file, line,
            fragment);
    ++failures;
  } else if (strstr(*err, fragment) == NULL) {
    fprintf(stderr, "%s:%d: expected a message containing \"%s\", got \"%s\"\n", file, line,
            fragment, *err);
    ++failures;
  }
  boka_free(*err);
  *err = NULL;
}

#define CHECK_CONTAINS(doc, fragment) check_contains_(__FILE__, __LINE__, (doc), (fragment))
static void check_contains_(const char* file, int line, const char* doc, const char* fragment) {
  if (doc == NULL || strstr(doc, fragment) == NULL) {
    fprintf(stderr, "%s:%d: expected \"%s\" in %s\n", file, line, fragment, doc ? doc : "(NULL)");
    ++failures;
  }
}

/* The integer after the first "key": in a JSON text; LLONG_MIN when absent. Enough for
 * documents this library writes (compact, no whitespace). */
static long long json_int(const char* doc, const char* key) {
  char pattern[128];
  const char* at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = doc ? strstr(doc, pattern) : NULL;
  if (at == NULL) return LLONG_MIN;
  return strtoll(at + strlen(pattern), NULL, 10);
}

/* Counts occurrences of `fragment`. */
static int count_of(const char* doc, const char* fragment) {
  int n = 0;
  const char* at = doc;
  while (at && (at = strstr(at, fragment)) != NULL) {
    ++n;
    at += strlen(fragment);
  }
  return n;
}

/* The string value of the first "key": in a JSON text, copied into buf (no escapes in the
 * values this reads: paths, hashes, names); "" when absent. */
static const char* json_string(const char* doc, const char* key, char* buf, size_t size) {
  char pattern[128];
  const char* at;
  const char* end;
  size_t n;
  buf[0] = '\0';
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  at = doc ? strstr(doc, pattern) : NULL;
  if (at == NULL) return buf;
  at += strlen(pattern);
  end = strchr(at, '"');
  n = end ? (size_t)(end - at) : 0;
  if (n >= size) n = size - 1;
  memcpy(buf, at, n);
  buf[n] = '\0';
  return buf;
}

/* ---- fixtures ---------------------------------------------------------------------------- */

/* An instant as the JSON documents carry it: RFC 3339 in UTC. Four rotating buffers, so
 * one snprintf can take several. */
static const char* rfc3339(long long t) {
  static char bufs[4][32];
  static int next = 0;
  char* b = bufs[next++ % 4];
  const time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(b, sizeof bufs[0], "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

/* The instant of the first "key": in a JSON text, read back from RFC 3339 UTC text
 * ("2026-01-06T08:00:00Z"); LLONG_MIN when absent or in another form. */
static long long json_time(const char* doc, const char* key) {
  char text[64];
  int y, mo, d, h, mi, sec;
  long long days;
  char z = 0;
  json_string(doc, key, text, sizeof text);
  if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 || z != 'Z') {
    return LLONG_MIN;
  }
  /* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  y -= mo <= 2;
  {
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
  }
  return days * 86400 + h * 3600 + mi * 60 + sec;
}

#define MINUTE 60
#define HOUR 3600
#define DAY 86400
static const int64_t kMonday = 1767571200; /* 2026-01-05T00:00:00Z, a Monday */

typedef struct fixture {
  boka_clock* clock;
  boka_engine* engine;
  boka_principal* who;
  int64_t tenant;
} fixture;

static void setup_on(fixture* f, const char* uri) {
  char* err = NULL;
  char* doc = NULL;
  memset(f, 0, sizeof *f);
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &f->clock, &err), err);
  EXPECT_OK(boka_engine_open_with_clock(uri, f->clock, &f->engine, &err), err);
  EXPECT_OK(boka_principal_system(&f->who, &err), err);
  EXPECT_OK(boka_create_tenant(f->engine, f->who, "{\"name\": \"acme\"}", &doc, &err), err);
  f->tenant = json_int(doc, "id");
  CHECK(f->tenant > 0);
  boka_free(doc);
}

static void setup(fixture* f) { setup_on(f, "memory:"); }

static void teardown(fixture* f) {
  boka_engine_destroy(f->engine);
  boka_principal_destroy(f->who);
  boka_clock_destroy(f->clock);
}

/* Creates a resource from a JSON spec and returns its id (0 on failure). */
static int64_t make_resource(fixture* f, const char* spec) {
  char* err = NULL;
  char* doc = NULL;
  int64_t id;
  EXPECT_OK(boka_create_resource(f->engine, f->who, f->tenant, spec, &doc, &err), err);
  id = json_int(doc, "id");
  boka_free(doc);
  return id > 0 ? id : 0;
}

/* A room open around the clock in UTC, on a one-hour grid. */
static int64_t make_room(fixture* f, int capacity) {
  char spec[256];
  snprintf(spec, sizeof spec,
           "{\"name\":\"room\",\"zone\":\"UTC\",\"capacity\":%d,\"policy\":{\"slot_step\":3600}}",
           capacity);
  return make_resource(f, spec);
}

/* ---- the tests --------------------------------------------------------------------------- */

typedef void (*test_fn)(void);
#define TEST(name) static void name(void)

TEST(version_and_code_names) {
  static const char* names[] = {
      "ok",          "invalid_argument", "not_found",         "already_exists",
      "conflict",    "unauthenticated",  "permission_denied", "rate_limited",
      "unavailable", "storage",          "internal",          "not_supported"};
  int code;
  CHECK(strcmp(boka_version(), BOKA_VERSION_STRING) == 0);
  for (code = 0; code <= BOKA_NOT_SUPPORTED; ++code)
    CHECK(strcmp(boka_code_name(code), names[code]) == 0);
  CHECK(strcmp(boka_code_name(BOKA_CONFLICT), "conflict") == 0);
  CHECK(strcmp(boka_code_name(-1), "unknown") == 0);
  CHECK(strcmp(boka_code_name(BOKA_NOT_SUPPORTED + 1), "unknown") == 0);
  CHECK(strcmp(boka_code_name(INT_MAX), "unknown") == 0);
}

/* boka_parse_time reads the documents' instants for the typed calls. */
TEST(parse_time) {
  int64_t t = -1;
  char* err = NULL;
  EXPECT_OK(boka_parse_time("2026-01-06T08:00:00Z", &t, &err), err);
  CHECK(t == 1767686400);
  EXPECT_OK(boka_parse_time("2026-01-06T09:00:00+01:00", &t, &err), err);
  CHECK(t == 1767686400);
  EXPECT_ERROR(boka_parse_time("2026-01-06T08:00:00", &t, &err), err, BOKA_INVALID_ARGUMENT,
               "text: expected an RFC 3339 time with an offset");
  CHECK(t == 0);
  EXPECT_ERROR(boka_parse_time("2026-02-30T08:00:00Z", &t, &err), err, BOKA_INVALID_ARGUMENT,
               "text:");
  /* A fraction of zeros is a whole second; any other is refused, whatever its length (a
   * non-zero digit before the last once looped for ever). */
  EXPECT_OK(boka_parse_time("2026-01-06T08:00:00.000Z", &t, &err), err);
  CHECK(t == 1767686400);
  EXPECT_ERROR(boka_parse_time("2026-01-06T08:00:00.50Z", &t, &err), err, BOKA_INVALID_ARGUMENT,
               "text: boka counts whole seconds");
  EXPECT_ERROR(boka_parse_time("2026-01-06T08:00:00.0090+01:00", &t, &err), err,
               BOKA_INVALID_ARGUMENT, "text: boka counts whole seconds");
  EXPECT_ERROR(boka_parse_time("2026-01-06T08:00:00.89100", &t, &err), err,
               BOKA_INVALID_ARGUMENT, "text:");
  EXPECT_ERROR(boka_parse_time(NULL, &t, &err), err, BOKA_INVALID_ARGUMENT, "text");
  EXPECT_ERROR(boka_parse_time("2026-01-06T08:00:00Z", NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "unix_seconds");
}

/* The README's flow: tenant, schedule, resource in Europe/Berlin, a week of availability,
 * a booking, a refused second booking with its next free start. */
static void quickstart_on(const char* uri) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char spec[512];
  char query[512];
  int64_t schedule, room, booked = 0, first_start, first_end;
  int available = -1;
  boka_conflict conflict;

  setup_on(&f, uri);
  EXPECT_OK(
      boka_create_schedule(
          f.engine, f.who, f.tenant,
          "{\"name\": \"Weekdays 9-17, lunch 12-13\", \"weekly\": ["
          " {\"day\": \"monday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720},"
          "                                      {\"start_minute\": 780, \"end_minute\": 1020}]},"
          " {\"day\": \"tuesday\", \"intervals\": [{\"start_minute\": 540, \"end_minute\": 720},"
          "                                       {\"start_minute\": 780, \"end_minute\": "
          "1020}]}]}",
          &doc, &err),
      err);
  schedule = json_int(doc, "id");
  CHECK(schedule > 0);
  boka_free(doc);

  snprintf(spec, sizeof spec,
           "{\"name\": \"Treatment room 1\", \"zone\": \"Europe/Berlin\", \"capacity\": 1,"
           " \"schedule\": %lld, \"policy\": {\"slot_step\": 3600}}",
           (long long)schedule);
  room = make_resource(&f, spec);
  CHECK(room > 0);

  /* Tuesday 2026-01-06 in Berlin (UTC+1): 09-12 and 13-17 local = 08-11 and 12-16 UTC. */
  snprintf(query, sizeof query,
           "{\"requests\": [{\"resource\": %lld}], \"from\": \"%s\", \"to\": \"%s\", \"duration\": "
           "3600}",
           (long long)room, rfc3339(kMonday + DAY), rfc3339(kMonday + 2 * DAY));
  EXPECT_OK(boka_availability(f.engine, f.who, f.tenant, query, &doc, &err), err);
  CHECK(count_of(doc, "\"start\":") == 7);
  first_start = json_time(doc, "start");
  first_end = json_time(doc, "end");
  CHECK(first_start == kMonday + DAY + 8 * HOUR);
  CHECK(first_end == first_start + HOUR);
  CHECK_CONTAINS(doc, "\"resources\":[");
  /* Each slot also reads in its resource's zone, offset included. */
  CHECK_CONTAINS(doc,
                 "\"zone\":\"Europe/Berlin\",\"local_start\":\"2026-01-06T09:00:00+01:00\","
                 "\"local_end\":\"2026-01-06T10:00:00+01:00\"");
  boka_free(doc);

  EXPECT_OK(
      boka_check_slot(f.engine, f.who, f.tenant, room, first_start, first_end, 1, &available, &err),
      err);
  CHECK(available == 1);

  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, first_start, first_end, 1, &booked,
                         &conflict, &err),
            err);
  CHECK(booked > 0);
  CHECK(conflict.blocking_count == 0 && conflict.blocking_ids == NULL);
  CHECK(conflict.has_next_free_start == 0);

  EXPECT_OK(
      boka_check_slot(f.engine, f.who, f.tenant, room, first_start, first_end, 1, &available, &err),
      err);
  CHECK(available == 0);

  EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, room, first_start, first_end, 1, NULL,
                            &conflict, &err),
               err, BOKA_CONFLICT, "");
  CHECK(conflict.blocking_count == 1);
  CHECK(conflict.blocking_ids != NULL && conflict.blocking_ids[0] == booked);
  CHECK(conflict.has_next_free_start == 1);
  CHECK(conflict.next_free_start == first_start + HOUR);
  boka_conflict_clear(&conflict);
  CHECK(conflict.blocking_ids == NULL && conflict.blocking_count == 0);

  EXPECT_OK(boka_get_reservation(f.engine, f.who, f.tenant, booked, &doc, &err), err);
  CHECK(json_int(doc, "id") == booked);
  CHECK_CONTAINS(doc, "\"status\":\"confirmed\"");
  CHECK(json_time(doc, "start") == first_start);
  CHECK(json_int(doc, "resource") == room);
  /* The reservation reads in its resource's zone too. */
  CHECK_CONTAINS(doc, "\"zone\":\"Europe/Berlin\",\"local_start\":\"2026-01-06T09:00:00+01:00\"");
  boka_free(doc);

  /* Cancelling frees the slot at once. */
  EXPECT_OK(boka_cancel(f.engine, f.who, f.tenant, booked, BOKA_ANY_VERSION, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"cancelled\"");
  boka_free(doc);
  EXPECT_OK(
      boka_reserve(f.engine, f.who, f.tenant, room, first_start, first_end, 1, &booked, NULL, &err),
      err);

  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":\"cancelled\"") == 1);
  CHECK(count_of(doc, "\"status\":\"confirmed\"") == 1);
  boka_free(doc);
  teardown(&f);
}

TEST(quickstart_flow_memory) { quickstart_on("memory:"); }

TEST(quickstart_flow_sqlite) {
  char path[256];
  char uri[300];
  char side[300];
  snprintf(path, sizeof path, "/tmp/boka-c-api-test-%ld.db", (long)getpid());
  snprintf(uri, sizeof uri, "sqlite:%s", path);
  remove(path);
  quickstart_on(uri);
  remove(path);
  snprintf(side, sizeof side, "%s-wal", path);
  remove(side);
  snprintf(side, sizeof side, "%s-shm", path);
  remove(side);
}

/* Every handle and output argument, NULL: a code and a message, never a crash. */
TEST(null_arguments) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = NULL;
  boka_clock* clock = NULL;
  boka_principal* who = NULL;
  int available = 7;
  int64_t id = 7;
  int expired = 7;
  setup(&f);

  /* Destructors and release functions take NULL. */
  boka_engine_destroy(NULL);
  boka_principal_destroy(NULL);
  boka_clock_destroy(NULL);
  boka_free(NULL);
  boka_conflict_clear(NULL);
  CHECK(boka_clock_now(NULL) == 0);
  boka_clock_set(NULL, 0);
  boka_clock_advance(NULL, 1);

  EXPECT_ERROR(boka_engine_open(NULL, &engine, &err), err, BOKA_INVALID_ARGUMENT, "uri: is NULL");
  CHECK(engine == NULL);
  EXPECT_ERROR(boka_engine_open("memory:", NULL, &err), err, BOKA_INVALID_ARGUMENT, "out: is NULL");
  EXPECT_ERROR(boka_engine_open_with_clock(NULL, f.clock, &engine, &err), err,
               BOKA_INVALID_ARGUMENT, "uri: is NULL");
  EXPECT_ERROR(boka_clock_create(0, NULL, &err), err, BOKA_INVALID_ARGUMENT, "out: is NULL");
  EXPECT_ERROR(boka_principal_system(NULL, &err), err, BOKA_INVALID_ARGUMENT, "out: is NULL");

  /* errmsg itself may be NULL: the code still tells. */
  CHECK(boka_engine_open(NULL, &engine, NULL) == BOKA_INVALID_ARGUMENT);
  CHECK(boka_get_tenant(NULL, f.who, f.tenant, &doc, NULL) == BOKA_INVALID_ARGUMENT);
  CHECK(doc == NULL);
  /* A NULL clock means the system clock. */
  EXPECT_OK(boka_engine_open_with_clock("memory:", NULL, &engine, &err), err);
  boka_engine_destroy(engine);
  EXPECT_OK(boka_clock_create(5, &clock, &err), err);
  boka_clock_destroy(clock);
  EXPECT_OK(boka_principal_system(&who, &err), err);
  boka_principal_destroy(who);

  EXPECT_ERROR(boka_ops_storage_info(NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  EXPECT_ERROR(boka_ops_storage_info(f.engine, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "info_json: is NULL");

  EXPECT_ERROR(boka_create_tenant(NULL, f.who, "{\"name\":\"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  EXPECT_ERROR(boka_create_tenant(f.engine, NULL, "{\"name\":\"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "spec_json: is NULL");
  EXPECT_ERROR(boka_get_tenant(f.engine, f.who, f.tenant, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "tenant_json: is NULL");
  EXPECT_ERROR(boka_list_tenants(f.engine, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "who: is NULL");
  EXPECT_ERROR(boka_list_tenants(f.engine, f.who, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "tenants_json: is NULL");
  EXPECT_ERROR(boka_update_tenant(f.engine, f.who, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "tenant_json_in: is NULL");
  EXPECT_ERROR(boka_archive_tenant(NULL, f.who, f.tenant, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");

  EXPECT_ERROR(boka_create_resource(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "spec_json: is NULL");
  EXPECT_ERROR(boka_get_resource(f.engine, NULL, f.tenant, 1, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");
  EXPECT_ERROR(boka_get_resource(f.engine, f.who, f.tenant, 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "resource_json: is NULL");
  EXPECT_ERROR(boka_list_resources(f.engine, f.who, f.tenant, 0, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "resources_json: is NULL");
  EXPECT_ERROR(boka_update_resource(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "resource_json_in: is NULL");
  EXPECT_ERROR(boka_archive_resource(NULL, f.who, f.tenant, 1, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");

  EXPECT_ERROR(boka_create_schedule(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "spec_json: is NULL");
  EXPECT_ERROR(boka_get_schedule(f.engine, f.who, f.tenant, 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "schedule_json: is NULL");
  EXPECT_ERROR(boka_list_schedules(f.engine, f.who, f.tenant, 0, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "schedules_json: is NULL");
  EXPECT_ERROR(boka_update_schedule(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "schedule_json_in: is NULL");
  EXPECT_ERROR(boka_archive_schedule(f.engine, NULL, f.tenant, 1, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");

  EXPECT_ERROR(boka_create_pool(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "spec_json: is NULL");
  EXPECT_ERROR(boka_get_pool(f.engine, f.who, f.tenant, 1, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "pool_json: is NULL");
  EXPECT_ERROR(boka_list_pools(f.engine, f.who, f.tenant, 0, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "pools_json: is NULL");
  EXPECT_ERROR(boka_update_pool(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "pool_json_in: is NULL");
  EXPECT_ERROR(boka_archive_pool(NULL, f.who, f.tenant, 1, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");

  EXPECT_ERROR(boka_availability(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "query_json: is NULL");
  EXPECT_ERROR(boka_availability(f.engine, f.who, f.tenant, "{}", NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "slots_json: is NULL");
  EXPECT_ERROR(boka_explain(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "request_json: is NULL");
  EXPECT_ERROR(boka_explain(f.engine, f.who, f.tenant, "{}", NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "explanation_json: is NULL");
  EXPECT_ERROR(boka_check_slot(f.engine, f.who, f.tenant, 1, 0, HOUR, 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "available: is NULL");
  EXPECT_ERROR(boka_check_slot(NULL, f.who, f.tenant, 1, 0, HOUR, 1, &available, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  CHECK(available == 0);

  EXPECT_ERROR(boka_reserve(NULL, f.who, f.tenant, 1, 0, HOUR, 1, &id, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  CHECK(id == 0);
  EXPECT_ERROR(boka_reserve(f.engine, NULL, f.tenant, 1, 0, HOUR, 1, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, NULL, &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "request_json: is NULL");
  EXPECT_ERROR(boka_confirm(NULL, f.who, f.tenant, 1, 0, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  EXPECT_ERROR(boka_cancel(f.engine, NULL, f.tenant, 1, 0, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "who: is NULL");
  EXPECT_ERROR(boka_mark_completed(NULL, f.who, f.tenant, 1, 0, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  EXPECT_ERROR(boka_mark_no_show(f.engine, NULL, f.tenant, 1, 0, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");
  EXPECT_ERROR(boka_reschedule(NULL, f.who, f.tenant, 1, 0, HOUR, 0, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  EXPECT_ERROR(boka_get_reservation(f.engine, f.who, f.tenant, 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "reservation_json: is NULL");
  EXPECT_ERROR(boka_list_reservations(f.engine, f.who, f.tenant, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "reservations_json: is NULL");
  EXPECT_ERROR(boka_expire_holds(NULL, f.who, 10, &expired, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  CHECK(expired == 0);
  CHECK(doc == NULL);
  teardown(&f);
}

TEST(bad_json_documents) {
  fixture f;
  char* err = NULL;
  char* doc = (char*)"not touched";
  int64_t room;
  char body[512];
  setup(&f);
  room = make_room(&f, 1);

  /* Not JSON at all: the parser's position. */
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": ", &doc, &err), err,
               BOKA_INVALID_ARGUMENT,
               "spec_json: not valid JSON: parse error at line 1, column 10");
  CHECK(doc == NULL);
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "", &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "spec_json: not valid JSON");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": \"a\"} trailing", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "spec_json: not valid JSON");
  /* Invalid UTF-8 is not JSON either. */
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": \"\xff\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "spec_json: not valid JSON");

  /* Documents past the shape limits are refused before they are built (one linear pass):
   * an object of 1,001 fields, and arrays nested 65 deep. */
  {
    char* wide = malloc(1001 * 16 + 64);
    char* deep = malloc(200);
    size_t at = 0;
    int i;
    at += (size_t)sprintf(wide + at, "{\"name\": \"x\", \"metadata\": {");
    for (i = 0; i < 1001; ++i) at += (size_t)sprintf(wide + at, "%s\"k%d\": 1", i ? ", " : "", i);
    sprintf(wide + at, "}}");
    EXPECT_ERROR(boka_create_resource(f.engine, f.who, f.tenant, wide, &doc, &err), err,
                 BOKA_INVALID_ARGUMENT,
                 "spec_json: too large: an object has more than 1000 fields");
    CHECK(doc == NULL);
    for (i = 0; i < 65; ++i) deep[i] = '[';
    for (i = 0; i < 65; ++i) deep[65 + i] = ']';
    deep[130] = '\0';
    EXPECT_ERROR(boka_create_tenant(f.engine, f.who, deep, &doc, &err), err, BOKA_INVALID_ARGUMENT,
                 "spec_json: too large: nested deeper than 64 levels");
    free(wide);
    free(deep);
  }

  /* The wrong shape, named by its path. */
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "[1, 2]", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "tenant: expected an object, got array");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{}", &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "tenant.name: is required");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": 5}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "tenant.name: expected a string, got number");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": \"x\", \"nmae\": 1}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "tenant.nmae: unknown field");
  EXPECT_ERROR(
      boka_create_resource(f.engine, f.who, f.tenant,
                           "{\"name\": \"r\", \"zone\": \"UTC\", \"capacity\": \"2\"}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "resource.capacity: expected an integer, got string");
  EXPECT_ERROR(
      boka_create_resource(f.engine, f.who, f.tenant,
                           "{\"name\": \"r\", \"zone\": \"UTC\", \"capacity\": 1.5}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "resource.capacity: expected an integer, got number");
  EXPECT_ERROR(boka_create_resource(
                   f.engine, f.who, f.tenant,
                   "{\"name\": \"r\", \"zone\": \"UTC\", \"capacity\": 4294967296}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "resource.capacity: out of range");
  EXPECT_ERROR(
      boka_create_resource(f.engine, f.who, f.tenant,
                           "{\"name\": \"r\", \"zone\": \"UTC\", \"policy\": {\"slot_stp\": 60}}",
                           &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "resource.policy.slot_stp: unknown field");
  EXPECT_ERROR(
      boka_create_resource(f.engine, f.who, f.tenant,
                           "{\"name\": \"r\", \"zone\": \"UTC\", \"metadata\": [1]}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "resource.metadata: expected an object, got array");
  EXPECT_ERROR(
      boka_create_schedule(f.engine, f.who, f.tenant,
                           "{\"name\": \"s\", \"weekly\": [{\"day\": \"monday\", \"intervals\":"
                           " [{\"start_minute\": 60, \"end_minute\": \"x\"}]}]}",
                           &doc, &err),
      err, BOKA_INVALID_ARGUMENT,
      "schedule.weekly[0].intervals[0].end_minute: expected an integer, got string");
  EXPECT_ERROR(
      boka_create_schedule(f.engine, f.who, f.tenant,
                           "{\"name\": \"s\", \"weekly\": [{\"day\": \"mon\", \"intervals\": []}]}",
                           &doc, &err),
      err, BOKA_INVALID_ARGUMENT,
      "schedule.weekly[0].day: \"mon\" is not one of sunday, monday, tuesday");
  EXPECT_ERROR(boka_create_schedule(
                   f.engine, f.who, f.tenant,
                   "{\"name\": \"s\", \"overrides\": [{\"date\": \"24.12.2026\"}]}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT,
               "schedule.overrides[0].date: expected a date \"YYYY-MM-DD\", got \"24.12.2026\"");
  EXPECT_ERROR(boka_create_schedule(
                   f.engine, f.who, f.tenant,
                   "{\"name\": \"s\", \"holidays\": [{\"name\": \"h\", \"kind\": \"easter\","
                   " \"month\": 4}]}",
                   &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "schedule.holidays[0].kind: \"easter\" is not one of");
  EXPECT_ERROR(boka_create_pool(f.engine, f.who, f.tenant,
                                "{\"name\": \"p\", \"members\": [1, \"2\"]}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "pool.members[1]: expected an integer, got string");
  EXPECT_ERROR(boka_availability(f.engine, f.who, f.tenant, "{\"requests\": []}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "query.from: is required");
  EXPECT_ERROR(
      boka_availability(
          f.engine, f.who, f.tenant,
          "{\"requests\": [{\"resource\": 1, \"qty\": 2}], \"from\": \"2026-01-05T00:00:00Z\", "
          "\"to\": \"2026-01-05T01:00:00Z\", \"duration\": 60}",
          &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "query.requests[0].qty: unknown field");
  EXPECT_ERROR(boka_explain(f.engine, f.who, f.tenant,
                            "{\"requests\": [], \"start\": \"2026-01-05T09:00:00Z\"}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "explain.duration: is required");
  /* Instants are RFC 3339 text with an offset: a number, or a time without an offset (which
   * would be read in a zone nobody named), is refused naming the field. */
  EXPECT_ERROR(
      boka_explain(f.engine, f.who, f.tenant,
                   "{\"requests\": [], \"start\": 1767603600, \"duration\": 60}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT,
      "explain.start: expected an RFC 3339 time with an offset such as 2026-12-05T09:00:00Z, got "
      "number");
  EXPECT_ERROR(
      boka_reserve_json(f.engine, f.who, f.tenant,
                        "{\"allocations\": [{\"resource\": 1}], \"start\": \"2026-12-05T09:00:00\","
                        " \"end\": \"2026-12-05T10:00:00Z\"}",
                        &doc, NULL, &err),
      err, BOKA_INVALID_ARGUMENT,
      "reserve.start: expected an RFC 3339 time with an offset such as 2026-12-05T09:00:00Z");
  EXPECT_ERROR(boka_reserve_json(
                   f.engine, f.who, f.tenant,
                   "{\"allocations\": [{\"resource\": 1}], \"start\": \"2026-02-30T09:00:00Z\","
                   " \"end\": \"2026-12-05T10:00:00Z\"}",
                   &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "reserve.start: expected an RFC 3339 time");
  EXPECT_ERROR(boka_reserve_json(
                   f.engine, f.who, f.tenant,
                   "{\"allocations\": [{\"resource\": 1}], \"start\": \"2026-12-05T09:00:00.5Z\","
                   " \"end\": \"2026-12-05T10:00:00Z\"}",
                   &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "reserve.start: boka counts whole seconds");
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, "3", &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "reserve: expected an object, got number");
  EXPECT_ERROR(
      boka_reserve_json(f.engine, f.who, f.tenant,
                        "{\"allocations\": {\"resource\": 1}, \"start\": \"2026-01-05T09:00:00Z\","
                        " \"end\": \"2026-01-05T10:00:00Z\"}",
                        &doc, NULL, &err),
      err, BOKA_INVALID_ARGUMENT, "reserve.allocations: expected an array, got object");
  EXPECT_ERROR(
      boka_list_reservations(f.engine, f.who, f.tenant, "{\"statuses\": [\"booked\"]}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "filter.statuses[0]: \"booked\" is not one of held, confirmed");

  /* Instants outside years 0001..9999 and huge durations never reach the engine. */
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld}], \"start\": \"2026-01-01T00:00:00Z\", "
           "\"end\": \"9999-12-31T23:59:59-01:00\"}",
           (long long)room);
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "reserve.end: 253402304399 is outside the supported range");
  EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, room, LLONG_MIN, 0, 1, NULL, NULL, &err),
               err, BOKA_INVALID_ARGUMENT,
               "start: -9223372036854775808 is outside the supported range");
  EXPECT_ERROR(boka_check_slot(f.engine, f.who, f.tenant, room, 0, LLONG_MAX, 1, &(int){0}, &err),
               err, BOKA_INVALID_ARGUMENT,
               "end: 9223372036854775807 is outside the supported range");
  EXPECT_ERROR(boka_reschedule(f.engine, f.who, f.tenant, 1, 0, LLONG_MAX, 0, NULL, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "new_end: 9223372036854775807 is outside");
  EXPECT_ERROR(
      boka_availability(f.engine, f.who, f.tenant,
                        "{\"requests\": [{\"resource\": 1}], \"from\": \"2026-01-05T00:00:00Z\","
                        " \"to\": \"2026-01-05T01:00:00Z\", \"duration\": 9223372036854775807}",
                        &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "query.duration: 9223372036854775807 s is outside");
  EXPECT_ERROR(
      boka_availability(f.engine, f.who, f.tenant,
                        "{\"requests\": [{\"resource\": 1}], \"from\": \"2026-01-05T00:00:00Z\","
                        " \"to\": \"2026-01-05T01:00:00Z\", \"duration\": 18446744073709551615}",
                        &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "query.duration: out of range");
  {
    boka_clock* clock = (boka_clock*)&f; /* must be reset to NULL on failure */
    EXPECT_ERROR(boka_clock_create(LLONG_MAX, &clock, &err), err, BOKA_INVALID_ARGUMENT,
                 "now: 9223372036854775807 is outside the supported range");
    CHECK(clock == NULL);
  }
  CHECK(doc == NULL);

  /* Well-formed documents with values the engine refuses: the engine's own message. */
  EXPECT_ERROR(
      boka_create_resource(f.engine, f.who, f.tenant,
                           "{\"name\": \"r\", \"zone\": \"UTC\", \"capacity\": 0}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "resource.capacity: must be 1..1000000, got 0");
  EXPECT_ERROR(boka_create_resource(f.engine, f.who, f.tenant,
                                    "{\"name\": \"r\", \"zone\": \"Mars/Olympus\"}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "resource.zone");
  EXPECT_ERROR(boka_check_slot(f.engine, f.who, f.tenant, room, HOUR, HOUR, 1, &(int){0}, &err),
               err, BOKA_INVALID_ARGUMENT, "must be after start");
  teardown(&f);
}

TEST(unknown_ids) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  int64_t room;
  int available = 0;
  setup(&f);
  room = make_room(&f, 1);

  EXPECT_ERROR(boka_get_tenant(f.engine, f.who, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "tenant 999 not found");
  EXPECT_ERROR(boka_archive_tenant(f.engine, f.who, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "tenant 999 not found");
  EXPECT_ERROR(boka_get_resource(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "999");
  EXPECT_ERROR(boka_list_resources(f.engine, f.who, 999, 0, &doc, &err), err, BOKA_NOT_FOUND,
               "tenant 999 not found");
  EXPECT_ERROR(boka_get_schedule(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "999");
  EXPECT_ERROR(boka_get_pool(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "999");
  EXPECT_ERROR(boka_get_reservation(f.engine, f.who, f.tenant, 999, &doc, &err), err,
               BOKA_NOT_FOUND, "999");
  EXPECT_ERROR(boka_cancel(f.engine, f.who, f.tenant, 999, BOKA_ANY_VERSION, &doc, &err), err,
               BOKA_NOT_FOUND, "999");
  EXPECT_ERROR(boka_confirm(f.engine, f.who, f.tenant, 999, BOKA_ANY_VERSION, NULL, &err), err,
               BOKA_NOT_FOUND, "999");
  EXPECT_ERROR(boka_reschedule(f.engine, f.who, f.tenant, 999, kMonday + DAY, kMonday + DAY + HOUR,
                               BOKA_ANY_VERSION, &doc, NULL, &err),
               err, BOKA_NOT_FOUND, "999");
  EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, 999, kMonday + DAY, kMonday + DAY + HOUR, 1,
                            NULL, NULL, &err),
               err, BOKA_NOT_FOUND, "resource 999 not found");
  EXPECT_ERROR(boka_check_slot(f.engine, f.who, f.tenant, 999, kMonday + DAY, kMonday + DAY + HOUR,
                               1, &available, &err),
               err, BOKA_NOT_FOUND, "resource 999 not found");
  EXPECT_ERROR(boka_reserve(f.engine, f.who, 999, room, kMonday + DAY, kMonday + DAY + HOUR, 1,
                            NULL, NULL, &err),
               err, BOKA_NOT_FOUND, "");
  /* A resource of another tenant reads as not found. */
  {
    char* tdoc = NULL;
    int64_t second, foreign;
    char spec[128];
    EXPECT_OK(boka_create_tenant(f.engine, f.who, "{\"name\": \"globex\"}", &tdoc, &err), err);
    second = json_int(tdoc, "id");
    boka_free(tdoc);
    snprintf(spec, sizeof spec, "{\"name\": \"theirs\", \"zone\": \"UTC\"}");
    EXPECT_OK(boka_create_resource(f.engine, f.who, second, spec, &tdoc, &err), err);
    foreign = json_int(tdoc, "id");
    boka_free(tdoc);
    EXPECT_ERROR(boka_get_resource(f.engine, f.who, f.tenant, foreign, &doc, &err), err,
                 BOKA_NOT_FOUND, "");
    EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, foreign, kMonday + DAY,
                              kMonday + DAY + HOUR, 1, NULL, NULL, &err),
                 err, BOKA_NOT_FOUND, "");
  }
  CHECK(doc == NULL);
  teardown(&f);
}

TEST(conflicts_and_state_errors) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* tenant_doc = NULL;
  char body[512];
  int64_t room, first = 0, second = 0, again = 0;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  boka_conflict conflict;
  setup(&f);
  room = make_room(&f, 2);

  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, &first, &conflict,
                         &err),
            err);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start, start + 2 * HOUR, 1, &second, NULL,
                         &err),
            err);
  /* Capacity 2 is taken: refused with both blockers and the next start that fits. */
  EXPECT_ERROR(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, &conflict, &err),
      err, BOKA_CONFLICT, "");
  CHECK(conflict.blocking_count == 2);
  CHECK(conflict.blocking_count == 2 && conflict.blocking_ids[0] == first &&
        conflict.blocking_ids[1] == second);
  CHECK(conflict.has_next_free_start && conflict.next_free_start == start + HOUR);
  boka_conflict_clear(&conflict);

  /* The JSON path carries the same details. */
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld, \"quantity\": 2}], \"start\": \"%s\", \"end\": "
           "\"%s\"}",
           (long long)room, rfc3339(start), rfc3339(start + HOUR));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, &conflict, &err), err,
               BOKA_CONFLICT, "");
  CHECK(doc == NULL);
  CHECK(conflict.blocking_count == 2);
  CHECK(conflict.has_next_free_start && conflict.next_free_start == start + 2 * HOUR);
  boka_conflict_clear(&conflict);

  /* More than capacity can never fit: invalid, not a conflict. */
  EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, room, start + 5 * HOUR, start + 6 * HOUR, 3,
                            NULL, &conflict, &err),
               err, BOKA_INVALID_ARGUMENT, "quantity");
  CHECK(conflict.blocking_count == 0 && conflict.has_next_free_start == 0);

  /* Rescheduling onto a full hour: a conflict with details. */
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start + 4 * HOUR, start + 5 * HOUR, 2,
                         &again, NULL, &err),
            err);
  EXPECT_ERROR(boka_reschedule(f.engine, f.who, f.tenant, first, start + 4 * HOUR, start + 5 * HOUR,
                               BOKA_ANY_VERSION, &doc, &conflict, &err),
               err, BOKA_CONFLICT, "");
  CHECK(conflict.blocking_count == 1 && conflict.blocking_ids[0] == again);
  boka_conflict_clear(&conflict);
  EXPECT_OK(boka_reschedule(f.engine, f.who, f.tenant, first, start + 2 * HOUR, start + 3 * HOUR,
                            BOKA_ANY_VERSION, &doc, &conflict, &err),
            err);
  CHECK(json_time(doc, "start") == start + 2 * HOUR);
  CHECK(json_int(doc, "version") == 2);
  boka_free(doc);

  /* A stale version: a conflict without capacity details. */
  EXPECT_ERROR(boka_cancel(f.engine, f.who, f.tenant, first, 1, &doc, &err), err, BOKA_CONFLICT,
               "version");
  EXPECT_OK(boka_cancel(f.engine, f.who, f.tenant, first, 2, NULL, &err), err);
  EXPECT_ERROR(boka_cancel(f.engine, f.who, f.tenant, first, BOKA_ANY_VERSION, NULL, &err), err,
               BOKA_CONFLICT, "");
  EXPECT_ERROR(boka_confirm(f.engine, f.who, f.tenant, first, BOKA_ANY_VERSION, NULL, &err), err,
               BOKA_CONFLICT, "");

  /* Unique names. */
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": \"acme\"}", &doc, &err), err,
               BOKA_ALREADY_EXISTS, "tenant.name: a tenant named \"acme\" already exists");
  EXPECT_OK(boka_get_tenant(f.engine, f.who, f.tenant, &tenant_doc, &err), err);
  EXPECT_OK(boka_update_tenant(f.engine, f.who, tenant_doc, &doc, &err), err);
  CHECK(json_int(doc, "version") == 2);
  boka_free(doc);
  /* The same document again is now stale. */
  EXPECT_ERROR(boka_update_tenant(f.engine, f.who, tenant_doc, &doc, &err), err, BOKA_CONFLICT,
               "version");
  EXPECT_ERROR(boka_update_tenant(f.engine, f.who, "{\"name\": \"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "tenant.id: is required");
  boka_free(tenant_doc);

  /* Idempotency: a retry returns the original; the same key with other content is refused. */
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld}], \"start\": \"%s\", \"end\": \"%s\","
           " \"idempotency_key\": \"order-1\", \"customer\": \"c-1\", \"metadata\": {\"channel\": "
           "\"web\"}}",
           (long long)room, rfc3339(start + 8 * HOUR), rfc3339(start + 9 * HOUR));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  first = json_int(doc, "id");
  CHECK_CONTAINS(doc, "\"idempotency_key\":\"order-1\"");
  CHECK_CONTAINS(doc, "\"customer\":\"c-1\"");
  CHECK_CONTAINS(doc, "\"metadata\":{\"channel\":\"web\"}");
  boka_free(doc);
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  CHECK(json_int(doc, "id") == first);
  boka_free(doc);
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld}], \"start\": \"%s\", \"end\": \"%s\","
           " \"idempotency_key\": \"order-1\"}",
           (long long)room, rfc3339(start + 10 * HOUR), rfc3339(start + 11 * HOUR));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err,
               BOKA_ALREADY_EXISTS, "");
  CHECK(doc == NULL);
  teardown(&f);
}

TEST(resources_round_trip) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* updated = NULL;
  int64_t id;
  setup(&f);
  id = make_resource(
      &f,
      "{\"name\": \"Court 1\", \"zone\": \"Europe/Berlin\", \"capacity\": 4,"
      " \"policy\": {\"slot_step\": 1800, \"min_notice\": 3600, \"max_horizon\": 864000,"
      " \"buffer_before\": 300, \"buffer_after\": 600, \"min_duration\": 1800,"
      " \"max_duration\": 7200, \"daily_limit\": 5},"
      " \"metadata\": {\"surface\": \"clay\", \"lights\": true}}");
  CHECK(id > 0);
  EXPECT_OK(boka_get_resource(f.engine, f.who, f.tenant, id, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"name\":\"Court 1\",\"zone\":\"Europe/Berlin\",\"capacity\":4");
  CHECK_CONTAINS(doc,
                 "\"policy\":{\"slot_step\":1800,\"min_notice\":3600,\"max_horizon\":864000,"
                 "\"buffer_before\":300,\"buffer_after\":600,\"min_duration\":1800,"
                 "\"max_duration\":7200,\"daily_limit\":5}");
  CHECK_CONTAINS(doc, "\"schedule\":null");
  CHECK_CONTAINS(doc, "\"metadata\":{\"surface\":\"clay\",\"lights\":true}");
  CHECK_CONTAINS(doc, "\"archived_at\":null");
  CHECK(json_int(doc, "tenant") == f.tenant);
  CHECK(json_time(doc, "created_at") == kMonday + 8 * HOUR);

  /* The document read back is a valid update (nothing changes but the version). */
  EXPECT_OK(boka_update_resource(f.engine, f.who, f.tenant, doc, &updated, &err), err);
  CHECK(json_int(updated, "version") == json_int(doc, "version") + 1);
  CHECK(json_int(updated, "capacity") == 4);
  boka_free(doc);
  /* An update must name every field: nothing silently resets. */
  EXPECT_ERROR(boka_update_resource(
                   f.engine, f.who, f.tenant,
                   "{\"id\": 1, \"version\": 2, \"name\": \"x\", \"zone\": \"UTC\"}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "resource.capacity: is required");
  boka_free(updated);

  EXPECT_OK(boka_archive_resource(f.engine, f.who, f.tenant, id, &doc, &err), err);
  CHECK(json_time(doc, "archived_at") == kMonday + 8 * HOUR);
  boka_free(doc);
  EXPECT_OK(boka_list_resources(f.engine, f.who, f.tenant, 0, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);
  EXPECT_OK(boka_list_resources(f.engine, f.who, f.tenant, 1, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":\"Court 1\"") == 1);
  boka_free(doc);
  /* Archiving a resource is optional output: NULL is fine. */
  EXPECT_OK(boka_archive_resource(f.engine, f.who, f.tenant, id, NULL, &err), err);
  teardown(&f);
}

TEST(schedules_and_pools_round_trip) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* again = NULL;
  char spec[512];
  char body[512];
  int64_t schedule, a, b, pool, booked = 0;
  setup(&f);
  EXPECT_OK(
      boka_create_schedule(f.engine, f.who, f.tenant,
                           "{\"name\": \"Clinic\","
                           " \"weekly\": [{\"day\": \"tuesday\", \"intervals\": "
                           "[{\"start_minute\": 540, \"end_minute\": 1020}]}],"
                           " \"overrides\": [{\"date\": \"2026-12-24\", \"intervals\": "
                           "[{\"start_minute\": 540, \"end_minute\": 720}]},"
                           "                 {\"date\": \"2026-12-31\"}],"
                           " \"holidays\": [{\"name\": \"Christmas\", \"kind\": \"fixed_date\", "
                           "\"month\": 12, \"day_of_month\": 25},"
                           "                {\"name\": \"Thanksgiving\", \"kind\": "
                           "\"nth_weekday\", \"nth\": 4, \"weekday\": \"thursday\", \"month\": 11},"
                           "                {\"name\": \"Memorial\", \"kind\": \"last_weekday\", "
                           "\"weekday\": \"monday\", \"month\": 5}]}",
                           &doc, &err),
      err);
  schedule = json_int(doc, "id");
  CHECK_CONTAINS(doc,
                 "\"weekly\":[{\"day\":\"tuesday\",\"intervals\":[{\"start_minute\":540,\"end_"
                 "minute\":1020}]}]");
  CHECK_CONTAINS(
      doc, "{\"date\":\"2026-12-24\",\"intervals\":[{\"start_minute\":540,\"end_minute\":720}]}");
  CHECK_CONTAINS(doc, "{\"date\":\"2026-12-31\",\"intervals\":[]}");
  CHECK_CONTAINS(
      doc, "{\"name\":\"Christmas\",\"kind\":\"fixed_date\",\"month\":12,\"day_of_month\":25");
  CHECK_CONTAINS(doc,
                 "\"kind\":\"nth_weekday\",\"month\":11,\"day_of_month\":1,\"nth\":4,\"weekday\":"
                 "\"thursday\"");
  CHECK_CONTAINS(doc, "\"kind\":\"last_weekday\",\"month\":5");
  /* Round trip: the document is its own update, and reads back the same but the version. */
  EXPECT_OK(boka_update_schedule(f.engine, f.who, f.tenant, doc, &again, &err), err);
  CHECK(json_int(again, "version") == 2);
  boka_free(doc);
  boka_free(again);
  EXPECT_OK(boka_list_schedules(f.engine, f.who, f.tenant, 0, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":\"Clinic\"") == 1);
  boka_free(doc);
  EXPECT_ERROR(
      boka_create_schedule(f.engine, f.who, f.tenant,
                           "{\"name\": \"bad\", \"weekly\": [{\"day\": \"monday\", \"intervals\":"
                           " [{\"start_minute\": 600, \"end_minute\": 540}]}]}",
                           &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "schedule.weekly");

  /* A resource uses the schedule, so it cannot be archived. */
  snprintf(spec, sizeof spec,
           "{\"name\": \"Desk A\", \"zone\": \"UTC\", \"schedule\": %lld, "
           "\"policy\": {\"slot_step\": 3600}}",
           (long long)schedule);
  a = make_resource(&f, spec);
  snprintf(spec, sizeof spec,
           "{\"name\": \"Desk B\", \"zone\": \"UTC\", \"schedule\": %lld, "
           "\"policy\": {\"slot_step\": 3600}}",
           (long long)schedule);
  b = make_resource(&f, spec);
  EXPECT_ERROR(boka_archive_schedule(f.engine, f.who, f.tenant, schedule, &doc, &err), err,
               BOKA_CONFLICT, "");

  snprintf(spec, sizeof spec, "{\"name\": \"Desks\", \"members\": [%lld, %lld]}", (long long)b,
           (long long)a);
  EXPECT_OK(boka_create_pool(f.engine, f.who, f.tenant, spec, &doc, &err), err);
  pool = json_int(doc, "id");
  {
    char members[64];
    snprintf(members, sizeof members, "\"members\":[%lld,%lld]", (long long)b, (long long)a);
    CHECK_CONTAINS(doc, members);
  }
  EXPECT_OK(boka_update_pool(f.engine, f.who, f.tenant, doc, &again, &err), err);
  CHECK(json_int(again, "version") == 2);
  boka_free(again);
  boka_free(doc);

  /* A pool booking takes the first free member in pool order: b, then a, then none. */
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"pool\": %lld}], \"start\": \"%s\", \"end\": \"%s\"}",
           (long long)pool, rfc3339(kMonday + DAY + 10 * HOUR), rfc3339(kMonday + DAY + 11 * HOUR));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  CHECK(json_int(doc, "resource") == b);
  CHECK(json_int(doc, "pool") == pool);
  booked = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  CHECK(json_int(doc, "resource") == a);
  boka_free(doc);
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err,
               BOKA_CONFLICT, "");
  CHECK(booked > 0);

  EXPECT_OK(boka_archive_pool(f.engine, f.who, f.tenant, pool, &doc, &err), err);
  CHECK(json_time(doc, "archived_at") > 0);
  boka_free(doc);
  EXPECT_OK(boka_list_pools(f.engine, f.who, f.tenant, 0, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);
  EXPECT_OK(boka_list_pools(f.engine, f.who, f.tenant, 1, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":\"Desks\"") == 1);
  boka_free(doc);
  teardown(&f);
}

TEST(holds_clock_and_lifecycle) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char body[512];
  int64_t room, held, lapsed, booked = 0;
  int expired = -1;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  setup(&f);
  room = make_room(&f, 1);
  CHECK(boka_clock_now(f.clock) == kMonday + 8 * HOUR);

  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld}], \"start\": \"%s\", \"end\": \"%s\", "
           "\"hold_for\": 600}",
           (long long)room, rfc3339(start), rfc3339(start + HOUR));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  held = json_int(doc, "id");
  CHECK_CONTAINS(doc, "\"status\":\"held\"");
  CHECK(json_time(doc, "hold_expires_at") == kMonday + 8 * HOUR + 600);
  boka_free(doc);
  EXPECT_OK(boka_confirm(f.engine, f.who, f.tenant, held, 1, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"confirmed\"");
  CHECK_CONTAINS(doc, "\"hold_expires_at\":null");
  boka_free(doc);

  /* A hold that lapses reads as expired before any sweep, then the sweep counts it. */
  snprintf(body, sizeof body,
           "{\"allocations\": [{\"resource\": %lld}], \"start\": \"%s\", \"end\": \"%s\", "
           "\"hold_for\": 60}",
           (long long)room, rfc3339(start + 2 * HOUR), rfc3339(start + 3 * HOUR));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, body, &doc, NULL, &err), err);
  lapsed = json_int(doc, "id");
  boka_free(doc);
  boka_clock_advance(f.clock, 61);
  CHECK(boka_clock_now(f.clock) == kMonday + 8 * HOUR + 61);
  EXPECT_OK(boka_get_reservation(f.engine, f.who, f.tenant, lapsed, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"expired\"");
  boka_free(doc);
  EXPECT_ERROR(boka_confirm(f.engine, f.who, f.tenant, lapsed, BOKA_ANY_VERSION, NULL, &err), err,
               BOKA_CONFLICT, "");
  /* The lapsed hold no longer blocks its slot. */
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start + 2 * HOUR, start + 3 * HOUR, 1,
                         &booked, NULL, &err),
            err);
  EXPECT_OK(boka_expire_holds(f.engine, f.who, 100, &expired, &err), err);
  CHECK(expired == 1);
  EXPECT_OK(boka_expire_holds(f.engine, f.who, 100, NULL, &err), err);
  EXPECT_ERROR(boka_expire_holds(f.engine, f.who, 0, &expired, &err), err, BOKA_INVALID_ARGUMENT,
               "limit");

  /* completed / no_show once the reservation has started. */
  EXPECT_ERROR(boka_mark_completed(f.engine, f.who, f.tenant, held, BOKA_ANY_VERSION, NULL, &err),
               err, BOKA_CONFLICT, "");
  boka_clock_set(f.clock, start + 30 * MINUTE);
  EXPECT_OK(boka_mark_completed(f.engine, f.who, f.tenant, held, BOKA_ANY_VERSION, &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"status\":\"completed\"");
  boka_free(doc);
  boka_clock_set(f.clock, start + 2 * HOUR + 5 * MINUTE);
  EXPECT_OK(boka_mark_no_show(f.engine, f.who, f.tenant, booked, BOKA_ANY_VERSION, &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"status\":\"no_show\"");
  boka_free(doc);

  /* Filters: by status, by customer, by range, paged. */
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant,
                                   "{\"statuses\": [\"completed\", \"no_show\"]}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"id\":") == 2);
  boka_free(doc);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, "{\"limit\": 1}", &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 1 && json_int(doc, "id") == held);
  boka_free(doc);
  snprintf(body, sizeof body,
           "{\"after_id\": %lld, \"resource\": %lld, \"from\": \"%s\", \"to\": \"%s\"}",
           (long long)held, (long long)room, rfc3339(start), rfc3339(start + DAY));
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, body, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 2);
  boka_free(doc);
  EXPECT_ERROR(boka_list_reservations(f.engine, f.who, f.tenant, "{\"limit\": 0}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "filter.limit: must be 1..10000, got 0");

  /* Clocks stay within the supported range. */
  boka_clock_set(f.clock, LLONG_MAX);
  CHECK(boka_clock_now(f.clock) == 253402300799LL);
  boka_clock_advance(f.clock, LLONG_MIN);
  CHECK(boka_clock_now(f.clock) == -62135596800LL);
  teardown(&f);
}

TEST(explain_and_check_slot) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char body[512];
  char spec[512];
  int64_t schedule, room, booked = 0;
  int available = -1;
  const int64_t tuesday = kMonday + DAY;
  setup(&f);
  EXPECT_OK(
      boka_create_schedule(f.engine, f.who, f.tenant,
                           "{\"name\": \"9-17\", \"weekly\": [{\"day\": \"tuesday\", \"intervals\":"
                           " [{\"start_minute\": 540, \"end_minute\": 1020}]}]}",
                           &doc, &err),
      err);
  schedule = json_int(doc, "id");
  boka_free(doc);
  snprintf(spec, sizeof spec,
           "{\"name\": \"r\", \"zone\": \"UTC\", \"schedule\": %lld, "
           "\"policy\": {\"slot_step\": 3600}}",
           (long long)schedule);
  room = make_resource(&f, spec);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, tuesday + 10 * HOUR, tuesday + 11 * HOUR,
                         1, &booked, NULL, &err),
            err);

  snprintf(body, sizeof body,
           "{\"requests\": [{\"resource\": %lld}], \"start\": \"%s\", \"duration\": 3600}",
           (long long)room, rfc3339(tuesday + 10 * HOUR));
  EXPECT_OK(boka_explain(f.engine, f.who, f.tenant, body, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"available\":false");
  CHECK_CONTAINS(doc, "\"reason\":\"capacity\"");
  {
    char ids[64];
    snprintf(ids, sizeof ids, "\"blocking_reservation_ids\":[%lld]", (long long)booked);
    CHECK_CONTAINS(doc, ids);
  }
  boka_free(doc);

  snprintf(body, sizeof body,
           "{\"requests\": [{\"resource\": %lld}], \"start\": \"%s\", \"duration\": 3600}",
           (long long)room, rfc3339(tuesday + 20 * HOUR));
  EXPECT_OK(boka_explain(f.engine, f.who, f.tenant, body, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"reason\":\"closed\"");
  boka_free(doc);

  snprintf(body, sizeof body,
           "{\"requests\": [{\"resource\": %lld}], \"start\": \"%s\", \"duration\": 3600}",
           (long long)room, rfc3339(tuesday + 11 * HOUR));
  EXPECT_OK(boka_explain(f.engine, f.who, f.tenant, body, &doc, &err), err);
  CHECK(strcmp(doc, "{\"available\":true,\"findings\":[],\"blocking_reservation_ids\":[]}") == 0);
  boka_free(doc);

  EXPECT_OK(boka_check_slot(f.engine, f.who, f.tenant, room, tuesday + 11 * HOUR,
                            tuesday + 12 * HOUR, 1, &available, &err),
            err);
  CHECK(available == 1);
  EXPECT_OK(boka_check_slot(f.engine, f.who, f.tenant, room, tuesday + 10 * HOUR,
                            tuesday + 11 * HOUR, 1, &available, &err),
            err);
  CHECK(available == 0);
  EXPECT_OK(boka_check_slot(f.engine, f.who, f.tenant, room, tuesday + 20 * HOUR,
                            tuesday + 21 * HOUR, 1, &available, &err),
            err);
  CHECK(available == 0);

  /* Closed hours refuse a booking as a conflict too, and name the next opening. */
  {
    boka_conflict conflict;
    EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, room, tuesday + 6 * HOUR,
                              tuesday + 7 * HOUR, 1, NULL, &conflict, &err),
                 err, BOKA_CONFLICT, "");
    CHECK(conflict.has_next_free_start && conflict.next_free_start == tuesday + 9 * HOUR);
    CHECK(conflict.blocking_count == 0);
    boka_conflict_clear(&conflict);
  }
  teardown(&f);
}

TEST(storage_info_and_open_errors) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = (boka_engine*)&f; /* must be reset to NULL on failure */
  setup(&f);
  EXPECT_OK(boka_ops_storage_info(f.engine, &doc, &err), err);
  CHECK(strcmp(doc, "{\"dialect\":\"memory\",\"schema_version\":0,\"location\":\"\"}") == 0);
  boka_free(doc);
  EXPECT_ERROR(boka_engine_open("nosuch:thing", &engine, &err), err, BOKA_INVALID_ARGUMENT,
               "nosuch");
  CHECK(engine == NULL);
  EXPECT_ERROR(boka_engine_open("sqlite:/nonexistent-dir/x/y.db", &engine, &err), err, BOKA_STORAGE,
               "");
  CHECK(engine == NULL);
  teardown(&f);
}

/* ---- audit trail and operations ---------------------------------------------------------- */

/* A fresh directory under /tmp for SQLite files and backups, removed with its contents. */
typedef struct temp_dir {
  char path[64];
} temp_dir;

static void temp_dir_make(temp_dir* d) {
  strcpy(d->path, "/tmp/boka-c-ops-XXXXXX");
  CHECK(mkdtemp(d->path) != NULL);
}

static void temp_dir_remove(temp_dir* d) {
  char command[128];
  snprintf(command, sizeof command, "rm -rf '%s'", d->path);
  CHECK(system(command) == 0);
}

static int file_exists(const char* path) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) return 0;
  fclose(file);
  return 1;
}

/* A fixture over an SQLite file `name` in d. */
static void setup_file(fixture* f, const temp_dir* d, const char* name) {
  char uri[160];
  snprintf(uri, sizeof uri, "sqlite:%s/%s", d->path, name);
  setup_on(f, uri);
}

/* A reservation, the same slot refused (lack of capacity: counted, not audited), then a
   request that ends before it starts: the audit trail holds the booking and the rejection. */
TEST(audit_records_and_verification) {
  fixture f;
  temp_dir d;
  char* err = NULL;
  char* doc = NULL;
  char query[256];
  char target[64];
  char hash[80];
  char heads[256];
  int64_t room, booked = 0, seq;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  temp_dir_make(&d);
  setup_file(&f, &d, "audit.db");
  room = make_room(&f, 1);
  EXPECT_OK(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, &booked, NULL, &err),
      err);
  EXPECT_ERROR(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, NULL, &err), err,
      BOKA_CONFLICT, "");
  EXPECT_ERROR(
      boka_reserve(f.engine, f.who, f.tenant, room, start + HOUR, start, 1, NULL, NULL, &err), err,
      BOKA_INVALID_ARGUMENT, "end");

  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, f.tenant,
                                   "{\"action\": \"reservation.reserve\"}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"action\":\"reservation.reserve\"") == 2);
  CHECK(count_of(doc, "\"outcome\":\"success\"") == 1);
  CHECK(count_of(doc, "\"outcome\":\"rejected\"") == 1);
  CHECK(count_of(doc, "\"outcome\":\"conflict\"") == 0);
  snprintf(target, sizeof target, "\"target\":\"reservation:%lld\"", (long long)booked);
  CHECK_CONTAINS(doc, target);
  CHECK_CONTAINS(doc, "\"actor\":\"system\"");
  CHECK(json_int(doc, "tenant") == f.tenant);
  boka_free(doc);

  /* The whole chain: the tenant's creation first, ordered by seq; NULL query = no filter. */
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(json_int(doc, "seq") == 1);
  CHECK_CONTAINS(doc, "\"prev_hash\":\"\"");
  CHECK(count_of(doc, "\"seq\":") >= 4); /* tenant, resource, reservation, refusal */
  boka_free(doc);

  /* Filters: the refusal alone, with its reason; pagination by seq. */
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, f.tenant,
                                   "{\"outcome\": \"rejected\", \"limit\": 10}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"seq\":") == 1);
  CHECK(strstr(doc, "\"reason\":\"\"") == NULL);
  seq = json_int(doc, "seq");
  json_string(doc, "hash", hash, sizeof hash);
  CHECK(strlen(hash) == 64);
  boka_free(doc);
  snprintf(query, sizeof query, "{\"after_seq\": %lld}", (long long)seq);
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, f.tenant, query, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);
  snprintf(query, sizeof query, "{\"from\": \"%s\", \"to\": \"%s\"}", rfc3339(kMonday + 9 * HOUR),
           rfc3339(kMonday + 10 * HOUR));
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, f.tenant, query, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0); /* the clock stands at 08:00 */
  boka_free(doc);

  /* Bad queries name the field. */
  EXPECT_ERROR(
      boka_ops_audit_records(f.engine, f.who, f.tenant, "{\"outcome\": \"lost\"}", &doc, &err), err,
      BOKA_INVALID_ARGUMENT,
      "query.outcome: \"lost\" is not one of success, denied, conflict, rejected, failure");
  EXPECT_ERROR(
      boka_ops_audit_records(f.engine, f.who, f.tenant, "{\"actr\": \"system\"}", &doc, &err), err,
      BOKA_INVALID_ARGUMENT, "query.actr: unknown field");
  EXPECT_ERROR(boka_ops_audit_records(f.engine, f.who, f.tenant, "{\"limit\": 0}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "limit");
  CHECK(doc == NULL);

  /* Every chain verifies; the refusal's record is a head this chain still holds. */
  EXPECT_OK(boka_ops_verify_audit(f.engine, f.who, f.tenant, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"ok\":true");
  CHECK(json_int(doc, "chains") == 1);
  CHECK(json_int(doc, "records") >= 4);
  boka_free(doc);
  EXPECT_OK(boka_ops_verify_audit(f.engine, f.who, BOKA_ALL_TENANTS, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"ok\":true");
  CHECK_CONTAINS(doc, "\"problem\":\"\"");
  boka_free(doc);
  snprintf(heads, sizeof heads, "[{\"tenant\": %lld, \"seq\": %lld, \"hash\": \"%s\"}]",
           (long long)f.tenant, (long long)seq, hash);
  EXPECT_OK(boka_ops_check_audit_heads(f.engine, f.who, heads, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"ok\":true");
  boka_free(doc);
  /* A head the chain does not hold (another hash) is named. */
  hash[0] = hash[0] == '0' ? '1' : '0';
  snprintf(heads, sizeof heads, "[{\"tenant\": %lld, \"seq\": %lld, \"hash\": \"%s\"}]",
           (long long)f.tenant, (long long)seq, hash);
  EXPECT_OK(boka_ops_check_audit_heads(f.engine, f.who, heads, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"ok\":false");
  CHECK(json_int(doc, "broken_tenant") == f.tenant);
  CHECK(json_int(doc, "broken_seq") == seq);
  boka_free(doc);
  EXPECT_ERROR(
      boka_ops_check_audit_heads(f.engine, f.who, "[{\"tenant\": 1, \"seq\": 1}]", &doc, &err), err,
      BOKA_INVALID_ARGUMENT, "heads[0].hash: is required");
  EXPECT_ERROR(boka_ops_check_audit_heads(f.engine, f.who, "{}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "heads: expected an array");

  /* NULL handles and outputs. */
  EXPECT_ERROR(boka_ops_audit_records(NULL, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "engine: is NULL");
  EXPECT_ERROR(boka_ops_audit_records(f.engine, f.who, f.tenant, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "records_json: is NULL");
  EXPECT_ERROR(boka_ops_verify_audit(f.engine, NULL, f.tenant, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "who: is NULL");
  EXPECT_ERROR(boka_ops_verify_audit(f.engine, f.who, f.tenant, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "verification_json: is NULL");
  EXPECT_ERROR(boka_ops_check_audit_heads(f.engine, f.who, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "heads_json: is NULL");
  CHECK(doc == NULL);
  teardown(&f);
  temp_dir_remove(&d);
}

/* Metrics text, database statistics, heartbeats and the health report. */
TEST(metrics_health_and_stats) {
  fixture f;
  temp_dir d;
  char* err = NULL;
  char* doc = NULL;
  int64_t room;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  /* Disk space is the test machine's: not checked here. */
  static const char* relaxed = "{\"min_free_disk_bytes\": 0, \"min_free_disk_fraction\": 0}";
  temp_dir_make(&d);
  setup_file(&f, &d, "ops.db");
  room = make_room(&f, 1);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, NULL, &err),
            err);
  EXPECT_ERROR(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, NULL, &err), err,
      BOKA_CONFLICT, "");

  EXPECT_OK(boka_ops_metrics_text(f.engine, &doc, &err), err);
  CHECK_CONTAINS(doc, "# TYPE booking_transactions_total counter");
  CHECK_CONTAINS(doc, "booking_transactions_total{operation=\"reserve\",outcome=\"success\"} 1\n");
  CHECK_CONTAINS(doc, "booking_transactions_total{operation=\"reserve\",outcome=\"conflict\"} 1\n");
  CHECK_CONTAINS(doc, "bookings_created_total 1\n");
  CHECK_CONTAINS(doc, "boka_read_only 0\n");
  boka_free(doc);

  EXPECT_OK(boka_ops_database_stats(f.engine, f.who, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"table\":\"reservations\",\"rows\":1,\"bytes\":");
  CHECK_CONTAINS(doc, "{\"table\":\"tenants\",\"rows\":1,\"bytes\":");
  boka_free(doc);

  /* Defaults: a worker heartbeat and a backup are expected; neither exists yet. */
  EXPECT_OK(boka_ops_health(f.engine, f.who, relaxed, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"status\":\"degraded\",\"checked_at\":");
  CHECK_CONTAINS(doc, "\"heartbeats\":[{\"component\":\"worker\",\"last_seen\":null}]");
  CHECK_CONTAINS(doc,
                 "{\"name\":\"heartbeat:worker\",\"status\":\"degraded\","
                 "\"detail\":\"never reported\"}");
  CHECK_CONTAINS(doc,
                 "{\"name\":\"backup\",\"status\":\"degraded\","
                 "\"detail\":\"no backup recorded\"}");
  CHECK_CONTAINS(doc, "\"dialect\":\"sqlite\"");
  CHECK_CONTAINS(doc, "\"storage_reachable\":true");
  CHECK_CONTAINS(doc, "\"read_only\":false");
  CHECK_CONTAINS(doc, "\"checked_at\":\"2026-01-05T08:00:00Z\"");
  boka_free(doc);
  EXPECT_OK(boka_ops_record_heartbeat(f.engine, f.who, "worker", &err), err);
  EXPECT_OK(boka_ops_health(
                f.engine, f.who,
                "{\"backup_max_age\": 0, \"heartbeats\": [\"worker\"], \"heartbeat_max_age\": 60,"
                " \"min_free_disk_bytes\": 0, \"min_free_disk_fraction\": 0.0,"
                " \"storage_slow_after\": 5}",
                &doc, &err),
            err);
  CHECK_CONTAINS(doc, "{\"status\":\"ok\",\"checked_at\":");
  CHECK_CONTAINS(doc,
                 "\"heartbeats\":[{\"component\":\"worker\","
                 "\"last_seen\":\"2026-01-05T08:00:00Z\"}]");
  boka_free(doc);
  /* Two minutes later the heartbeat is stale. */
  boka_clock_advance(f.clock, 2 * MINUTE);
  EXPECT_OK(boka_ops_health(f.engine, f.who, "{\"backup_max_age\": 0, \"heartbeat_max_age\": 60}",
                            &doc, &err),
            err);
  CHECK_CONTAINS(doc,
                 "{\"name\":\"heartbeat:worker\",\"status\":\"degraded\","
                 "\"detail\":\"last seen 2 min ago\"}");
  boka_free(doc);

  EXPECT_ERROR(boka_ops_record_heartbeat(f.engine, f.who, "Night Worker", &err), err,
               BOKA_INVALID_ARGUMENT, "component: 1..64 characters");
  EXPECT_ERROR(boka_ops_health(f.engine, f.who, "{\"heartbeats\": \"worker\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "options.heartbeats: expected an array, got string");
  EXPECT_ERROR(boka_ops_health(f.engine, f.who, "{\"min_free_disk_fraction\": \"5%\"}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "options.min_free_disk_fraction: expected a number");
  EXPECT_ERROR(boka_ops_health(f.engine, f.who, "{\"backup_age\": 1}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "options.backup_age: unknown field");

  EXPECT_ERROR(boka_ops_metrics_text(NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  EXPECT_ERROR(boka_ops_metrics_text(f.engine, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "text: is NULL");
  EXPECT_ERROR(boka_ops_health(f.engine, NULL, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "who: is NULL");
  EXPECT_ERROR(boka_ops_health(f.engine, f.who, NULL, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "health_json: is NULL");
  EXPECT_ERROR(boka_ops_database_stats(f.engine, f.who, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "stats_json: is NULL");
  EXPECT_ERROR(boka_ops_record_heartbeat(f.engine, f.who, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "component: is NULL");
  CHECK(doc == NULL);
  teardown(&f);
  temp_dir_remove(&d);
}

/* Read-only mode: switched on and off at run time, and an engine opened read-only. */
TEST(read_only_mode) {
  fixture f;
  temp_dir d;
  char* err = NULL;
  char* doc = NULL;
  char* reason = NULL;
  char uri[160];
  int read_only = 7;
  int64_t room;
  boka_engine* second = NULL;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  temp_dir_make(&d);
  setup_file(&f, &d, "read-only.db");
  room = make_room(&f, 1);

  EXPECT_OK(boka_ops_read_only_reason(f.engine, &read_only, &reason, &err), err);
  CHECK(read_only == 0 && reason == NULL);
  EXPECT_OK(boka_ops_set_read_only(f.engine, f.who, 1, "maintenance window", &err), err);
  EXPECT_OK(boka_ops_read_only_reason(f.engine, &read_only, &reason, &err), err);
  CHECK(read_only == 1 && reason != NULL && strcmp(reason, "maintenance window") == 0);
  boka_free(reason);

  EXPECT_ERROR(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, NULL, &err), err,
      BOKA_UNAVAILABLE, "boka is in read-only mode (maintenance window); writes are refused");
  EXPECT_ERROR(boka_create_tenant(f.engine, f.who, "{\"name\": \"other\"}", NULL, &err), err,
               BOKA_UNAVAILABLE, "read-only mode");
  /* Reads go on. */
  EXPECT_OK(boka_get_tenant(f.engine, f.who, f.tenant, &doc, &err), err);
  boka_free(doc);
  EXPECT_OK(boka_ops_metrics_text(f.engine, &doc, &err), err);
  CHECK_CONTAINS(doc, "boka_read_only 1\n");
  boka_free(doc);
  EXPECT_OK(boka_ops_health(f.engine, f.who, NULL, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"read_only\":true,\"read_only_reason\":\"maintenance window\"");
  boka_free(doc);

  EXPECT_OK(boka_ops_set_read_only(f.engine, f.who, 0, NULL, &err), err);
  EXPECT_OK(boka_ops_read_only_reason(f.engine, &read_only, NULL, &err), err);
  CHECK(read_only == 0);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, NULL, NULL, &err),
            err);
  /* Both switches are in the system chain. */
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, 0, "{\"action\": \"ops.\"}", &doc, &err), err);
  CHECK(count_of(doc, "\"action\":\"ops.read_only_on\"") == 1);
  CHECK(count_of(doc, "\"action\":\"ops.read_only_off\"") == 1);
  CHECK_CONTAINS(doc, "\"detail\":{\"reason\":\"maintenance window\"}");
  boka_free(doc);

  /* A second engine on the same file, opened read-only. */
  snprintf(uri, sizeof uri, "sqlite:%s/read-only.db", d.path);
  EXPECT_OK(boka_engine_open_with_options(
                uri, f.clock, "{\"read_only\": true, \"read_only_reason\": \"restore drill\"}",
                &second, &err),
            err);
  EXPECT_ERROR(boka_create_tenant(second, f.who, "{\"name\": \"other\"}", NULL, &err), err,
               BOKA_UNAVAILABLE, "read-only mode (restore drill)");
  EXPECT_OK(boka_list_tenants(second, f.who, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 1);
  boka_free(doc);
  boka_engine_destroy(second);
  second = NULL;
  EXPECT_OK(boka_engine_open_with_options(uri, NULL, NULL, &second, &err), err);
  EXPECT_OK(boka_ops_read_only_reason(second, &read_only, &reason, &err), err);
  CHECK(read_only == 0 && reason == NULL);
  boka_engine_destroy(second);
  second = (boka_engine*)&f;
  EXPECT_ERROR(boka_engine_open_with_options(uri, NULL, "{\"readonly\": true}", &second, &err), err,
               BOKA_INVALID_ARGUMENT, "options.readonly: unknown field");
  CHECK(second == NULL);
  EXPECT_ERROR(boka_engine_open_with_options(uri, NULL, "{\"read_only\": 1}", &second, &err), err,
               BOKA_INVALID_ARGUMENT, "options.read_only: expected true or false, got number");

  EXPECT_ERROR(boka_ops_set_read_only(NULL, f.who, 1, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  EXPECT_ERROR(boka_ops_set_read_only(f.engine, NULL, 1, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "who: is NULL");
  EXPECT_ERROR(boka_ops_read_only_reason(f.engine, NULL, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "read_only: is NULL");
  teardown(&f);
  temp_dir_remove(&d);
}

/* Backup while the file is in use, verify, restore into a new file, open it and read. */
TEST(backup_verify_restore) {
  fixture f;
  temp_dir d;
  char* err = NULL;
  char* doc = NULL;
  char options[256];
  char path[256];
  char manifest_path[300];
  char target[160];
  char uri[200];
  char first_path[256];
  int64_t room, kept = 0, later = 0;
  boka_engine* restored = NULL;
  FILE* file;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  temp_dir_make(&d);
  setup_file(&f, &d, "live.db");
  room = make_room(&f, 1);
  EXPECT_OK(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, &kept, NULL, &err),
      err);

  snprintf(options, sizeof options,
           "{\"directory\": \"%s/backups\", \"kind\": \"daily\", \"keep\": 2, \"verify\": true}",
           d.path);
  EXPECT_OK(boka_ops_backup(f.engine, f.who, options, &doc, &err), err);
  json_string(doc, "path", path, sizeof path);
  json_string(doc, "manifest_path", manifest_path, sizeof manifest_path);
  CHECK(strstr(path, "/backups/daily/boka-daily-20260105-080000.db") != NULL);
  CHECK(strlen(manifest_path) > strlen(path) && strncmp(manifest_path, path, strlen(path)) == 0);
  CHECK_CONTAINS(doc, "\"manifest\":{\"format\":\"boka-backup/1\",\"file\":\"boka-daily-");
  CHECK_CONTAINS(doc, "\"created_at\":\"2026-01-05T08:00:00Z\"");
  CHECK_CONTAINS(doc, "\"tables\":[{\"table\":");
  CHECK_CONTAINS(doc, "\"kind\":\"daily\"");
  CHECK_CONTAINS(doc, "\"removed\":[]");
  CHECK_CONTAINS(doc, "\"verification\":{\"ok\":true,\"integrity\":\"ok\"");
  CHECK_CONTAINS(doc, "\"problems\":[]");
  boka_free(doc);
  strcpy(first_path, path);

  /* A change after the backup is not in it. */
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, start + HOUR, start + 2 * HOUR, 1, &later,
                         NULL, &err),
            err);

  EXPECT_OK(boka_ops_verify_backup(path, &doc, &err), err);
  CHECK_CONTAINS(doc,
                 "{\"ok\":true,\"integrity\":\"ok\",\"checksum_matches\":true,"
                 "\"counts_match\":true,\"audit\":{\"ok\":true,");
  CHECK_CONTAINS(doc, "\"heads_match\":true,\"problems\":[]}");
  boka_free(doc);

  snprintf(target, sizeof target, "%s/restored.db", d.path);
  EXPECT_OK(boka_ops_restore_backup(path, target, 0, &err), err);
  EXPECT_ERROR(boka_ops_restore_backup(path, target, 0, &err), err, BOKA_ALREADY_EXISTS,
               "overwrite");
  EXPECT_OK(boka_ops_restore_backup(path, target, 1, &err), err);
  snprintf(uri, sizeof uri, "sqlite:%s", target);
  EXPECT_OK(boka_engine_open(uri, &restored, &err), err);
  EXPECT_OK(boka_get_reservation(restored, f.who, f.tenant, kept, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"confirmed\"");
  CHECK(json_time(doc, "start") == start);
  boka_free(doc);
  EXPECT_ERROR(boka_get_reservation(restored, f.who, f.tenant, later, &doc, &err), err,
               BOKA_NOT_FOUND, "");
  EXPECT_OK(boka_ops_verify_audit(restored, f.who, BOKA_ALL_TENANTS, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"ok\":true");
  boka_free(doc);
  boka_engine_destroy(restored);

  /* The backup is recorded: in the system chain and in the health report. */
  EXPECT_OK(boka_ops_audit_records(f.engine, f.who, 0, "{\"action\": \"ops.backup\"}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"outcome\":\"success\"") == 1);
  boka_free(doc);
  EXPECT_OK(boka_ops_health(f.engine, f.who, NULL, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"last_backup_at\":\"2026-01-05T08:00:00Z\"");
  boka_free(doc);

  /* Retention: two more daily backups (a day apart) keep the newest two. */
  boka_clock_advance(f.clock, DAY);
  EXPECT_OK(boka_ops_backup(f.engine, f.who, options, NULL, &err), err);
  boka_clock_advance(f.clock, DAY);
  EXPECT_OK(boka_ops_backup(f.engine, f.who, options, &doc, &err), err);
  CHECK(count_of(doc, "\"removed\":[\"") == 1);
  CHECK(count_of(doc, "/backups/daily/boka-daily-20260105-080000.db\"]") == 1);
  json_string(doc, "path", path, sizeof path);
  CHECK(strstr(path, "boka-daily-20260107-080000.db") != NULL);
  boka_free(doc);
  CHECK(!file_exists(first_path));
  snprintf(target, sizeof target, "%s/backups", d.path);
  EXPECT_OK(boka_ops_apply_retention(target, "daily", 1, &doc, &err), err);
  CHECK(count_of(doc, ".db\"") == 1);
  CHECK_CONTAINS(doc, "boka-daily-20260106-080000.db\"");
  boka_free(doc);
  CHECK(file_exists(path));
  EXPECT_ERROR(boka_ops_apply_retention(target, "hourly", 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT,
               "kind: \"hourly\" is not one of manual, daily, weekly, monthly");
  EXPECT_ERROR(boka_ops_apply_retention(target, "daily", 0, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "");

  /* A damaged backup: verification lists the problem, restore refuses it. */
  file = fopen(path, "ab");
  CHECK(file != NULL);
  if (file != NULL) {
    fputs("tampered", file);
    fclose(file);
  }
  EXPECT_OK(boka_ops_verify_backup(path, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"ok\":false,");
  CHECK_CONTAINS(doc, "\"checksum_matches\":false");
  CHECK(strstr(doc, "\"problems\":[]") == NULL);
  boka_free(doc);
  snprintf(target, sizeof target, "%s/never.db", d.path);
  EXPECT_ERROR(boka_ops_restore_backup(path, target, 0, &err), err, BOKA_STORAGE, "");
  CHECK(!file_exists(target));

  /* Missing files, bad options, stores boka does not back up. */
  snprintf(target, sizeof target, "%s/no-such-backup.db", d.path);
  EXPECT_ERROR(boka_ops_verify_backup(target, &doc, &err), err, BOKA_NOT_FOUND, "");
  EXPECT_ERROR(boka_ops_backup(f.engine, f.who, "{\"kind\": \"daily\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "options.directory: is required");
  EXPECT_ERROR(boka_ops_backup(f.engine, f.who, "{\"directory\": \"/tmp\", \"kind\": \"hourly\"}",
                               &doc, &err),
               err, BOKA_INVALID_ARGUMENT,
               "options.kind: \"hourly\" is not one of manual, daily, weekly, monthly");
  EXPECT_ERROR(boka_ops_backup(f.engine, f.who, "{\"directory\": \"/tmp\", \"verify\": \"yes\"}",
                               &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "options.verify: expected true or false, got string");
  {
    fixture m;
    setup(&m);
    EXPECT_ERROR(boka_ops_backup(m.engine, m.who, "{\"directory\": \"/tmp\"}", &doc, &err), err,
                 BOKA_NOT_SUPPORTED, "");
    teardown(&m);
  }
  EXPECT_ERROR(boka_ops_backup(f.engine, f.who, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "options_json: is NULL");
  EXPECT_ERROR(boka_ops_backup(NULL, f.who, options, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "engine: is NULL");
  EXPECT_ERROR(boka_ops_verify_backup(NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "backup_path: is NULL");
  EXPECT_ERROR(boka_ops_verify_backup(path, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "verification_json: is NULL");
  EXPECT_ERROR(boka_ops_restore_backup(path, NULL, 0, &err), err, BOKA_INVALID_ARGUMENT,
               "target_path: is NULL");
  EXPECT_ERROR(boka_ops_apply_retention(NULL, "daily", 1, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "directory: is NULL");
  CHECK(doc == NULL);
  teardown(&f);
  temp_dir_remove(&d);
}

/* ---- the runner -------------------------------------------------------------------------- */

/* ---- authentication: a C program acts as a user and as an API key -------------------- */

/* A TOTP code computed independently of boka, by oathtool (`offset`: e.g. "+30 seconds"). */
static void totp_code(const char* secret, const char* offset, char* out, size_t size) {
  char command[256];
  FILE* p;
  out[0] = '\0';
  snprintf(command, sizeof command, "oathtool --totp -b -N '%s' '%s'", offset, secret);
  p = popen(command, "r");
  CHECK(p != NULL);
  if (p == NULL) return;
  if (fgets(out, (int)size, p) == NULL) out[0] = '\0';
  out[strcspn(out, "\n")] = '\0';
  CHECK(pclose(p) == 0 && strlen(out) == 6);
}

static void auth_login_mfa_and_api_keys(void) {
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_principal* admin = NULL;
  boka_principal* mfa = NULL;
  boka_principal* keyed = NULL;
  boka_principal* again = NULL;
  boka_principal* gone = NULL;
  char secret[64], code[16], token[128], key[160], recovery[64], body[512];
  const char* at;
  int64_t tenant, user, key_id;
  /* Real time (TOTP codes come from oathtool), cheap Argon2id for a test, a sealing key. */
  const char* options =
      "{\"auth\": {\"argon2_memory_kib\": 64, \"argon2_iterations\": 1, \"totp_issuer\": \"C "
      "test\","
      " \"encryption_key\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}}";
  EXPECT_OK(boka_engine_open_with_options("memory:", NULL, options, &engine, &err), err);
  EXPECT_OK(boka_principal_system(&sys, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"auth\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_auth_create_user(
                engine, sys, tenant,
                "{\"email\": \"Ann@Example.com\", \"password\": \"correct horse battery\","
                " \"role\": \"admin\"}",
                &doc, &err),
            err);
  user = json_int(doc, "id");
  CHECK(user > 0);
  CHECK(strstr(doc, "\"email\":\"ann@example.com\"") != NULL);
  CHECK(strstr(doc, "\"role\":\"admin\"") != NULL);
  CHECK(strstr(doc, "password") == NULL);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_create_user(engine, sys, tenant,
                                     "{\"email\": \"b@example.com\", \"password\":"
                                     " \"correct horse battery\", \"role\": \"boss\"}",
                                     &doc, &err),
               err, BOKA_INVALID_ARGUMENT,
               "user.role: \"boss\" is not one of customer, staff, admin, superadmin");

  /* A wrong password and an unknown email: the same answer. */
  snprintf(
      body, sizeof body,
      "{\"tenant\": %lld, \"email\": \"ann@example.com\", \"password\": \"wrong horse battery\"}",
      (long long)tenant);
  EXPECT_ERROR(boka_auth_login(engine, body, &doc, &admin, &err), err, BOKA_UNAUTHENTICATED,
               "invalid email or password");
  CHECK(doc == NULL && admin == NULL);

  /* Log in, enrol TOTP, confirm with a code from oathtool. */
  snprintf(
      body, sizeof body,
      "{\"tenant\": %lld, \"email\": \"ann@example.com\", \"password\": \"correct horse battery\"}",
      (long long)tenant);
  EXPECT_OK(boka_auth_login(engine, body, &doc, &admin, &err), err);
  CHECK(admin != NULL);
  CHECK(strstr(doc, "\"mfa_pending\":false") != NULL);
  CHECK(strlen(json_string(doc, "token", token, sizeof token)) == 43);
  boka_free(doc);
  /* An admin without MFA keeps staff's rights: no API keys yet. */
  EXPECT_ERROR(
      boka_auth_create_api_key(engine, admin, tenant,
                               "{\"name\": \"k\", \"scopes\": [\"resources:read\"]}", &doc, &err),
      err, BOKA_PERMISSION_DENIED, "MFA");
  EXPECT_OK(boka_auth_begin_totp_enrollment(engine, admin, &doc, &err), err);
  json_string(doc, "secret", secret, sizeof secret);
  CHECK(strlen(secret) == 32);
  CHECK(strstr(doc, "otpauth://totp/C%20test:ann%40example.com?secret=") != NULL);
  boka_free(doc);
  totp_code(secret, "now", code, sizeof code);
  EXPECT_OK(boka_auth_confirm_totp_enrollment(engine, admin, code, &doc, &mfa, &err), err);
  CHECK(mfa != NULL);
  CHECK(count_of(doc, "-") >= 30); /* ten codes of four groups */
  at = strstr(doc, "\"recovery_codes\":[\"");
  CHECK(at != NULL);
  recovery[0] = '\0';
  if (at != NULL) {
    size_t n;
    at += strlen("\"recovery_codes\":[\"");
    n = strcspn(at, "\"");
    if (n >= sizeof recovery) n = sizeof recovery - 1;
    memcpy(recovery, at, n);
    recovery[n] = '\0';
  }
  CHECK(strlen(recovery) == 27);
  boka_free(doc);
  /* Enrolment ended the first session. */
  EXPECT_ERROR(boka_auth_authenticate_session(engine, token, &gone, &err), err,
               BOKA_UNAUTHENTICATED, "session is not valid");

  /* With MFA: create an API key, act as it, revoke it. */
  EXPECT_OK(
      boka_auth_create_api_key(
          engine, mfa, tenant,
          "{\"name\": \"kiosk\", \"scopes\": [\"resources:read\", \"catalog:write\"]}", &doc, &err),
      err);
  key_id = json_int(doc, "id");
  json_string(doc, "key", key, sizeof key);
  CHECK(strncmp(key, "boka_", 5) == 0);
  CHECK(json_int(doc, "created_by") == user);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_create_api_key(engine, mfa, tenant,
                                        "{\"name\": \"k\", \"scopes\": [\"fly\"]}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "key.scopes[0]: \"fly\" is not a permission");
  EXPECT_OK(boka_auth_authenticate_api_key(engine, key, "192.0.2.1", &keyed, &err), err);
  EXPECT_OK(boka_create_resource(engine, keyed, tenant, "{\"name\": \"Room\", \"zone\": \"UTC\"}",
                                 &doc, &err),
            err);
  boka_free(doc);
  /* Its scopes stop it at users. */
  EXPECT_ERROR(boka_auth_list_users(engine, keyed, tenant, 0, 10, &doc, &err), err,
               BOKA_PERMISSION_DENIED, "users:manage");
  EXPECT_OK(boka_auth_list_api_keys(engine, mfa, tenant, 0, 10, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":\"kiosk\"") == 1);
  CHECK(strstr(doc, key) == NULL); /* the secret only ever in the create answer */
  boka_free(doc);
  EXPECT_OK(boka_auth_revoke_api_key(engine, mfa, tenant, key_id, &doc, &err), err);
  CHECK(json_time(doc, "revoked_at") > 0);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_authenticate_api_key(engine, key, NULL, &gone, &err), err,
               BOKA_UNAUTHENTICATED, "invalid API key");
  EXPECT_ERROR(boka_list_resources(engine, keyed, tenant, 0, &doc, &err), err, BOKA_UNAUTHENTICATED,
               "invalid API key");

  /* A later login: MFA pending, passed with a recovery code (once). */
  EXPECT_OK(boka_auth_login(engine, body, &doc, &again, &err), err);
  CHECK(strstr(doc, "\"mfa_pending\":true") != NULL);
  json_string(doc, "token", token, sizeof token);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_list_users(engine, again, tenant, 0, 10, &doc, &err), err,
               BOKA_PERMISSION_DENIED,
               "lacks permission users:manage"); /* a pending session may do nothing else */
  boka_principal_destroy(again);
  again = NULL;
  EXPECT_OK(boka_auth_verify_mfa(engine, token, recovery, "192.0.2.2", &doc, &again, &err), err);
  CHECK(strstr(doc, "\"mfa_passed\":true") != NULL);
  json_string(doc, "token", token, sizeof token);
  boka_free(doc);
  EXPECT_OK(boka_auth_list_users(engine, again, tenant, 0, 10, &doc, &err), err);
  CHECK(count_of(doc, "\"email\":") == 1);
  boka_free(doc);
  EXPECT_OK(boka_auth_list_sessions(engine, again, tenant, user, &doc, &err), err);
  CHECK(count_of(doc, "\"mfa_passed\":true") == 2); /* enrolment's session and this one */
  boka_free(doc);
  /* Log out: the token stops working. */
  EXPECT_OK(boka_auth_logout(engine, again, &err), err);
  EXPECT_ERROR(boka_auth_authenticate_session(engine, token, &gone, &err), err,
               BOKA_UNAUTHENTICATED, "session is not valid");
  CHECK(gone == NULL);
  /* A second factor in the login itself: the next step's code from oathtool. */
  totp_code(secret, "+30 seconds", code, sizeof code);
  snprintf(
      body, sizeof body,
      "{\"tenant\": %lld, \"email\": \"ann@example.com\", \"password\": \"correct horse battery\","
      " \"mfa_code\": \"%s\"}",
      (long long)tenant, code);
  EXPECT_OK(boka_auth_login(engine, body, &doc, NULL, &err), err);
  CHECK(strstr(doc, "\"mfa_passed\":true") != NULL);
  boka_free(doc);
  /* The user's state and role through the shell. */
  EXPECT_OK(boka_auth_set_user_state(engine, sys, tenant, user, "disabled", &doc, &err), err);
  CHECK(strstr(doc, "\"state\":\"disabled\"") != NULL);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_get_user(engine, mfa, tenant, user, &doc, &err), err, BOKA_UNAUTHENTICATED,
               "session is not valid");
  EXPECT_ERROR(boka_auth_set_user_role(engine, sys, tenant, user, "king", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "role: \"king\" is not one of");

  boka_principal_destroy(again);
  boka_principal_destroy(keyed);
  boka_principal_destroy(mfa);
  boka_principal_destroy(admin);
  boka_principal_destroy(sys);
  boka_engine_destroy(engine);
}

/* ---- availability a page at a time ----------------------------------------------------- */

TEST(availability_pages) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char query[512];
  char next[64];
  int64_t room;
  const int64_t tuesday = kMonday + DAY;
  setup(&f);
  room = make_room(&f, 1);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, tuesday + 2 * HOUR, tuesday + 3 * HOUR, 1,
                         NULL, NULL, &err),
            err);
  /* Five slots of the day (the booked hour skipped), and where the next page starts. */
  snprintf(query, sizeof query,
           "{\"requests\": [{\"resource\": %lld}], \"from\": \"%s\", \"to\": \"%s\","
           " \"duration\": 3600, \"limit\": 5}",
           (long long)room, rfc3339(tuesday), rfc3339(tuesday + DAY));
  EXPECT_OK(boka_availability_page(f.engine, f.who, f.tenant, query, &doc, &err), err);
  CHECK(count_of(doc, "\"start\":") == 5);
  CHECK(json_time(doc, "start") == tuesday);
  {
    char booked_start[64];
    snprintf(booked_start, sizeof booked_start, "\"start\":\"%s\"", rfc3339(tuesday + 2 * HOUR));
    CHECK(strstr(doc, booked_start) == NULL);
  }
  CHECK_CONTAINS(doc, "\"truncated\":true");
  CHECK(json_time(doc, "next_from") == tuesday + 6 * HOUR);
  json_string(doc, "next_from", next, sizeof next);
  boka_free(doc);
  /* The rest of the day from next_from: 18 slots, not truncated. */
  snprintf(query, sizeof query,
           "{\"requests\": [{\"resource\": %lld}], \"from\": \"%s\", \"to\": \"%s\","
           " \"duration\": 3600, \"limit\": 5000}",
           (long long)room, next, rfc3339(tuesday + DAY));
  EXPECT_OK(boka_availability_page(f.engine, f.who, f.tenant, query, &doc, &err), err);
  CHECK(count_of(doc, "\"start\":") == 18);
  CHECK(json_time(doc, "start") == tuesday + 6 * HOUR);
  CHECK_CONTAINS(doc, "\"truncated\":false,\"next_from\":null");
  boka_free(doc);
  /* Bad input and a missing output, as for boka_availability. */
  EXPECT_ERROR(boka_availability_page(f.engine, f.who, f.tenant, "{", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "query_json: not valid JSON");
  CHECK(doc == NULL);
  EXPECT_ERROR(boka_availability_page(f.engine, f.who, f.tenant, query, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "page_json: is NULL");
  teardown(&f);
}

/* ---- authentication across the tenant: sessions, reports, admins, emergency keys ------- */

/* Logs `email` in (password "correct horse battery", optional TOTP code) and returns its
 * principal (NULL on failure); the grant's token goes to `token` when given. */
static boka_principal* login_as(boka_engine* engine, int64_t tenant, const char* email,
                                const char* mfa_code, char* token, size_t token_size) {
  char body[256];
  char* err = NULL;
  char* doc = NULL;
  boka_principal* p = NULL;
  snprintf(body, sizeof body,
           "{\"tenant\": %lld, \"email\": \"%s\", \"password\": \"correct horse battery\","
           " \"mfa_code\": \"%s\"}",
           (long long)tenant, email, mfa_code ? mfa_code : "");
  EXPECT_OK(boka_auth_login(engine, body, &doc, &p, &err), err);
  if (token != NULL) json_string(doc, "token", token, token_size);
  boka_free(doc);
  return p;
}

/* Creates a user with the test password; returns its id. */
static int64_t make_user(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* email, const char* role) {
  char body[256];
  char* err = NULL;
  char* doc = NULL;
  int64_t id;
  snprintf(body, sizeof body,
           "{\"email\": \"%s\", \"password\": \"correct horse battery\", \"role\": \"%s\"}", email,
           role);
  EXPECT_OK(boka_auth_create_user(engine, who, tenant, body, &doc, &err), err);
  id = json_int(doc, "id");
  CHECK(id > 0);
  boka_free(doc);
  return id;
}

/* Nonzero when the token still authenticates. */
static int session_live(boka_engine* engine, const char* token) {
  char* err = NULL;
  boka_principal* p = NULL;
  const int rc = boka_auth_authenticate_session(engine, token, &p, &err);
  boka_free(err);
  boka_principal_destroy(p);
  return rc == BOKA_OK;
}

static const char* kCheapAuth = "{\"auth\": {\"argon2_memory_kib\": 64, \"argon2_iterations\": 1}}";

TEST(auth_sessions_and_security_reports) {
  char* err = NULL;
  char* doc = NULL;
  boka_clock* clock = NULL;
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_principal* cora = NULL;
  boka_principal* ann_p[2] = {NULL, NULL};
  boka_principal* bob_p = NULL;
  boka_principal* eve_p = NULL;
  boka_principal* keyed = NULL;
  boka_principal* gone = NULL;
  char ann_token[2][64], bob_token[64], eve_token[64], key[160], body[256];
  int64_t tenant, other, ann, bob, dan, root, adm, n = -1, start;
  int i;
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &clock, &err), err);
  EXPECT_OK(boka_engine_open_with_options("memory:", clock, kCheapAuth, &engine, &err), err);
  EXPECT_OK(boka_principal_system(&sys, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"clinic\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"other\"}", &doc, &err), err);
  other = json_int(doc, "id");
  boka_free(doc);
  make_user(engine, sys, tenant, "cora@example.com", "customer");
  ann = make_user(engine, sys, tenant, "Ann@Example.com", "customer");
  bob = make_user(engine, sys, tenant, "bob@example.com", "customer");
  make_user(engine, sys, other, "eve@example.com", "customer");

  /* find_user_by_email: matched lower-cased; unknown, NULL and a customer refused. */
  EXPECT_OK(boka_auth_find_user_by_email(engine, sys, tenant, "ANN@example.com", &doc, &err), err);
  CHECK(json_int(doc, "id") == ann);
  CHECK_CONTAINS(doc, "\"email\":\"ann@example.com\"");
  boka_free(doc);
  EXPECT_ERROR(boka_auth_find_user_by_email(engine, sys, tenant, "anne@example.com", &doc, &err),
               err, BOKA_NOT_FOUND, "not found");
  CHECK(doc == NULL);
  EXPECT_ERROR(boka_auth_find_user_by_email(engine, sys, other, "ann@example.com", &doc, &err), err,
               BOKA_NOT_FOUND, "not found");
  EXPECT_ERROR(boka_auth_find_user_by_email(engine, sys, tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "email: is NULL");
  cora = login_as(engine, tenant, "cora@example.com", NULL, NULL, 0);
  EXPECT_ERROR(boka_auth_find_user_by_email(engine, cora, tenant, "ann@example.com", &doc, &err),
               err, BOKA_PERMISSION_DENIED, "users:manage");

  /* Sessions: counted, one user's ended, forced out per tenant and everywhere, cleaned up. */
  for (i = 0; i < 2; ++i)
    ann_p[i] = login_as(engine, tenant, "ann@example.com", NULL, ann_token[i], sizeof ann_token[i]);
  bob_p = login_as(engine, tenant, "bob@example.com", NULL, bob_token, sizeof bob_token);
  eve_p = login_as(engine, other, "eve@example.com", NULL, eve_token, sizeof eve_token);
  EXPECT_OK(boka_auth_count_active_sessions(engine, sys, &n, &err), err);
  CHECK(n == 5);
  EXPECT_ERROR(boka_auth_count_active_sessions(engine, sys, NULL, &err), err, BOKA_INVALID_ARGUMENT,
               "count: is NULL");
  EXPECT_ERROR(boka_auth_count_active_sessions(engine, cora, &n, &err), err, BOKA_PERMISSION_DENIED,
               "system:operations");
  CHECK(n == 0);
  EXPECT_ERROR(boka_auth_end_user_sessions(engine, cora, tenant, bob, &n, &err), err,
               BOKA_PERMISSION_DENIED, "users:manage");
  EXPECT_OK(boka_auth_end_user_sessions(engine, sys, tenant, bob, &n, &err), err);
  CHECK(n == 1);
  CHECK(!session_live(engine, bob_token));
  CHECK(session_live(engine, ann_token[0]));
  EXPECT_ERROR(boka_auth_end_user_sessions(engine, sys, tenant, 999, &n, &err), err, BOKA_NOT_FOUND,
               "user 999 not found");
  EXPECT_ERROR(boka_auth_force_logout_all(engine, cora, tenant, &n, &err), err,
               BOKA_PERMISSION_DENIED, "users:manage");
  EXPECT_OK(boka_auth_force_logout_all(engine, sys, tenant, &n, &err), err);
  CHECK(n == 3); /* cora's and ann's two */
  CHECK(!session_live(engine, ann_token[0]) && !session_live(engine, ann_token[1]));
  CHECK(session_live(engine, eve_token));
  EXPECT_ERROR(boka_auth_force_logout_all(engine, sys, 0, &n, &err), err, BOKA_INVALID_ARGUMENT,
               "tenant: must be a tenant id");
  EXPECT_OK(boka_auth_force_logout_all(engine, sys, BOKA_ALL_TENANTS, NULL, &err), err);
  CHECK(!session_live(engine, eve_token));
  EXPECT_OK(boka_auth_count_active_sessions(engine, sys, &n, &err), err);
  CHECK(n == 0);
  EXPECT_OK(boka_auth_cleanup_sessions(engine, sys, 10000, &n, &err), err);
  CHECK(n == 5);
  EXPECT_OK(boka_auth_cleanup_sessions(engine, sys, 10000, &n, &err), err);
  CHECK(n == 0);
  EXPECT_ERROR(boka_auth_cleanup_sessions(engine, sys, 0, &n, &err), err, BOKA_INVALID_ARGUMENT,
               "limit: must be 1..1000000");

  /* Five wrong passwords lock an account: the reports show it. */
  boka_principal_destroy(cora);
  cora = login_as(engine, tenant, "cora@example.com", NULL, NULL, 0);
  dan = make_user(engine, sys, tenant, "dan@example.com", "customer");
  boka_clock_advance(clock, MINUTE); /* the events before are out of the window */
  start = boka_clock_now(clock);
  snprintf(body, sizeof body,
           "{\"tenant\": %lld, \"email\": \"dan@example.com\", \"password\": \"wrong horse "
           "battery\", \"source\": \"192.0.2.9\"}",
           (long long)tenant);
  for (i = 0; i < 5; ++i) {
    EXPECT_ERROR(boka_auth_login(engine, body, &doc, &gone, &err), err, BOKA_UNAUTHENTICATED,
                 "invalid email or password");
  }
  boka_clock_advance(clock, 1);
  EXPECT_OK(boka_auth_locked_accounts(engine, sys, tenant, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 1 && json_int(doc, "id") == dan);
  CHECK_CONTAINS(doc, "\"state\":\"locked\"");
  boka_free(doc);
  EXPECT_OK(boka_auth_security_events(engine, sys, tenant, start, boka_clock_now(clock),
                                      "login_failed", 1000, &doc, &err),
            err);
  CHECK(count_of(doc, "\"kind\":\"login_failed\"") == 5);
  CHECK(count_of(doc, "\"outcome\":\"failure\"") == 5);
  CHECK(count_of(doc, "\"source\":\"192.0.2.9\"") == 5);
  CHECK(json_int(doc, "user") == dan);
  CHECK_CONTAINS(doc, "\"email\":\"dan@example.com\"");
  CHECK(json_time(doc, "at") == start);
  boka_free(doc);
  EXPECT_OK(boka_auth_security_events(engine, sys, tenant, start, boka_clock_now(clock), NULL, 1000,
                                      &doc, &err),
            err);
  CHECK(count_of(doc, "\"kind\":") == 6); /* and the lockout */
  CHECK(count_of(doc, "\"kind\":\"lockout\"") == 1);
  boka_free(doc);
  EXPECT_ERROR(
      boka_auth_security_events(engine, sys, tenant, start + 1, start, "", 1000, &doc, &err), err,
      BOKA_INVALID_ARGUMENT, "to: must be after from");
  EXPECT_ERROR(
      boka_auth_security_events(engine, sys, tenant, start, start + 1, "", 1000, NULL, &err), err,
      BOKA_INVALID_ARGUMENT, "events_json: is NULL");
  EXPECT_OK(boka_auth_mfa_stats(engine, sys, tenant, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"with_mfa\":0,\"without_mfa\":4,\"by_role\":[");
  CHECK_CONTAINS(doc, "{\"role\":\"customer\",\"with_mfa\":0,\"without_mfa\":4}");
  CHECK(count_of(doc, "\"role\":") == 4);
  boka_free(doc);
  /* A customer sees none of the reports. */
  EXPECT_ERROR(
      boka_auth_security_events(engine, cora, tenant, start, start + 1, "", 1000, &doc, &err), err,
      BOKA_PERMISSION_DENIED, "security:read");
  EXPECT_ERROR(boka_auth_locked_accounts(engine, cora, tenant, &doc, &err), err,
               BOKA_PERMISSION_DENIED, "security:read");
  EXPECT_ERROR(boka_auth_mfa_stats(engine, cora, tenant, &doc, &err), err, BOKA_PERMISSION_DENIED,
               "security:read");

  /* Admins: listed per tenant and everywhere, demoted by the system. */
  root = make_user(engine, sys, tenant, "root@example.com", "superadmin");
  adm = make_user(engine, sys, tenant, "adm@example.com", "admin");
  make_user(engine, sys, other, "far@example.com", "admin");
  EXPECT_OK(boka_auth_list_admins(engine, sys, tenant, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 2);
  CHECK(json_int(doc, "id") == root);
  boka_free(doc);
  EXPECT_OK(boka_auth_list_admins(engine, sys, BOKA_ALL_TENANTS, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 3);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_list_admins(engine, cora, tenant, &doc, &err), err, BOKA_PERMISSION_DENIED,
               "users:manage");
  EXPECT_ERROR(boka_auth_revoke_admin(engine, cora, tenant, adm, &doc, &err), err,
               BOKA_PERMISSION_DENIED, "users:manage");
  EXPECT_OK(boka_auth_revoke_admin(engine, sys, tenant, adm, &doc, &err), err);
  CHECK(json_int(doc, "id") == adm);
  CHECK_CONTAINS(doc, "\"role\":\"staff\"");
  boka_free(doc);
  EXPECT_OK(boka_auth_list_admins(engine, sys, tenant, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 1);
  boka_free(doc);
  EXPECT_ERROR(boka_auth_revoke_admin(engine, sys, tenant, adm, NULL, &err), err, BOKA_CONFLICT,
               "not an admin");

  /* An emergency key: a superadmin key that expires, shown once. */
  EXPECT_ERROR(boka_auth_generate_emergency_key(engine, cora, tenant, 600, &doc, &err), err,
               BOKA_PERMISSION_DENIED, "system:operations");
  EXPECT_ERROR(boka_auth_generate_emergency_key(engine, sys, tenant, 600, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "created_json: is NULL");
  EXPECT_ERROR(boka_auth_generate_emergency_key(engine, sys, tenant, 2 * DAY, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "lifetime: must be 1 s..24 h");
  EXPECT_OK(boka_auth_generate_emergency_key(engine, sys, tenant, 0, &doc, &err), err);
  CHECK(json_time(doc, "expires_at") == boka_clock_now(clock) + HOUR); /* the default */
  boka_free(doc);
  EXPECT_OK(boka_auth_generate_emergency_key(engine, sys, tenant, 600, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"emergency\":true");
  CHECK_CONTAINS(doc, "\"role\":\"superadmin\"");
  CHECK(json_time(doc, "expires_at") == boka_clock_now(clock) + 600);
  json_string(doc, "key", key, sizeof key);
  CHECK(strncmp(key, "boka_", 5) == 0);
  boka_free(doc);
  EXPECT_OK(boka_auth_authenticate_api_key(engine, key, "192.0.2.1", &keyed, &err), err);
  EXPECT_OK(boka_auth_list_users(engine, keyed, other, 0, 10, &doc, &err), err); /* any tenant */
  CHECK(count_of(doc, "\"email\":") == 2);
  boka_free(doc);
  EXPECT_OK(boka_auth_security_events(engine, sys, tenant, start, boka_clock_now(clock) + 1,
                                      "emergency_key_used", 10, &doc, &err),
            err);
  CHECK(count_of(doc, "\"source\":\"192.0.2.1\"") == 1);
  boka_free(doc);
  boka_clock_advance(clock, 600);
  EXPECT_ERROR(boka_auth_list_users(engine, keyed, other, 0, 10, &doc, &err), err,
               BOKA_UNAUTHENTICATED, "invalid API key");

  for (i = 0; i < 2; ++i) boka_principal_destroy(ann_p[i]);
  boka_principal_destroy(bob_p);
  boka_principal_destroy(eve_p);
  boka_principal_destroy(keyed);
  boka_principal_destroy(cora);
  boka_principal_destroy(sys);
  boka_engine_destroy(engine);
  boka_clock_destroy(clock);
}

/* MFA statistics and re-sealing TOTP secrets under a new encryption key: on the real clock
 * (codes from oathtool), three engines opening one SQLite file in turn. */
TEST(auth_mfa_stats_and_key_rotation) {
  temp_dir d;
  char* err = NULL;
  char* doc = NULL;
  char uri[160], options[512], secret[64], code[16];
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_principal* ann = NULL;
  boka_principal* mfa = NULL;
  boka_principal* cy = NULL;
  int64_t tenant;
  const char* old_key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  const char* new_key = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
  temp_dir_make(&d);
  snprintf(uri, sizeof uri, "sqlite:%s/auth.db", d.path);
  EXPECT_OK(boka_principal_system(&sys, &err), err);

  /* Under k1: ann enrols TOTP; the stats count her. */
  snprintf(options, sizeof options,
           "{\"auth\": {\"argon2_memory_kib\": 64, \"argon2_iterations\": 1,"
           " \"encryption_key\": \"%s\", \"encryption_key_id\": \"k1\"}}",
           old_key);
  EXPECT_OK(boka_engine_open_with_options(uri, NULL, options, &engine, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"clinic\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  make_user(engine, sys, tenant, "ann@example.com", "staff");
  make_user(engine, sys, tenant, "cy@example.com", "customer");
  ann = login_as(engine, tenant, "ann@example.com", NULL, NULL, 0);
  EXPECT_OK(boka_auth_begin_totp_enrollment(engine, ann, &doc, &err), err);
  json_string(doc, "secret", secret, sizeof secret);
  boka_free(doc);
  totp_code(secret, "now", code, sizeof code);
  EXPECT_OK(boka_auth_confirm_totp_enrollment(engine, ann, code, NULL, &mfa, &err), err);
  EXPECT_OK(boka_auth_mfa_stats(engine, sys, tenant, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"with_mfa\":1,\"without_mfa\":1,");
  CHECK_CONTAINS(doc, "{\"role\":\"staff\",\"with_mfa\":1,\"without_mfa\":0}");
  CHECK_CONTAINS(doc, "{\"role\":\"customer\",\"with_mfa\":0,\"without_mfa\":1}");
  boka_free(doc);
  boka_engine_destroy(engine);

  /* Under k2 with k1 kept for reading: the rotation re-seals ann's secret, once. */
  snprintf(options, sizeof options,
           "{\"auth\": {\"argon2_memory_kib\": 64, \"argon2_iterations\": 1,"
           " \"encryption_key\": \"%s\", \"encryption_key_id\": \"k2\","
           " \"previous_encryption_keys\": [{\"id\": \"k1\", \"key\": \"%s\"}]}}",
           new_key, old_key);
  EXPECT_OK(boka_engine_open_with_options(uri, NULL, options, &engine, &err), err);
  cy = login_as(engine, tenant, "cy@example.com", NULL, NULL, 0);
  EXPECT_ERROR(boka_auth_rotate_encryption_key(engine, cy, 1000, &doc, &err), err,
               BOKA_PERMISSION_DENIED, "system:operations");
  EXPECT_ERROR(boka_auth_rotate_encryption_key(engine, sys, 0, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "limit: must be 1..100000");
  EXPECT_OK(boka_auth_rotate_encryption_key(engine, sys, 1000, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"key_id\":\"k2\",\"resealed\":1,\"remaining\":0}");
  boka_free(doc);
  EXPECT_OK(boka_auth_rotate_encryption_key(engine, sys, 1000, &doc, &err), err);
  CHECK(json_int(doc, "resealed") == 0 && json_int(doc, "remaining") == 0);
  boka_free(doc);
  EXPECT_OK(boka_auth_rotate_encryption_key(engine, sys, 1000, NULL, &err), err); /* optional */
  boka_engine_destroy(engine);

  /* Under k2 alone: ann's TOTP still works. */
  snprintf(options, sizeof options,
           "{\"auth\": {\"argon2_memory_kib\": 64, \"argon2_iterations\": 1,"
           " \"encryption_key\": \"%s\", \"encryption_key_id\": \"k2\"}}",
           new_key);
  EXPECT_OK(boka_engine_open_with_options(uri, NULL, options, &engine, &err), err);
  totp_code(secret, "+30 seconds", code, sizeof code);
  {
    char body[256];
    snprintf(body, sizeof body,
             "{\"tenant\": %lld, \"email\": \"ann@example.com\", \"password\": \"correct horse "
             "battery\", \"mfa_code\": \"%s\"}",
             (long long)tenant, code);
    EXPECT_OK(boka_auth_login(engine, body, &doc, NULL, &err), err);
    CHECK_CONTAINS(doc, "\"mfa_passed\":true");
    boka_free(doc);
  }
  boka_engine_destroy(engine);

  /* Without any key, there is nothing to rotate under. */
  EXPECT_OK(boka_engine_open_with_options(uri, NULL, kCheapAuth, &engine, &err), err);
  EXPECT_ERROR(boka_auth_rotate_encryption_key(engine, sys, 1000, &doc, &err), err,
               BOKA_NOT_SUPPORTED, "no encryption key is configured");
  boka_engine_destroy(engine);

  boka_principal_destroy(cy);
  boka_principal_destroy(mfa);
  boka_principal_destroy(ann);
  boka_principal_destroy(sys);
  temp_dir_remove(&d);
}

/* ---- recurring series ---------------------------------------------------------------------- */

/* The id of the n-th object (0-based) that starts with "id" after `marker` in a JSON text:
 * the n-th reservation of a booking's "reservations" or of an array of them; 0 when absent. */
static int64_t nth_id_after(const char* doc, const char* marker, int n) {
  const char* at = doc ? strstr(doc, marker) : NULL;
  int i;
  for (i = 0; at != NULL && i <= n; ++i) {
    at = strstr(at, "{\"id\":");
    if (at != NULL && i < n) at += 6;
  }
  return at == NULL ? 0 : (int64_t)strtoll(at + 6, NULL, 10);
}

/* A weekly series on `room` from Tuesday 2026-01-06 at 09:00 (UTC), one hour, COUNT=count,
 * with `extra` fields (",\"mode\":\"skip_conflicts\"" or ""). */
static const char* series_request(int64_t room, int count, const char* extra) {
  static char buf[512];
  snprintf(buf, sizeof buf,
           "{\"allocations\":[{\"resource\":%lld}],\"first_date\":\"2026-01-06\","
           "\"start_minute\":540,\"duration\":3600,\"rule\":\"FREQ=WEEKLY;COUNT=%d\"%s}",
           (long long)room, count, extra);
  return buf;
}

/* all_or_nothing names every refused occurrence in the Conflict document and stores
 * nothing; skip_conflicts books the rest and lists the skipped dates as EXDATEs; check says
 * which are free and stores nothing. */
TEST(series_book_refuse_skip_and_check) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* conflict = NULL;
  int64_t room, blocker = 0, series;
  setup(&f);
  room = make_room(&f, 1);
  /* Tuesday 2026-01-13 09:30-10:30 is taken: the 2nd occurrence does not fit. */
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, kMonday + 8 * DAY + 9 * HOUR,
                         kMonday + 8 * DAY + 10 * HOUR, 1, &blocker, NULL, &err),
            err);

  doc = (char*)"untouched";
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant, series_request(room, 4, ""), &doc,
                                &conflict, &err),
               err, BOKA_CONFLICT, "2026-01-13");
  CHECK(doc == NULL);
  CHECK(conflict != NULL);
  CHECK(count_of(conflict, "\"code\":\"conflict\"") == 1);
  CHECK_CONTAINS(conflict,
                 "\"occurrences\":[{\"start\":\"2026-01-13T09:00:00Z\","
                 "\"end\":\"2026-01-13T10:00:00Z\",\"code\":\"conflict\"");
  {
    char want[64];
    snprintf(want, sizeof want, "\"blocking_reservation_ids\":[%lld]", (long long)blocker);
    CHECK_CONTAINS(conflict, want);
    snprintf(want, sizeof want, "\"blocking\":[%lld]", (long long)blocker);
    CHECK_CONTAINS(conflict, want);
  }
  boka_free(conflict);
  conflict = NULL;
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"id\":") == 1); /* the blocker alone: nothing was stored */
  boka_free(doc);

  /* Which Tuesdays are free at 09:00? */
  EXPECT_OK(boka_series_check(f.engine, f.who, f.tenant, series_request(room, 4, ""), &doc, &err),
            err);
  CHECK(count_of(doc, "\"date\":") == 4);
  CHECK_CONTAINS(doc, "\"taken\":[{\"date\":\"2026-01-13\",\"start\":\"2026-01-13T09:00:00Z\"");
  boka_free(doc);

  EXPECT_OK(boka_series_book(f.engine, f.who, f.tenant,
                             series_request(room, 4, ",\"mode\":\"skip_conflicts\""), &doc,
                             &conflict, &err),
            err);
  CHECK(conflict == NULL);
  series = json_int(doc, "id");
  CHECK(series > 0);
  CHECK_CONTAINS(doc, "\"rule\":\"FREQ=WEEKLY;COUNT=4\"");
  CHECK_CONTAINS(doc, "\"exdates\":[\"2026-01-13\"]");
  CHECK_CONTAINS(doc, "\"skipped\":[{\"date\":\"2026-01-13\"");
  CHECK(count_of(doc, "\"occurrence_date\":\"2026-01-") == 3);
  {
    char want[64];
    snprintf(want, sizeof want, "\"series\":%lld,", (long long)series);
    CHECK(count_of(doc, want) == 3);
  }
  boka_free(doc);
  /* The booking output is optional. */
  EXPECT_ERROR(
      boka_series_book(f.engine, f.who, f.tenant,
                       series_request(room, 4, ",\"mode\":\"skip_conflicts\""), NULL, NULL, &err),
      err, BOKA_CONFLICT, "");
  teardown(&f);
}

/* Holds, idempotency, get, occurrences, confirm and the ?series filter. */
TEST(series_idempotency_confirm_and_reads) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char filter[64];
  int64_t room, series, first, again;
  setup(&f);
  room = make_room(&f, 1);
  EXPECT_OK(boka_series_book(f.engine, f.who, f.tenant,
                             series_request(room, 3,
                                            ",\"hold_for\":900,\"idempotency_key\":\"standup\","
                                            "\"customer\":\"team-7\""),
                             &doc, NULL, &err),
            err);
  series = json_int(doc, "id");
  first = nth_id_after(doc, "\"reservations\":[", 0);
  CHECK(series > 0 && first > 0);
  CHECK(count_of(doc, "\"status\":\"held\"") == 3);
  boka_free(doc);
  /* A retry returns the original; the same key for another request is already_exists. */
  EXPECT_OK(boka_series_book(f.engine, f.who, f.tenant,
                             series_request(room, 3,
                                            ",\"hold_for\":900,\"idempotency_key\":\"standup\","
                                            "\"customer\":\"team-7\""),
                             &doc, NULL, &err),
            err);
  again = nth_id_after(doc, "\"reservations\":[", 0);
  CHECK(json_int(doc, "id") == series && again == first);
  boka_free(doc);
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant,
                                series_request(room, 2, ",\"idempotency_key\":\"standup\""), NULL,
                                NULL, &err),
               err, BOKA_ALREADY_EXISTS, "");

  EXPECT_OK(boka_series_get(f.engine, f.who, f.tenant, series, &doc, &err), err);
  CHECK(json_int(doc, "id") == series);
  CHECK_CONTAINS(doc,
                 "\"first_date\":\"2026-01-06\",\"start_minute\":540,\"duration\":3600,"
                 "\"zone\":\"UTC\",\"rule\":\"FREQ=WEEKLY;COUNT=3\"");
  CHECK_CONTAINS(doc, "\"customer\":\"team-7\"");
  CHECK_CONTAINS(doc, "\"split_from\":null");
  boka_free(doc);
  EXPECT_OK(boka_series_occurrences(f.engine, f.who, f.tenant, series, &doc, &err), err);
  CHECK(count_of(doc, "\"occurrence_date\":") == 3);
  CHECK(nth_id_after(doc, "[", 0) == first);
  boka_free(doc);
  snprintf(filter, sizeof filter, "{\"series\": %lld}", (long long)series);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, filter, &doc, &err), err);
  CHECK(count_of(doc, "\"occurrence_date\":") == 3);
  boka_free(doc);
  EXPECT_OK(boka_series_confirm(f.engine, f.who, f.tenant, series, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":\"confirmed\"") == 3);
  boka_free(doc);
  EXPECT_OK(boka_series_confirm(f.engine, f.who, f.tenant, series, NULL, &err), err);

  EXPECT_ERROR(boka_series_get(f.engine, f.who, f.tenant, series + 100, &doc, &err), err,
               BOKA_NOT_FOUND, "");
  CHECK(doc == NULL);
  EXPECT_ERROR(boka_series_get(f.engine, f.who, f.tenant, series, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "series_json");
  EXPECT_ERROR(boka_series_occurrences(f.engine, f.who, f.tenant, series, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "reservations_json");
  EXPECT_ERROR(boka_series_check(f.engine, NULL, f.tenant, "{}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "who");
  teardown(&f);
}

/* Cancel and reschedule by scope, a refused move naming its occurrence, bad scopes. */
TEST(series_cancel_and_reschedule_by_scope) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* conflict = NULL;
  int64_t room, series, occ[5], blocker = 0, split;
  int i;
  setup(&f);
  room = make_room(&f, 1);
  EXPECT_OK(
      boka_series_book(f.engine, f.who, f.tenant, series_request(room, 5, ""), &doc, NULL, &err),
      err);
  series = json_int(doc, "id");
  for (i = 0; i < 5; ++i) occ[i] = nth_id_after(doc, "\"reservations\":[", i);
  CHECK(occ[4] > occ[0] && occ[0] > 0);
  boka_free(doc);

  /* One occurrence: its date becomes an EXDATE. */
  EXPECT_OK(boka_series_cancel(f.engine, f.who, f.tenant, occ[1], "this_occurrence", &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"exdates\":[\"2026-01-13\"]");
  CHECK_CONTAINS(doc, "\"split\":null");
  CHECK(nth_id_after(doc, "\"changed\":[", 0) == occ[1]);
  CHECK_CONTAINS(doc, "\"status\":\"cancelled\"");
  boka_free(doc);
  EXPECT_ERROR(boka_series_cancel(f.engine, f.who, f.tenant, occ[1], "sometimes", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "scope: \"sometimes\" is not one of this_occurrence");
  CHECK(doc == NULL);
  EXPECT_ERROR(boka_series_cancel(f.engine, f.who, f.tenant, occ[1], NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "scope: is NULL");

  /* An hour later from the 3rd on: the last Tuesday is taken at 10:30, so nothing moves. */
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, room, kMonday + 29 * DAY + 10 * HOUR,
                         kMonday + 29 * DAY + 11 * HOUR, 1, &blocker, NULL, &err),
            err);
  EXPECT_ERROR(boka_series_reschedule(f.engine, f.who, f.tenant, occ[2], "this_and_following",
                                      "{\"start_minute\": 600}", &doc, &conflict, &err),
               err, BOKA_CONFLICT, "");
  CHECK(doc == NULL);
  CHECK_CONTAINS(conflict, "\"occurrences\":[{\"start\":\"2026-02-03T10:00:00Z\"");
  boka_free(conflict);
  conflict = NULL;
  EXPECT_OK(boka_cancel(f.engine, f.who, f.tenant, blocker, BOKA_ANY_VERSION, NULL, &err), err);
  EXPECT_OK(boka_series_reschedule(f.engine, f.who, f.tenant, occ[2], "this_and_following",
                                   "{\"start_minute\": 600}", &doc, &conflict, &err),
            err);
  CHECK(conflict == NULL);
  CHECK_CONTAINS(doc, "\"rule\":\"FREQ=WEEKLY;UNTIL=20260119\"");
  split = json_int(strstr(doc, "\"split\":"), "id");
  CHECK(split > series);
  {
    char want[64];
    snprintf(want, sizeof want, "\"split_from\":%lld", (long long)series);
    CHECK_CONTAINS(doc, want);
  }
  CHECK(count_of(doc, "T10:00:00Z\",\"end\"") == 3); /* the 3rd, 4th and 5th, an hour later */
  boka_free(doc);

  /* Bad change documents name the field. */
  EXPECT_ERROR(
      boka_series_reschedule(f.engine, f.who, f.tenant, occ[2], "this_occurrence",
                             "{\"rule\": \"FREQ=WEEKLY;INTERVAL=0;COUNT=2\"}", NULL, NULL, &err),
      err, BOKA_INVALID_ARGUMENT, "reschedule.rule: RRULE: INTERVAL=0");
  EXPECT_ERROR(boka_series_reschedule(f.engine, f.who, f.tenant, occ[2], "this_occurrence",
                                      "{\"start\": 600}", NULL, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "reschedule.start: unknown field");
  EXPECT_ERROR(boka_series_reschedule(f.engine, f.who, f.tenant, occ[2], "this_occurrence", NULL,
                                      NULL, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "reschedule_json: is NULL");

  /* The whole split series: every occurrence not yet started. */
  EXPECT_OK(boka_series_cancel(f.engine, f.who, f.tenant, occ[3], "whole_series", &doc, &err), err);
  CHECK(count_of(doc, "\"status\":\"cancelled\"") == 3);
  boka_free(doc);
  EXPECT_OK(boka_series_cancel(f.engine, f.who, f.tenant, occ[0], "this_and_following", NULL, &err),
            err);
  teardown(&f);
}

/* A bad RRULE is invalid_argument naming the field and the part; an unsupported part
 * not_supported; either way nothing is stored. */
TEST(series_bad_rules_store_nothing) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* conflict = NULL;
  char body[512];
  int64_t room;
  setup(&f);
  room = make_room(&f, 1);
#define WITH_RULE(rule)                                                             \
  (snprintf(body, sizeof body,                                                      \
            "{\"allocations\":[{\"resource\":%lld}],\"first_date\":\"2026-01-06\"," \
            "\"start_minute\":540,\"duration\":3600,\"rule\":\"%s\"}",              \
            (long long)room, rule),                                                 \
   body)
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant,
                                WITH_RULE("FREQ=WEEKLY;INTERVAL=0;COUNT=3"), &doc, &conflict, &err),
               err, BOKA_INVALID_ARGUMENT, "series.rule: RRULE: INTERVAL=0");
  CHECK(doc == NULL && conflict == NULL);
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant, WITH_RULE("FREQ=YEARLY;COUNT=3"), &doc,
                                NULL, &err),
               err, BOKA_NOT_SUPPORTED, "series.rule: RRULE: FREQ=YEARLY");
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant, WITH_RULE("freq=weekly;count=3"), &doc,
                                NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "series.rule: RRULE:");
  EXPECT_ERROR(
      boka_series_book(f.engine, f.who, f.tenant, WITH_RULE("FREQ=WEEKLY"), &doc, NULL, &err), err,
      BOKA_INVALID_ARGUMENT, "COUNT or UNTIL");
  EXPECT_ERROR(boka_series_check(f.engine, f.who, f.tenant,
                                 WITH_RULE("FREQ=DAILY;BYHOUR=9;COUNT=3"), &doc, &err),
               err, BOKA_NOT_SUPPORTED, "BYHOUR");
#undef WITH_RULE
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant,
                                "{\"allocations\":[{\"resource\":1}],\"first_date\":\"06/01/2026\","
                                "\"start_minute\":540,\"duration\":3600,\"rule\":\"FREQ=DAILY;"
                                "COUNT=2\"}",
                                &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "series.first_date: expected a date \"YYYY-MM-DD\"");
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant,
                                "{\"allocations\":[{\"resource\":1}],\"first_date\":\"2026-01-06\","
                                "\"duration\":3600,\"rule\":\"FREQ=DAILY;COUNT=2\"}",
                                &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "series.start_minute: is required");
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant,
                                series_request(room, 2, ",\"mode\":\"most\""), &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "series.mode: \"most\" is not one of all_or_nothing");
  EXPECT_ERROR(boka_series_book(f.engine, f.who, f.tenant, NULL, &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "request_json: is NULL");
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);
  teardown(&f);
}

/* ---- waitlist ------------------------------------------------------------------------------ */

/* A waitlist request for `room` at exactly `start`, one hour, for `customer`, with `extra`
 * fields (",\"priority\":5" or ""). */
static const char* waitlist_request(int64_t room, int64_t start, const char* customer,
                                    const char* extra) {
  static char buf[512];
  snprintf(buf, sizeof buf,
           "{\"allocations\":[{\"resource\":%lld}],\"earliest_start\":\"%s\","
           "\"latest_start\":\"%s\",\"duration\":3600,\"customer\":\"%s\"%s}",
           (long long)room, rfc3339(start), rfc3339(start), customer, extra);
  return buf;
}

/* Join when full (waiting, with a position); a cancel offers the slot to the first entry as
 * a hold in its customer's name; accept confirms it; list, filter and priority. */
TEST(waitlist_join_offer_accept) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char want[128];
  const int64_t start = kMonday + DAY + 10 * HOUR;
  int64_t room, taken = 0, ann, bob, offer;
  setup(&f);
  room = make_room(&f, 1);
  EXPECT_OK(
      boka_reserve(f.engine, f.who, f.tenant, room, start, start + HOUR, 1, &taken, NULL, &err),
      err);

  EXPECT_OK(boka_waitlist_join(f.engine, f.who, f.tenant, waitlist_request(room, start, "ann", ""),
                               &doc, &err),
            err);
  ann = json_int(doc, "id");
  CHECK(ann > 0);
  CHECK_CONTAINS(doc, "\"status\":\"waiting\"");
  CHECK_CONTAINS(doc, "\"offer\":null,\"offer_expires_at\":null");
  CHECK_CONTAINS(doc, "\"earliest_start\":\"2026-01-06T10:00:00Z\"");
  CHECK_CONTAINS(doc, "\"expires_at\":\"2026-01-06T10:00:00Z\""); /* default: latest_start */
  boka_free(doc);
  /* The entry output is optional. */
  EXPECT_OK(boka_waitlist_join(f.engine, f.who, f.tenant, waitlist_request(room, start, "bob", ""),
                               NULL, &err),
            err);
  EXPECT_OK(boka_waitlist_list(f.engine, f.who, f.tenant, "{\"customer\":\"bob\"}", &doc, &err),
            err);
  bob = json_int(doc, "id");
  CHECK(bob > ann);
  CHECK(count_of(doc, "\"id\":") == 1);
  boka_free(doc);

  EXPECT_OK(boka_waitlist_get(f.engine, f.who, f.tenant, bob, &doc, &err), err);
  CHECK_CONTAINS(doc, "{\"entry\":{\"id\":");
  CHECK_CONTAINS(doc, "\"position\":2}");
  boka_free(doc);

  /* The cancel offers the freed slot to ann, in the same transaction. */
  EXPECT_OK(boka_cancel(f.engine, f.who, f.tenant, taken, BOKA_ANY_VERSION, NULL, &err), err);
  EXPECT_OK(boka_waitlist_get(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"offered\"");
  CHECK_CONTAINS(doc, "\"offer_expires_at\":\"2026-01-05T08:15:00Z\""); /* 15 minutes */
  CHECK_CONTAINS(doc, "\"position\":0}");
  offer = json_int(doc, "offer");
  CHECK(offer > 0);
  boka_free(doc);
  EXPECT_OK(boka_get_reservation(f.engine, f.who, f.tenant, offer, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"held\"");
  CHECK_CONTAINS(doc, "\"customer\":\"ann\"");
  boka_free(doc);
  EXPECT_OK(boka_waitlist_get(f.engine, f.who, f.tenant, bob, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"waiting\"");
  CHECK_CONTAINS(doc, "\"position\":1}");
  boka_free(doc);

  /* Lists in queue order, filtered by status. */
  EXPECT_OK(boka_waitlist_list(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"customer\":") == 2);
  boka_free(doc);
  EXPECT_OK(
      boka_waitlist_list(f.engine, f.who, f.tenant, "{\"statuses\":[\"offered\"]}", &doc, &err),
      err);
  CHECK(json_int(doc, "id") == ann);
  CHECK(count_of(doc, "\"customer\":") == 1);
  boka_free(doc);

  /* bob cannot accept before an offer; ann accepts hers. */
  EXPECT_ERROR(boka_waitlist_accept(f.engine, f.who, f.tenant, bob, &doc, &err), err, BOKA_CONFLICT,
               "");
  CHECK(doc == NULL);
  EXPECT_OK(boka_waitlist_accept(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK(json_int(doc, "id") == offer);
  CHECK_CONTAINS(doc, "\"status\":\"confirmed\"");
  boka_free(doc);
  EXPECT_OK(boka_waitlist_get(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"accepted\"");
  snprintf(want, sizeof want, "\"offer\":%lld,", (long long)offer);
  CHECK_CONTAINS(doc, want);
  boka_free(doc);

  /* Staff priority; then bob leaves the queue. */
  EXPECT_OK(boka_waitlist_set_priority(f.engine, f.who, f.tenant, bob, 7, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"priority\":7");
  boka_free(doc);
  EXPECT_ERROR(boka_waitlist_set_priority(f.engine, f.who, f.tenant, bob, 5000, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "priority: must be -1000..1000");
  EXPECT_OK(boka_waitlist_cancel(f.engine, f.who, f.tenant, bob, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"cancelled\"");
  boka_free(doc);
  EXPECT_ERROR(boka_waitlist_cancel(f.engine, f.who, f.tenant, bob, NULL, &err), err, BOKA_CONFLICT,
               "");
  EXPECT_ERROR(boka_waitlist_get(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "waitlist entry 999");
  teardown(&f);
}

/* An offer not accepted within the window lapses on the sweep and passes to the next entry;
 * a waiting entry past its expiry is marked expired. The window is an engine option. */
TEST(waitlist_sweep_lapse_and_offer_window) {
  boka_clock* clock = NULL;
  boka_engine* engine = NULL;
  boka_principal* who = NULL;
  char* err = NULL;
  char* doc = NULL;
  char extra[128];
  const int64_t start = kMonday + DAY + 10 * HOUR;
  int64_t tenant, room, taken = 0, ann, bob, later;
  int changed = -1;
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &clock, &err), err);
  EXPECT_ERROR(boka_engine_open_with_options("memory:", clock, "{\"waitlist_offer_window\": 30}",
                                             &engine, &err),
               err, BOKA_INVALID_ARGUMENT, "waitlist_offer_window");
  CHECK(engine == NULL);
  EXPECT_ERROR(boka_engine_open_with_options("memory:", clock,
                                             "{\"waitlist_offer_window\": \"5m\"}", &engine, &err),
               err, BOKA_INVALID_ARGUMENT, "options.waitlist_offer_window");
  EXPECT_OK(boka_engine_open_with_options("memory:", clock, "{\"waitlist_offer_window\": 300}",
                                          &engine, &err),
            err);
  EXPECT_OK(boka_principal_system(&who, &err), err);
  EXPECT_OK(boka_create_tenant(engine, who, "{\"name\": \"acme\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_create_resource(
                engine, who, tenant,
                "{\"name\":\"room\",\"zone\":\"UTC\",\"policy\":{\"slot_step\":3600}}", &doc, &err),
            err);
  room = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_reserve(engine, who, tenant, room, start, start + HOUR, 1, &taken, NULL, &err),
            err);
  EXPECT_OK(
      boka_waitlist_join(engine, who, tenant, waitlist_request(room, start, "ann", ""), &doc, &err),
      err);
  ann = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(
      boka_waitlist_join(engine, who, tenant, waitlist_request(room, start, "bob", ""), &doc, &err),
      err);
  bob = json_int(doc, "id");
  boka_free(doc);
  /* carl waits only until 09:00. */
  snprintf(extra, sizeof extra, ",\"expires_at\":\"%s\"", rfc3339(kMonday + 9 * HOUR));
  EXPECT_OK(boka_waitlist_join(engine, who, tenant, waitlist_request(room, start, "carl", extra),
                               &doc, &err),
            err);
  later = json_int(doc, "id");
  CHECK_CONTAINS(doc, "\"expires_at\":\"2026-01-05T09:00:00Z\"");
  boka_free(doc);

  EXPECT_OK(boka_cancel(engine, who, tenant, taken, BOKA_ANY_VERSION, NULL, &err), err);
  EXPECT_OK(boka_waitlist_get(engine, who, tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"offer_expires_at\":\"2026-01-05T08:05:00Z\""); /* the 5-minute window */
  boka_free(doc);
  EXPECT_OK(boka_waitlist_sweep(engine, who, 100, &changed, &err), err);
  CHECK(changed == 0);
  boka_clock_advance(clock, 6 * MINUTE);
  EXPECT_OK(boka_waitlist_sweep(engine, who, 100, &changed, &err), err);
  CHECK(changed == 1);
  EXPECT_OK(boka_waitlist_get(engine, who, tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"lapsed\"");
  boka_free(doc);
  EXPECT_OK(boka_waitlist_get(engine, who, tenant, bob, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"offered\"");
  boka_free(doc);
  EXPECT_ERROR(boka_waitlist_accept(engine, who, tenant, ann, NULL, &err), err, BOKA_CONFLICT, "");

  boka_clock_advance(clock, HOUR);
  EXPECT_OK(boka_waitlist_sweep(engine, who, 100, NULL, &err), err);
  EXPECT_OK(boka_waitlist_get(engine, who, tenant, later, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"expired\"");
  boka_free(doc);
  EXPECT_ERROR(boka_waitlist_sweep(engine, who, 0, &changed, &err), err, BOKA_INVALID_ARGUMENT,
               "limit");
  boka_engine_destroy(engine);
  boka_principal_destroy(who);
  boka_clock_destroy(clock);
}

/* Bad requests name the field and store nothing; a request that fits is offered at once. */
TEST(waitlist_bad_requests_and_join_when_free) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char bad[512];
  const int64_t start = kMonday + DAY + 10 * HOUR;
  int64_t room, offer;
  setup(&f);
  room = make_room(&f, 1);
  snprintf(bad, sizeof bad,
           "{\"allocations\":[{\"resource\":%lld}],\"earliest_start\":\"%s\","
           "\"latest_start\":\"%s\",\"duration\":3600}",
           (long long)room, rfc3339(start), rfc3339(start - HOUR));
  EXPECT_ERROR(boka_waitlist_join(f.engine, f.who, f.tenant, bad, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "latest_start: must not be before earliest_start");
  CHECK(doc == NULL);
  snprintf(bad, sizeof bad,
           "{\"allocations\":[{\"resource\":%lld}],\"earliest_start\":\"%s\",\"duration\":3600}",
           (long long)room, rfc3339(start));
  EXPECT_ERROR(boka_waitlist_join(f.engine, f.who, f.tenant, bad, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "waitlist.latest_start: is required");
  EXPECT_ERROR(boka_waitlist_join(f.engine, f.who, f.tenant,
                                  waitlist_request(room, start, "ann", ",\"priority\":\"high\""),
                                  &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "waitlist.priority");
  EXPECT_ERROR(boka_waitlist_join(f.engine, f.who, f.tenant, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "request_json: is NULL");
  EXPECT_ERROR(
      boka_waitlist_list(f.engine, f.who, f.tenant, "{\"statuses\":[\"pending\"]}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "filter.statuses");
  EXPECT_ERROR(boka_waitlist_list(f.engine, f.who, f.tenant, "{\"limit\":0}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "filter.limit");
  EXPECT_ERROR(boka_waitlist_list(f.engine, f.who, f.tenant, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "entries_json: is NULL");
  EXPECT_ERROR(boka_waitlist_get(f.engine, f.who, f.tenant, 1, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "position_json: is NULL");
  EXPECT_OK(boka_waitlist_list(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);

  /* Free right now: offered at once, as a hold. */
  EXPECT_OK(boka_waitlist_join(f.engine, f.who, f.tenant,
                               waitlist_request(room, start, "ann", ",\"metadata\":{\"k\":1}"),
                               &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"status\":\"offered\"");
  CHECK_CONTAINS(doc, "\"metadata\":{\"k\":1}");
  offer = json_int(doc, "offer");
  boka_free(doc);
  EXPECT_OK(boka_get_reservation(f.engine, f.who, f.tenant, offer, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"status\":\"held\"");
  CHECK_CONTAINS(doc, "\"metadata\":{\"k\":1}");
  boka_free(doc);
  teardown(&f);
}

/* ---- services, customers, booking rules, edits and sorted listing (issue 17) ------------ */

/* A service: created, read back as a valid update, booked by name (its duration, buffer and
 * price), asked for in availability, listed, archived; bad documents name the field. */
TEST(services_round_trip_and_booking) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* updated = NULL;
  char spec[512];
  char want[320];
  boka_conflict conflict;
  const int64_t start = kMonday + DAY + 10 * HOUR;
  int64_t chair, service, booked, later = 0;
  setup(&f);
  chair = make_resource(&f, "{\"name\":\"chair\",\"zone\":\"UTC\",\"policy\":{\"slot_step\":900}}");
  snprintf(spec, sizeof spec,
           "{\"name\":\"Haircut\",\"duration\":2700,\"allowed_durations\":[3600],"
           "\"allocations\":[{\"resource\":%lld}],\"buffer_after\":900,\"price_minor\":3500,"
           "\"currency\":\"EUR\"}",
           (long long)chair);
  EXPECT_OK(boka_service_create(f.engine, f.who, f.tenant, spec, &doc, &err), err);
  service = json_int(doc, "id");
  CHECK(service > 0);
  CHECK(json_int(doc, "tenant") == f.tenant);
  CHECK_CONTAINS(doc,
                 "\"name\":\"Haircut\",\"description\":\"\",\"duration\":2700,"
                 "\"allowed_durations\":[3600]");
  CHECK_CONTAINS(doc,
                 "\"buffer_before\":0,\"buffer_after\":900,\"min_notice\":0,"
                 "\"price_minor\":3500,\"currency\":\"EUR\",\"customer_bookable\":true");
  CHECK_CONTAINS(doc,
                 "\"rules\":{\"cancel_cutoff\":0,\"reschedule_cutoff\":0,"
                 "\"max_active_per_customer\":0,\"max_per_customer_per_day\":0}");
  CHECK_CONTAINS(doc, "\"archived_at\":null");
  /* The document read back is a valid update (nothing changes but the version). */
  EXPECT_OK(boka_service_update(f.engine, f.who, f.tenant, doc, &updated, &err), err);
  CHECK(json_int(updated, "version") == json_int(doc, "version") + 1);
  boka_free(doc);
  /* A stale version is a conflict; an update names every field. */
  EXPECT_OK(boka_service_get(f.engine, f.who, f.tenant, service, &doc, &err), err);
  CHECK(json_int(doc, "version") == 2);
  boka_free(doc);
  EXPECT_ERROR(boka_service_update(f.engine, f.who, f.tenant,
                                   "{\"id\":1,\"version\":2,\"name\":\"x\",\"duration\":60,"
                                   "\"allocations\":[]}",
                                   &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "service.description: is required");
  boka_free(updated);

  /* Bad services name the field and store nothing. */
  snprintf(spec, sizeof spec,
           "{\"name\":\"x\",\"duration\":60,\"allocations\":[{\"resource\":%lld}],"
           "\"price_minor\":100}",
           (long long)chair);
  EXPECT_ERROR(boka_service_create(f.engine, f.who, f.tenant, spec, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "service.currency");
  EXPECT_ERROR(boka_service_create(f.engine, f.who, f.tenant,
                                   "{\"name\":\"x\",\"duration\":60,"
                                   "\"allocations\":[{\"resource\":999}]}",
                                   &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "service.allocations[0]");
  EXPECT_ERROR(
      boka_service_create(f.engine, f.who, f.tenant,
                          "{\"name\":\"x\",\"duration\":\"45m\",\"allocations\":[]}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "service.duration: expected an integer");
  EXPECT_ERROR(boka_service_create(f.engine, f.who, f.tenant, "{\"name\":\"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "service.duration: is required");
  EXPECT_ERROR(boka_service_get(f.engine, f.who, f.tenant, service, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "service_json: is NULL");
  EXPECT_ERROR(boka_service_get(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "service 999");
  EXPECT_OK(boka_service_list(f.engine, f.who, f.tenant, 0, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":") == 1);
  boka_free(doc);

  /* Booked by service, with no end: its duration, buffer and price. */
  snprintf(spec, sizeof spec, "{\"service\":%lld,\"start\":\"%s\",\"notes\":\"short\"}",
           (long long)service, rfc3339(start));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, spec, &doc, NULL, &err), err);
  booked = json_int(doc, "id");
  CHECK(json_time(doc, "end") == start + 45 * MINUTE);
  snprintf(want, sizeof want,
           "\"notes\":\"short\",\"metadata\":{},\"service\":%lld,\"price_minor\":3500,"
           "\"currency\":\"EUR\",\"payment_status\":\"none\",\"payment_reference\":\"\","
           "\"buffer_before\":0,\"buffer_after\":900",
           (long long)service);
  CHECK_CONTAINS(doc, want);
  boka_free(doc);
  /* A length it does not allow; allocations beside a service. */
  snprintf(spec, sizeof spec, "{\"service\":%lld,\"start\":\"%s\",\"end\":\"%s\"}",
           (long long)service, rfc3339(start + 2 * HOUR), rfc3339(start + 2 * HOUR + 30 * MINUTE));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, spec, &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "allows 2700, 3600 s");
  snprintf(spec, sizeof spec,
           "{\"service\":%lld,\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\"}",
           (long long)service, (long long)chair, rfc3339(start + 2 * HOUR));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, spec, &doc, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "allocations: must be empty");

  /* Availability of the service: its duration (0), and the booking's buffer kept. */
  snprintf(spec, sizeof spec, "{\"service\":%lld,\"from\":\"%s\",\"to\":\"%s\",\"duration\":0}",
           (long long)service, rfc3339(start), rfc3339(start + 2 * HOUR));
  EXPECT_OK(boka_availability(f.engine, f.who, f.tenant, spec, &doc, &err), err);
  CHECK(json_time(doc, "start") == start + HOUR);
  CHECK(json_time(doc, "end") == start + HOUR + 45 * MINUTE);
  boka_free(doc);
  /* The buffer blocks a plain booking right after it too. */
  EXPECT_ERROR(boka_reserve(f.engine, f.who, f.tenant, chair, start + 45 * MINUTE,
                            start + HOUR + 45 * MINUTE, 1, NULL, &conflict, &err),
               err, BOKA_CONFLICT, "");
  CHECK(conflict.blocking_count == 1 && conflict.blocking_ids[0] == booked);
  CHECK(conflict.has_next_free_start && conflict.next_free_start == start + HOUR);
  boka_conflict_clear(&conflict);
  EXPECT_OK(boka_reserve(f.engine, f.who, f.tenant, chair, start + HOUR, start + 2 * HOUR, 1,
                         &later, NULL, &err),
            err);

  /* Listed by service: only the booking made as the service. */
  snprintf(spec, sizeof spec, "{\"service\":%lld}", (long long)service);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, spec, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":") == 1 && json_int(doc, "id") == booked);
  boka_free(doc);

  /* Archived: kept and readable, but no new bookings. */
  EXPECT_OK(boka_service_archive(f.engine, f.who, f.tenant, service, &doc, &err), err);
  CHECK(json_time(doc, "archived_at") == kMonday + 8 * HOUR);
  boka_free(doc);
  EXPECT_OK(boka_service_list(f.engine, f.who, f.tenant, 0, &doc, &err), err);
  CHECK(strcmp(doc, "[]") == 0);
  boka_free(doc);
  EXPECT_OK(boka_service_list(f.engine, f.who, f.tenant, 1, &doc, &err), err);
  CHECK(count_of(doc, "\"name\":\"Haircut\"") == 1);
  boka_free(doc);
  snprintf(spec, sizeof spec, "{\"service\":%lld,\"start\":\"%s\"}", (long long)service,
           rfc3339(start + 3 * HOUR));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, spec, NULL, NULL, &err), err,
               BOKA_CONFLICT, "archived");
  EXPECT_OK(boka_service_archive(f.engine, f.who, f.tenant, service, NULL, &err), err);
  teardown(&f);
}

/* Creates a customer from a JSON spec and returns its id (0 on failure). */
static int64_t make_customer(fixture* f, const char* spec) {
  char* err = NULL;
  char* doc = NULL;
  int64_t id;
  EXPECT_OK(boka_customer_create(f->engine, f->who, f->tenant, spec, &doc, &err), err);
  id = json_int(doc, "id");
  boka_free(doc);
  return id > 0 ? id : 0;
}

/* Books one hour of `room` at `start` for customer record `customer` (0: none); returns the
 * reservation's id (0 on failure). */
static int64_t book_for(fixture* f, int64_t room, int64_t start, int64_t customer) {
  char* err = NULL;
  char* doc = NULL;
  char req[512];
  int64_t id;
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\","
           "\"customer_id\":%lld,\"notes\":\"allergic to dust\",\"metadata\":{\"phone\":\"1\"}}",
           (long long)room, rfc3339(start), rfc3339(start + HOUR), (long long)customer);
  if (customer == 0) {
    snprintf(req, sizeof req,
             "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\"}",
             (long long)room, rfc3339(start), rfc3339(start + HOUR));
  }
  EXPECT_OK(boka_reserve_json(f->engine, f->who, f->tenant, req, &doc, NULL, &err), err);
  id = json_int(doc, "id");
  boka_free(doc);
  return id > 0 ? id : 0;
}

/* Customer records: create (email lower-cased, unique), list by query and page, update with
 * its version, link to a user, their bookings, merge two, export, erase. */
TEST(customers_round_trip_merge_export_erase) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* updated = NULL;
  char spec[512];
  char want[128];
  const int64_t start = kMonday + DAY + 10 * HOUR;
  int64_t room, ann, bob, carl, user, first;
  setup(&f);
  room = make_room(&f, 3);
  ann = make_customer(&f,
                      "{\"display_name\":\"Ann Lee\",\"email\":\"Ann@Example.com\","
                      "\"external_ref\":\"crm-1\",\"locale\":\"de-DE\"}");
  bob = make_customer(&f, "{\"display_name\":\"Bob Stone\",\"phone\":\"+49 30 1234567\"}");
  CHECK(ann > 0 && bob > ann);
  EXPECT_OK(boka_customer_get(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"display_name\":\"Ann Lee\",\"email\":\"ann@example.com\"");
  CHECK_CONTAINS(doc,
                 "\"external_ref\":\"crm-1\",\"user\":null,\"merged_into\":null,"
                 "\"erased_at\":null");
  /* The document read back is a valid update. */
  EXPECT_OK(boka_customer_update(f.engine, f.who, f.tenant, doc, &updated, &err), err);
  CHECK(json_int(updated, "version") == json_int(doc, "version") + 1);
  EXPECT_ERROR(boka_customer_update(f.engine, f.who, f.tenant, doc, NULL, &err), err, BOKA_CONFLICT,
               "");
  boka_free(doc);
  boka_free(updated);

  /* Unique email and external reference; bad fields named. */
  EXPECT_ERROR(boka_customer_create(f.engine, f.who, f.tenant,
                                    "{\"display_name\":\"Ann 2\",\"email\":\"ANN@example.com\"}",
                                    &doc, &err),
               err, BOKA_ALREADY_EXISTS, "customer.email");
  EXPECT_ERROR(
      boka_customer_create(f.engine, f.who, f.tenant,
                           "{\"display_name\":\"Ann 3\",\"external_ref\":\"crm-1\"}", &doc, &err),
      err, BOKA_ALREADY_EXISTS, "customer.external_ref");
  EXPECT_ERROR(
      boka_customer_create(f.engine, f.who, f.tenant, "{\"display_name\":\"\"}", &doc, &err), err,
      BOKA_INVALID_ARGUMENT, "customer.display_name");
  EXPECT_ERROR(
      boka_customer_create(f.engine, f.who, f.tenant,
                           "{\"display_name\":\"x\",\"locale\":\"not a tag\"}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "customer.locale");
  EXPECT_ERROR(boka_customer_create(f.engine, f.who, f.tenant, "{\"name\":\"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "customer.display_name: is required");

  /* Listed by query (a prefix of the name, of a word of it, or of the email) and by page. */
  EXPECT_OK(boka_customer_list(f.engine, f.who, f.tenant, "{\"query\":\"sto\"}", &doc, &err), err);
  CHECK(count_of(doc, "\"display_name\":") == 1 && json_int(doc, "id") == bob);
  boka_free(doc);
  EXPECT_OK(boka_customer_list(f.engine, f.who, f.tenant, "{\"query\":\"ANN@\"}", &doc, &err), err);
  CHECK(count_of(doc, "\"display_name\":") == 1 && json_int(doc, "id") == ann);
  boka_free(doc);
  snprintf(spec, sizeof spec, "{\"after_id\":%lld,\"limit\":1}", (long long)ann);
  EXPECT_OK(boka_customer_list(f.engine, f.who, f.tenant, spec, &doc, &err), err);
  CHECK(count_of(doc, "\"display_name\":") == 1 && json_int(doc, "id") == bob);
  boka_free(doc);
  EXPECT_OK(boka_customer_list(f.engine, f.who, f.tenant, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"display_name\":") == 2);
  boka_free(doc);
  EXPECT_ERROR(boka_customer_list(f.engine, f.who, f.tenant, "{\"limit\":0}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "filter.limit");
  EXPECT_ERROR(boka_customer_list(f.engine, f.who, f.tenant, "{\"name\":\"x\"}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "filter.name: unknown field");

  /* Linked to a customer-role user. */
  EXPECT_OK(boka_auth_create_user(f.engine, f.who, f.tenant,
                                  "{\"email\": \"carl@example.com\", \"password\": \"correct horse "
                                  "battery\"}",
                                  &doc, &err),
            err);
  user = json_int(doc, "id");
  boka_free(doc);
  snprintf(spec, sizeof spec, "{\"display_name\":\"Carl\",\"user\":%lld}", (long long)user);
  carl = make_customer(&f, spec);
  EXPECT_OK(boka_customer_get_by_user(f.engine, f.who, f.tenant, user, &doc, &err), err);
  CHECK(json_int(doc, "id") == carl && json_int(doc, "user") == user);
  boka_free(doc);
  EXPECT_ERROR(boka_customer_get_by_user(f.engine, f.who, f.tenant, user + 100, &doc, &err), err,
               BOKA_NOT_FOUND, "");

  /* Their bookings; a merge moves bob's to ann and leaves bob a tombstone. */
  first = book_for(&f, room, start, ann);
  book_for(&f, room, start + DAY, ann);
  book_for(&f, room, start + 2 * HOUR, bob);
  book_for(&f, room, start + 3 * HOUR, 0);
  EXPECT_OK(boka_customer_bookings(f.engine, f.who, f.tenant, ann, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":\"confirmed\"") == 2 && json_int(doc, "id") == first);
  snprintf(want, sizeof want, "\"customer_id\":%lld,\"notes\":\"allergic to dust\"",
           (long long)ann);
  CHECK_CONTAINS(doc, want);
  boka_free(doc);
  EXPECT_OK(boka_customer_bookings(f.engine, f.who, f.tenant, ann,
                                   "{\"order\":\"by_start\",\"limit\":1}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"status\":") == 1 && json_int(doc, "id") == first);
  boka_free(doc);
  EXPECT_OK(boka_customer_merge(f.engine, f.who, f.tenant, ann, bob, &doc, &err), err);
  CHECK(json_int(doc, "id") == ann);
  CHECK_CONTAINS(doc, "\"phone\":\"+49 30 1234567\""); /* an empty field filled from bob's */
  boka_free(doc);
  EXPECT_OK(boka_customer_get(f.engine, f.who, f.tenant, bob, &doc, &err), err);
  CHECK(json_int(doc, "merged_into") == ann);
  CHECK_CONTAINS(doc, "\"display_name\":\"\"");
  /* A tombstone cannot be changed (with a valid name: an empty one is refused first). */
  snprintf(spec, sizeof spec,
           "{\"id\":%lld,\"version\":%lld,\"display_name\":\"Bob\",\"email\":\"\","
           "\"phone\":\"\",\"locale\":\"\",\"time_zone\":\"\",\"notes\":\"\","
           "\"external_ref\":\"\",\"user\":null}",
           (long long)bob, json_int(doc, "version"));
  EXPECT_ERROR(boka_customer_update(f.engine, f.who, f.tenant, spec, NULL, &err), err,
               BOKA_CONFLICT, "merged");
  boka_free(doc);
  EXPECT_OK(boka_customer_bookings(f.engine, f.who, f.tenant, ann, NULL, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":\"confirmed\"") == 3);
  boka_free(doc);
  EXPECT_OK(
      boka_customer_list(f.engine, f.who, f.tenant, "{\"include_inactive\":true}", &doc, &err),
      err);
  CHECK(count_of(doc, "\"display_name\":") == 3);
  boka_free(doc);

  /* Export: everything held about ann, as one document. */
  EXPECT_ERROR(boka_customer_export(f.engine, f.who, f.tenant, ann, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "export_json: is NULL");
  EXPECT_OK(boka_customer_export(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK_CONTAINS(doc, "boka.customer-export/1");
  CHECK_CONTAINS(doc, "Ann Lee");
  CHECK(count_of(doc, "allergic to dust") == 3);
  boka_free(doc);

  /* Erase: the record's personal fields and the bookings' notes and metadata go; the
   * bookings stay, still linked. Idempotent. */
  EXPECT_OK(boka_customer_erase(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK(json_time(doc, "erased_at") == kMonday + 8 * HOUR);
  CHECK_CONTAINS(doc, "\"display_name\":\"\",\"email\":\"\"");
  boka_free(doc);
  EXPECT_OK(boka_customer_erase(f.engine, f.who, f.tenant, ann, NULL, &err), err);
  EXPECT_OK(boka_get_reservation(f.engine, f.who, f.tenant, first, &doc, &err), err);
  snprintf(want, sizeof want, "\"customer_id\":%lld,\"notes\":\"\",\"metadata\":{}",
           (long long)ann);
  CHECK_CONTAINS(doc, want);
  CHECK(strstr(doc, "allergic") == NULL);
  CHECK_CONTAINS(doc, "\"status\":\"confirmed\"");
  boka_free(doc);
  EXPECT_OK(boka_customer_export(f.engine, f.who, f.tenant, ann, &doc, &err), err);
  CHECK(strstr(doc, "Ann Lee") == NULL && strstr(doc, "allergic") == NULL);
  boka_free(doc);
  /* An erased customer takes no new bookings. */
  snprintf(spec, sizeof spec,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\","
           "\"customer_id\":%lld}",
           (long long)room, rfc3339(start + 5 * HOUR), rfc3339(start + 6 * HOUR), (long long)ann);
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, spec, NULL, NULL, &err), err,
               BOKA_CONFLICT, "customer_id");
  EXPECT_ERROR(boka_customer_get(f.engine, f.who, f.tenant, 999, &doc, &err), err, BOKA_NOT_FOUND,
               "customer 999");
  teardown(&f);
}

/* The tenant's rules: a per-customer limit refuses a booking (its rule in the Conflict
 * document) unless overridden; the cancel and reschedule cutoffs refuse changes naming the
 * deadline, unless overridden; the longest hold. */
TEST(booking_rules_cutoffs_limits_and_guards) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* conflict = NULL;
  char req[512];
  const int64_t start = kMonday + DAY + 10 * HOUR; /* Tuesday 10:00; now Monday 08:00 */
  int64_t room, ann, first, second, version;
  setup(&f);
  room = make_room(&f, 3);
  ann = make_customer(&f, "{\"display_name\":\"Ann\"}");
  EXPECT_OK(boka_get_tenant(f.engine, f.who, f.tenant, &doc, &err), err);
  version = json_int(doc, "version");
  CHECK_CONTAINS(doc,
                 "\"rules\":{\"cancel_cutoff\":0,\"reschedule_cutoff\":0,"
                 "\"max_active_per_customer\":0,\"max_per_customer_per_day\":0},"
                 "\"max_hold\":2592000");
  boka_free(doc);
  EXPECT_ERROR(
      boka_update_tenant_rules(f.engine, f.who, f.tenant, "{\"rules\":{}}", version, &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "rules.max_hold: is required");
  EXPECT_ERROR(boka_update_tenant_rules(f.engine, f.who, f.tenant, "{\"rules\":{},\"max_hold\":10}",
                                        version, &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "max_hold: must be 1 minute");
  EXPECT_ERROR(boka_update_tenant_rules(f.engine, f.who, f.tenant,
                                        "{\"rules\":{\"cancel_cutoff\":-1},\"max_hold\":3600}",
                                        version, &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "rules.cancel_cutoff");
  EXPECT_ERROR(
      boka_update_tenant_rules(f.engine, f.who, f.tenant, "{\"rules\":{},\"max_hold\":3600}",
                               version + 5, &doc, &err),
      err, BOKA_CONFLICT, "");
  EXPECT_OK(
      boka_update_tenant_rules(f.engine, f.who, f.tenant,
                               "{\"rules\":{\"cancel_cutoff\":86400,\"reschedule_cutoff\":86400,"
                               "\"max_active_per_customer\":1},\"max_hold\":3600}",
                               version, &doc, &err),
      err);
  CHECK(json_int(doc, "version") == version + 1);
  CHECK_CONTAINS(doc,
                 "\"rules\":{\"cancel_cutoff\":86400,\"reschedule_cutoff\":86400,"
                 "\"max_active_per_customer\":1,\"max_per_customer_per_day\":0},"
                 "\"max_hold\":3600");
  boka_free(doc);

  /* One active booking per customer: the second is refused naming the rule. */
  first = book_for(&f, room, start, ann);
  CHECK(first > 0);
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\","
           "\"customer_id\":%lld}",
           (long long)room, rfc3339(start + DAY), rfc3339(start + DAY + HOUR), (long long)ann);
  EXPECT_ERROR(boka_reserve_with_conflict(f.engine, f.who, f.tenant, req, &doc, &conflict, &err),
               err, BOKA_CONFLICT, "at most 1 per customer");
  CHECK(doc == NULL);
  CHECK_CONTAINS(conflict, "\"rule\":\"max_active_per_customer\",\"deadline\":null");
  boka_free(conflict);
  /* Staff (here the system) may pass over it explicitly. */
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\","
           "\"customer_id\":%lld,\"override_rules\":true}",
           (long long)room, rfc3339(start + DAY), rfc3339(start + DAY + HOUR), (long long)ann);
  EXPECT_OK(boka_reserve_with_conflict(f.engine, f.who, f.tenant, req, &doc, &conflict, &err), err);
  CHECK(conflict == NULL);
  second = json_int(doc, "id");
  boka_free(doc);
  /* A hold longer than the tenant's max_hold. */
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"%s\",\"end\":\"%s\","
           "\"hold_for\":7200}",
           (long long)room, rfc3339(start + 2 * HOUR), rfc3339(start + 3 * HOUR));
  EXPECT_ERROR(boka_reserve_json(f.engine, f.who, f.tenant, req, NULL, NULL, &err), err,
               BOKA_INVALID_ARGUMENT, "hold_for");

  /* 11:00 on Monday: within a day of Tuesday 10:00, past the cancel deadline. */
  boka_clock_advance(f.clock, 3 * HOUR);
  EXPECT_ERROR(boka_cancel(f.engine, f.who, f.tenant, first, BOKA_ANY_VERSION, NULL, &err), err,
               BOKA_CONFLICT, "cancel: the deadline was 2026-01-05T10:00:00Z");
  EXPECT_ERROR(boka_cancel_guarded(f.engine, f.who, f.tenant, first, NULL, &doc, &conflict, &err),
               err, BOKA_CONFLICT, "staff may override");
  CHECK(doc == NULL);
  CHECK_CONTAINS(conflict, "\"rule\":\"cancel_cutoff\",\"deadline\":\"2026-01-05T10:00:00Z\"");
  boka_free(conflict);
  /* A stale version is a conflict without a document; a bad guard names its field. */
  EXPECT_ERROR(
      boka_cancel_guarded(f.engine, f.who, f.tenant, first,
                          "{\"if_version\":99,\"override_rules\":true}", &doc, &conflict, &err),
      err, BOKA_CONFLICT, "");
  CHECK(conflict == NULL);
  EXPECT_ERROR(boka_cancel_guarded(f.engine, f.who, f.tenant, first, "{\"override\":true}", &doc,
                                   &conflict, &err),
               err, BOKA_INVALID_ARGUMENT, "guard.override: unknown field");
  EXPECT_OK(
      boka_cancel_guarded(f.engine, f.who, f.tenant, first,
                          "{\"if_version\":1,\"override_rules\":true}", &doc, &conflict, &err),
      err);
  CHECK_CONTAINS(doc, "\"status\":\"cancelled\"");
  CHECK(conflict == NULL);
  boka_free(doc);

  /* Moving Wednesday's booking to a start within a day of now is past the reschedule
   * cutoff; so is moving it at all within a day of its own start, later on. */
  EXPECT_ERROR(boka_reschedule_guarded(f.engine, f.who, f.tenant, second, start - HOUR, start, NULL,
                                       &doc, &conflict, &err),
               err, BOKA_CONFLICT, "reschedule");
  CHECK_CONTAINS(conflict, "\"rule\":\"reschedule_cutoff\"");
  boka_free(conflict);
  EXPECT_OK(boka_reschedule_guarded(f.engine, f.who, f.tenant, second, start + DAY + HOUR,
                                    start + DAY + 2 * HOUR, NULL, &doc, &conflict, &err),
            err);
  CHECK(json_time(doc, "start") == start + DAY + HOUR);
  boka_free(doc);
  EXPECT_OK(boka_reschedule_guarded(f.engine, f.who, f.tenant, second, start - HOUR, start,
                                    "{\"override_rules\":true}", &doc, NULL, &err),
            err);
  CHECK(json_time(doc, "start") == start - HOUR);
  boka_free(doc);
  teardown(&f);
}

/* Editing a reservation (notes, time, quantity, customer link), and listing sorted by start
 * with keyset pages, by pool and by customer record. */
TEST(update_reservation_and_sorted_listing) {
  fixture f;
  char* err = NULL;
  char* doc = NULL;
  char* conflict = NULL;
  char req[512];
  char want[128];
  const int64_t tuesday = kMonday + DAY;
  int64_t room, pool, ann, noon, nine, ten, pooled;
  setup(&f);
  room = make_room(&f, 2);
  ann = make_customer(&f, "{\"display_name\":\"Ann\"}");
  noon = book_for(&f, room, tuesday + 12 * HOUR, 0);
  nine = book_for(&f, room, tuesday + 9 * HOUR, ann);
  ten = book_for(&f, room, tuesday + 10 * HOUR, 0);

  /* Sorted by start, a page at a time: the next page starts after (start, id). */
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant,
                                   "{\"order\":\"by_start\",\"limit\":2}", &doc, &err),
            err);
  CHECK(count_of(doc, "\"status\":") == 2 && json_int(doc, "id") == nine);
  snprintf(want, sizeof want, "\"id\":%lld,", (long long)ten);
  CHECK_CONTAINS(doc, want);
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"order\":\"by_start\",\"after_start\":\"%s\",\"after_id\":%lld,\"limit\":2}",
           rfc3339(tuesday + 10 * HOUR), (long long)ten);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, req, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":") == 1 && json_int(doc, "id") == noon);
  boka_free(doc);
  EXPECT_ERROR(boka_list_reservations(f.engine, f.who, f.tenant,
                                      "{\"order\":\"by_start\",\"after_id\":3}", &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "filter.after_start");
  EXPECT_ERROR(
      boka_list_reservations(f.engine, f.who, f.tenant, "{\"order\":\"sideways\"}", &doc, &err),
      err, BOKA_INVALID_ARGUMENT, "filter.order: \"sideways\" is not one of by_id, by_start");
  snprintf(req, sizeof req, "{\"customer_id\":%lld}", (long long)ann);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, req, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":") == 1 && json_int(doc, "id") == nine);
  boka_free(doc);

  /* By pool: only the booking requested from it. */
  snprintf(req, sizeof req, "{\"name\":\"rooms\",\"members\":[%lld]}", (long long)room);
  EXPECT_OK(boka_create_pool(f.engine, f.who, f.tenant, req, &doc, &err), err);
  pool = json_int(doc, "id");
  boka_free(doc);
  snprintf(req, sizeof req, "{\"allocations\":[{\"pool\":%lld}],\"start\":\"%s\",\"end\":\"%s\"}",
           (long long)pool, rfc3339(tuesday + 15 * HOUR), rfc3339(tuesday + 16 * HOUR));
  EXPECT_OK(boka_reserve_json(f.engine, f.who, f.tenant, req, &doc, NULL, &err), err);
  pooled = json_int(doc, "id");
  boka_free(doc);
  snprintf(req, sizeof req, "{\"pool\":%lld}", (long long)pool);
  EXPECT_OK(boka_list_reservations(f.engine, f.who, f.tenant, req, &doc, &err), err);
  CHECK(count_of(doc, "\"status\":") == 1 && json_int(doc, "id") == pooled);
  boka_free(doc);

  /* Edits: notes (guarded by version), the time (start alone keeps the length), the
   * quantity, the customer link; an empty edit and unknown fields are refused. */
  EXPECT_OK(boka_update_reservation(f.engine, f.who, f.tenant, noon,
                                    "{\"notes\":\"window seat\",\"if_version\":1}", &doc, &conflict,
                                    &err),
            err);
  CHECK(json_int(doc, "version") == 2);
  CHECK_CONTAINS(doc, "\"notes\":\"window seat\"");
  boka_free(doc);
  EXPECT_ERROR(boka_update_reservation(f.engine, f.who, f.tenant, noon,
                                       "{\"notes\":\"x\",\"if_version\":1}", &doc, &conflict, &err),
               err, BOKA_CONFLICT, "");
  CHECK(conflict == NULL);
  EXPECT_ERROR(boka_update_reservation(f.engine, f.who, f.tenant, noon, "{}", &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "update: sets no field");
  EXPECT_ERROR(boka_update_reservation(f.engine, f.who, f.tenant, noon, "{\"surprise\":1}", &doc,
                                       NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "update.surprise: unknown field");
  EXPECT_ERROR(boka_update_reservation(f.engine, f.who, f.tenant, noon, NULL, &doc, NULL, &err),
               err, BOKA_INVALID_ARGUMENT, "update_json: is NULL");
  snprintf(req, sizeof req, "{\"start\":\"%s\",\"metadata\":{\"k\":1}}",
           rfc3339(tuesday + 13 * HOUR));
  EXPECT_OK(boka_update_reservation(f.engine, f.who, f.tenant, noon, req, &doc, NULL, &err), err);
  CHECK(json_time(doc, "start") == tuesday + 13 * HOUR);
  CHECK(json_time(doc, "end") == tuesday + 14 * HOUR);
  CHECK_CONTAINS(doc, "\"notes\":\"window seat\",\"metadata\":{\"k\":1}");
  boka_free(doc);
  EXPECT_OK(boka_update_reservation(f.engine, f.who, f.tenant, noon, "{\"quantity\":2}", &doc, NULL,
                                    &err),
            err);
  CHECK_CONTAINS(doc, "\"quantity\":2");
  boka_free(doc);
  /* Two units at 13:00 fill the room: another edit onto it is refused for capacity. */
  snprintf(req, sizeof req, "{\"start\":\"%s\"}", rfc3339(tuesday + 13 * HOUR));
  EXPECT_ERROR(boka_update_reservation(f.engine, f.who, f.tenant, ten, req, &doc, &conflict, &err),
               err, BOKA_CONFLICT, "");
  snprintf(want, sizeof want, "\"blocking\":[%lld]", (long long)noon);
  CHECK_CONTAINS(conflict, want);
  CHECK_CONTAINS(conflict, "\"rule\":\"\"");
  boka_free(conflict);
  snprintf(req, sizeof req, "{\"customer_id\":%lld}", (long long)ann);
  EXPECT_OK(boka_update_reservation(f.engine, f.who, f.tenant, ten, req, &doc, NULL, &err), err);
  CHECK(json_int(doc, "customer_id") == ann);
  boka_free(doc);
  EXPECT_OK(boka_update_reservation(f.engine, f.who, f.tenant, ten, "{\"customer_id\":0}", &doc,
                                    NULL, &err),
            err);
  CHECK_CONTAINS(doc, "\"customer_id\":null");
  boka_free(doc);
  teardown(&f);
}

/* The event feed, webhooks and calendar feeds through the C ABI. */
TEST(events_webhooks_and_feeds) {
  char* err = NULL;
  char* doc = NULL;
  char* created = NULL;
  char* ics = NULL;
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_clock* clock = NULL;
  int64_t tenant, room, head = 0, event_id, endpoint, feed, pruned = -1;
  int count = -1;
  char req[512];
  char token[256];
  const char* options =
      "{\"auth\": {\"encryption_key\": "
      "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}, "
      "\"webhooks\": {\"allow_addresses\": \"127.0.0.1/32\", \"retry_schedule\": [60]}, "
      "\"event_retention\": 86400}";
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &clock, &err), err);
  EXPECT_OK(boka_engine_open_with_options("memory:", clock, options, &engine, &err), err);
  EXPECT_OK(boka_principal_system(&sys, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"acme\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_create_resource(engine, sys, tenant, "{\"name\": \"Room\", \"zone\": \"UTC\"}",
                                 &doc, &err),
            err);
  room = json_int(doc, "id");
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"2026-01-07T09:00:00Z\","
           "\"end\":\"2026-01-07T10:00:00Z\"}",
           (long long)room);
  EXPECT_OK(boka_reserve_json(engine, sys, tenant, req, &doc, NULL, &err), err);
  boka_free(doc);

  /* The feed: one event, read by cursor, by id, and the head. */
  EXPECT_OK(boka_events_list(engine, sys, tenant, "{\"types\": [\"reservation.*\"]}", &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"type\":\"reservation.created\"");
  CHECK_CONTAINS(doc, "\"more\":false");
  event_id = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_events_head(engine, sys, tenant, &head, &err), err);
  CHECK(head >= 1);
  EXPECT_OK(boka_events_get(engine, sys, tenant, event_id, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"data\":{\"reservation\":");
  boka_free(doc);
  EXPECT_ERROR(boka_events_list(engine, sys, tenant, "{\"types\": [\"nope\"]}", &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "types: \"nope\" is not an event type");
  EXPECT_OK(boka_events_prune(engine, sys, 100, &pruned, &err), err);
  CHECK(pruned == 0);

  /* Webhooks: a refused URL, an endpoint with its secret once, a failed attempt recorded. */
  EXPECT_ERROR(boka_webhook_create(engine, sys, tenant, "{\"url\": \"http://169.254.169.254/\"}",
                                   &created, &err),
               err, BOKA_INVALID_ARGUMENT, "169.254.169.254");
  EXPECT_OK(boka_webhook_create(engine, sys, tenant, "{\"url\": \"http://127.0.0.1:9/hook\"}",
                                &created, &err),
            err);
  CHECK_CONTAINS(created, "\"secret\":\"whsec_");
  endpoint = json_int(created, "id");
  boka_free(created);
  EXPECT_OK(boka_webhook_list(engine, sys, tenant, &doc, &err), err);
  CHECK(count_of(doc, "\"url\":") == 1 && count_of(doc, "whsec_") == 0);
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"2026-01-07T11:00:00Z\","
           "\"end\":\"2026-01-07T12:00:00Z\"}",
           (long long)room);
  EXPECT_OK(boka_reserve_json(engine, sys, tenant, req, &doc, NULL, &err), err);
  boka_free(doc);
  EXPECT_OK(boka_webhooks_deliver(engine, sys, 10, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"scheduled\":1");
  CHECK_CONTAINS(doc, "\"failed\":1");
  boka_free(doc);
  snprintf(req, sizeof req, "{\"endpoint\": %lld, \"status\": \"pending\"}", (long long)endpoint);
  EXPECT_OK(boka_webhook_deliveries(engine, sys, tenant, req, &doc, &err), err);
  CHECK(count_of(doc, "\"attempts\":1") == 1);
  CHECK(json_int(doc, "last_status_code") == 0); /* null: no answer */
  boka_free(doc);
  EXPECT_OK(boka_webhook_rotate_secret(engine, sys, tenant, endpoint, 3600, &created, &err), err);
  CHECK_CONTAINS(created, "\"previous_secret_expires_at\":\"");
  boka_free(created);
  EXPECT_OK(boka_webhook_replay_dead(engine, sys, tenant, endpoint, &count, &err), err);
  CHECK(count == 0);
  EXPECT_OK(boka_webhook_delete(engine, sys, tenant, endpoint, &err), err);
  EXPECT_ERROR(boka_webhook_get(engine, sys, tenant, endpoint, &doc, &err), err, BOKA_NOT_FOUND,
               "not found");

  /* A calendar feed: rendered by its token alone, refused once revoked. */
  EXPECT_OK(boka_feed_create(engine, sys, tenant, "resource", room, "Room", &created, &err), err);
  feed = json_int(created, "id");
  {
    const char* t = strstr(created, "\"token\":\"");
    size_t n = 0;
    CHECK(t != NULL);
    if (t != NULL) {
      t += strlen("\"token\":\"");
      while (t[n] != '"' && n + 1 < sizeof token) {
        token[n] = t[n];
        ++n;
      }
    }
    token[n] = '\0';
  }
  boka_free(created);
  EXPECT_OK(boka_feed_render(engine, token, &ics, &err), err);
  CHECK(ics != NULL && strncmp(ics, "BEGIN:VCALENDAR\r\n", 17) == 0);
  CHECK(count_of(ics, "BEGIN:VEVENT") == 2);
  boka_free(ics);
  EXPECT_ERROR(boka_feed_create(engine, sys, tenant, "room", room, NULL, &created, &err), err,
               BOKA_INVALID_ARGUMENT, "kind");
  EXPECT_OK(boka_feed_revoke(engine, sys, tenant, feed, NULL, &err), err);
  EXPECT_ERROR(boka_feed_render(engine, token, &ics, &err), err, BOKA_NOT_FOUND, "feed not found");
  CHECK(ics == NULL);
  boka_principal_destroy(sys);
  boka_engine_destroy(engine);
  boka_clock_destroy(clock);
}

/* Copies the string value of "token" in `doc` into `out`. */
static void token_of(const char* doc, char* out, size_t size) {
  const char* t = doc != NULL ? strstr(doc, "\"token\":\"") : NULL;
  size_t n = 0;
  if (t != NULL) {
    t += strlen("\"token\":\"");
    while (t[n] != '"' && t[n] != '\0' && n + 1 < size) {
      out[n] = t[n];
      ++n;
    }
  }
  out[n] = '\0';
}

/* Manage links through the C ABI: issued, resolved by the token alone, revoked. */
TEST(manage_links) {
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_clock* clock = NULL;
  int64_t tenant, room, reservation;
  char req[512];
  char token[128];
  char renewed[128];
  const char* options =
      "{\"auth\": {\"encryption_key\": "
      "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}}";
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &clock, &err), err);
  EXPECT_OK(boka_engine_open_with_options("memory:", clock, options, &engine, &err), err);
  EXPECT_OK(boka_principal_system(&sys, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"acme\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_create_resource(engine, sys, tenant, "{\"name\": \"Room\", \"zone\": \"UTC\"}",
                                 &doc, &err),
            err);
  room = json_int(doc, "id");
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"allocations\":[{\"resource\":%lld}],\"start\":\"2026-01-07T09:00:00Z\","
           "\"end\":\"2026-01-07T10:00:00Z\"}",
           (long long)room);
  EXPECT_OK(boka_reserve_json(engine, sys, tenant, req, &doc, NULL, &err), err);
  reservation = json_int(doc, "id");
  boka_free(doc);

  EXPECT_OK(boka_manage_link_issue(engine, sys, tenant, reservation, &doc, &err), err);
  token_of(doc, token, sizeof token);
  CHECK(strstr(token, "bokm_") == token);
  CHECK(json_int(doc, "reservation") == reservation);
  boka_free(doc);
  EXPECT_OK(boka_manage_link_resolve(engine, token, &doc, &err), err);
  CHECK(json_int(doc, "reservation") == reservation);
  CHECK(json_int(doc, "tenant") == tenant);
  boka_free(doc);
  EXPECT_OK(boka_manage_link_revoke(engine, sys, tenant, reservation, &doc, &err), err);
  token_of(doc, renewed, sizeof renewed);
  CHECK(json_int(doc, "generation") == 1);
  CHECK(strcmp(renewed, token) != 0);
  boka_free(doc);
  EXPECT_ERROR(boka_manage_link_resolve(engine, token, &doc, &err), err, BOKA_UNAUTHENTICATED,
               "invalid or revoked manage link");
  CHECK(doc == NULL);
  EXPECT_OK(boka_manage_link_resolve(engine, renewed, &doc, &err), err);
  boka_free(doc);
  EXPECT_ERROR(boka_manage_link_resolve(engine, NULL, &doc, &err), err, BOKA_INVALID_ARGUMENT,
               "token");
  EXPECT_ERROR(boka_manage_link_issue(engine, sys, tenant, reservation + 100, &doc, &err), err,
               BOKA_NOT_FOUND, "not found");
  boka_principal_destroy(sys);
  boka_engine_destroy(engine);
  boka_clock_destroy(clock);
}

TEST(mail_and_payments) {
  char* err = NULL;
  char* doc = NULL;
  boka_engine* engine = NULL;
  boka_principal* sys = NULL;
  boka_clock* clock = NULL;
  int64_t tenant, chair, service, customer, reservation, email;
  char req[1024];
  const char* options =
      "{\"auth\": {\"encryption_key\": "
      "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}, "
      "\"mail\": {\"smtp_url\": \"smtp://127.0.0.1:1\", \"security\": \"none\", "
      "\"from_address\": \"bookings@boka.test\"}}";
  const char* body = "{\"id\":\"evt_c\",\"type\":\"payment_intent.succeeded\",\"data\":{}}";
  EXPECT_OK(boka_clock_create(kMonday + 8 * HOUR, &clock, &err), err);
  EXPECT_OK(boka_engine_open_with_options("memory:", clock, options, &engine, &err), err);
  EXPECT_OK(boka_principal_system(&sys, &err), err);
  EXPECT_OK(boka_create_tenant(engine, sys, "{\"name\": \"Salon\"}", &doc, &err), err);
  tenant = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_create_resource(engine, sys, tenant,
                                 "{\"name\": \"Chair\", \"zone\": \"Europe/Berlin\"}", &doc, &err),
            err);
  chair = json_int(doc, "id");
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"name\":\"Schnitt\",\"duration\":3600,\"allocations\":[{\"resource\":%lld}],"
           "\"price_minor\":3000,\"currency\":\"EUR\"}",
           (long long)chair);
  EXPECT_OK(boka_service_create(engine, sys, tenant, req, &doc, &err), err);
  service = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_customer_create(engine, sys, tenant,
                                 "{\"display_name\": \"Ana\", \"email\": \"ana@x.test\", "
                                 "\"locale\": \"de\", \"time_zone\": \"Europe/Berlin\"}",
                                 &doc, &err),
            err);
  customer = json_int(doc, "id");
  boka_free(doc);

  /* Mail: defaults, a refused template, on; a preview in German; a round against an SMTP
   * server that is down leaves the message pending with its error. */
  EXPECT_OK(boka_mail_settings(engine, sys, tenant, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"enabled\":false");
  CHECK_CONTAINS(doc, "\"version\":0");
  boka_free(doc);
  EXPECT_ERROR(boka_mail_update_settings(
                   engine, sys, tenant,
                   "{\"enabled\": true, \"kinds\": [\"confirmation\"], \"from_name\": \"\", "
                   "\"reply_to\": \"\", \"locale\": \"en\", \"time_zone\": \"\", "
                   "\"reminder_lead\": 86400, \"templates\": [{\"kind\": \"confirmation\", "
                   "\"subject\": \"x\", \"text\": \"{{nope}}\"}], \"version\": 0}",
                   &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "templates[0].text: unknown variable \"nope\"");
  EXPECT_OK(boka_mail_update_settings(
                engine, sys, tenant,
                "{\"enabled\": true, \"kinds\": [\"confirmation\"], \"from_name\": \"\", "
                "\"reply_to\": \"\", \"locale\": \"en\", \"time_zone\": \"\", "
                "\"reminder_lead\": 86400, \"templates\": [], \"version\": 0}",
                &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"version\":1");
  boka_free(doc);
  snprintf(req, sizeof req,
           "{\"service\":%lld,\"start\":\"2026-01-06T09:00:00Z\",\"customer_id\":%lld}",
           (long long)service, (long long)customer);
  EXPECT_OK(boka_reserve_json(engine, sys, tenant, req, &doc, NULL, &err), err);
  reservation = json_int(doc, "id");
  CHECK_CONTAINS(doc, "\"payment_status\":\"none\"");
  boka_free(doc);
  EXPECT_OK(boka_mail_preview(engine, sys, tenant, "confirmation", reservation, NULL, &doc, &err),
            err);
  CHECK_CONTAINS(doc, "Dienstag, 6. Januar 2026");
  CHECK_CONTAINS(doc, "\"to\":\"ana@x.test\"");
  boka_free(doc);
  EXPECT_ERROR(boka_mail_preview(engine, sys, tenant, "thanks", reservation, NULL, &doc, &err), err,
               BOKA_INVALID_ARGUMENT, "kind");
  EXPECT_OK(boka_mail_send(engine, sys, 10, &doc, &err), err);
  CHECK_CONTAINS(doc, "\"written\":1");
  CHECK_CONTAINS(doc, "\"failed\":1");
  boka_free(doc);
  EXPECT_OK(boka_mail_list(engine, sys, tenant, "{\"status\": \"pending\"}", &doc, &err), err);
  CHECK_CONTAINS(doc, "\"kind\":\"confirmation\"");
  CHECK_CONTAINS(doc, "\"attempts\":1");
  email = json_int(doc, "id");
  boka_free(doc);
  EXPECT_OK(boka_mail_content(engine, sys, tenant, email, &doc, &err), err);
  CHECK_CONTAINS(doc, "BEGIN:VCALENDAR");
  boka_free(doc);
  EXPECT_ERROR(boka_mail_retry(engine, sys, tenant, email, NULL, &err), err, BOKA_CONFLICT,
               "only a dead or skipped one is retried");

  /* Payments: a secret is required; a forged notification is refused; staff record one. */
  EXPECT_ERROR(boka_payments_update_settings(
                   engine, sys, tenant,
                   "{\"enabled\": true, \"payment_window\": 1800, \"tolerance\": 300, "
                   "\"version\": 0}",
                   NULL, &doc, &err),
               err, BOKA_INVALID_ARGUMENT, "signing_secret");
  EXPECT_OK(boka_payments_update_settings(
                engine, sys, tenant,
                "{\"enabled\": true, \"payment_window\": 1800, \"tolerance\": 300, "
                "\"version\": 0}",
                "whsec_c_0123456789abcdef0123456789", &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"has_secret\":true");
  CHECK(strstr(doc, "whsec_c_") == NULL);
  boka_free(doc);
  EXPECT_ERROR(
      boka_payments_notification(engine, tenant, "t=1,v1=00", body, strlen(body), &doc, &err), err,
      BOKA_PERMISSION_DENIED, "signature");
  snprintf(req, sizeof req, "{\"service\":%lld,\"start\":\"2026-01-07T09:00:00Z\"}",
           (long long)service);
  EXPECT_OK(boka_reserve_json(engine, sys, tenant, req, &doc, NULL, &err), err);
  reservation = json_int(doc, "id");
  CHECK_CONTAINS(doc, "\"payment_status\":\"pending\"");
  boka_free(doc);
  EXPECT_OK(boka_payments_record(engine, sys, tenant, reservation, "paid", "cash", &doc, &err),
            err);
  CHECK_CONTAINS(doc, "\"payment_status\":\"paid\"");
  CHECK_CONTAINS(doc, "\"payment_reference\":\"cash\"");
  boka_free(doc);
  EXPECT_ERROR(boka_payments_record(engine, sys, tenant, reservation, "paid", NULL, &doc, &err),
               err, BOKA_CONFLICT, "cannot become paid");
  boka_principal_destroy(sys);
  boka_engine_destroy(engine);
  boka_clock_destroy(clock);
}

typedef struct named_test {
  const char* name;
  test_fn fn;
} named_test;

#define ENTRY(name) \
  { #name, name }
static const named_test tests[] = {
    ENTRY(version_and_code_names),
    ENTRY(parse_time),
    ENTRY(quickstart_flow_memory),
    ENTRY(quickstart_flow_sqlite),
    ENTRY(null_arguments),
    ENTRY(bad_json_documents),
    ENTRY(unknown_ids),
    ENTRY(conflicts_and_state_errors),
    ENTRY(resources_round_trip),
    ENTRY(schedules_and_pools_round_trip),
    ENTRY(holds_clock_and_lifecycle),
    ENTRY(explain_and_check_slot),
    ENTRY(storage_info_and_open_errors),
    ENTRY(audit_records_and_verification),
    ENTRY(metrics_health_and_stats),
    ENTRY(read_only_mode),
    ENTRY(backup_verify_restore),
    ENTRY(auth_login_mfa_and_api_keys),
    ENTRY(availability_pages),
    ENTRY(auth_sessions_and_security_reports),
    ENTRY(auth_mfa_stats_and_key_rotation),
    ENTRY(series_book_refuse_skip_and_check),
    ENTRY(series_idempotency_confirm_and_reads),
    ENTRY(series_cancel_and_reschedule_by_scope),
    ENTRY(series_bad_rules_store_nothing),
    ENTRY(waitlist_join_offer_accept),
    ENTRY(waitlist_sweep_lapse_and_offer_window),
    ENTRY(waitlist_bad_requests_and_join_when_free),
    ENTRY(services_round_trip_and_booking),
    ENTRY(customers_round_trip_merge_export_erase),
    ENTRY(booking_rules_cutoffs_limits_and_guards),
    ENTRY(update_reservation_and_sorted_listing),
    ENTRY(events_webhooks_and_feeds),
    ENTRY(mail_and_payments),
    ENTRY(manage_links),
};
#define TEST_COUNT (sizeof tests / sizeof tests[0])

static int run(const named_test* t) {
  const int before = failures;
  t->fn();
  printf("%s %s\n", failures == before ? "PASS" : "FAIL", t->name);
  return failures == before;
}

int main(int argc, char** argv) {
  size_t i;
  int a;
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < TEST_COUNT; ++i) printf("%s\n", tests[i].name);
    return 0;
  }
  if (argc == 1) {
    for (i = 0; i < TEST_COUNT; ++i) run(&tests[i]);
  }
  for (a = 1; a < argc; ++a) {
    int found = 0;
    for (i = 0; i < TEST_COUNT; ++i) {
      if (strcmp(argv[a], tests[i].name) == 0) {
        run(&tests[i]);
        found = 1;
      }
    }
    if (!found) {
      fprintf(stderr, "no test named %s\n", argv[a]);
      return 2;
    }
  }
  return failures == 0 ? 0 : 1;
}
