// The C ABI (include/boka/boka.h): opaque handles that hold one C++ object each, one
// boundary function (guarded) that turns a Status or an exception into a code and a
// malloc'd message, and per call: check the handles, convert, one engine call, map the
// result. JSON documents go through the codec (src/codec/json_codec.hpp).
#include "boka/boka.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "boka/boka.hpp"
#include "json_codec.hpp"

// The documents are the shells' codec (bindings/codec).
namespace boka {
namespace c_api = codec;
}

struct boka_engine {
  std::unique_ptr<boka::Engine> engine;
};
struct boka_principal {
  boka::Principal principal;
};
struct boka_clock {
  std::shared_ptr<boka::ManualClock> clock;
};

namespace {

using boka::Code;
using boka::Result;
using boka::Status;
using boka::c_api::Json;
using boka::c_api::Mode;

static_assert(BOKA_OK == static_cast<int>(Code::ok));
static_assert(BOKA_INVALID_ARGUMENT == static_cast<int>(Code::invalid_argument));
static_assert(BOKA_NOT_FOUND == static_cast<int>(Code::not_found));
static_assert(BOKA_ALREADY_EXISTS == static_cast<int>(Code::already_exists));
static_assert(BOKA_CONFLICT == static_cast<int>(Code::conflict));
static_assert(BOKA_UNAUTHENTICATED == static_cast<int>(Code::unauthenticated));
static_assert(BOKA_PERMISSION_DENIED == static_cast<int>(Code::permission_denied));
static_assert(BOKA_RATE_LIMITED == static_cast<int>(Code::rate_limited));
static_assert(BOKA_UNAVAILABLE == static_cast<int>(Code::unavailable));
static_assert(BOKA_STORAGE == static_cast<int>(Code::storage));
static_assert(BOKA_INTERNAL == static_cast<int>(Code::internal));
static_assert(BOKA_NOT_SUPPORTED == static_cast<int>(Code::not_supported));
constexpr int kLastCode = BOKA_NOT_SUPPORTED;

// malloc'd copy, freed by the caller with boka_free. nullptr if out of memory.
char* copy_string(std::string_view s) noexcept {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p != nullptr) {
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
  }
  return p;
}

int report(Code code, const char* message, char** errmsg) noexcept {
  if (errmsg != nullptr) *errmsg = code == Code::ok ? nullptr : copy_string(message);
  return static_cast<int>(code);
}

// The boundary: runs `body` (which returns a Status) and maps its outcome onto a code and
// *errmsg. Nothing thrown inside (bad input documents, out of memory, a bug) gets past here.
template <typename Body>
int guarded(char** errmsg, Body&& body) noexcept {
  if (errmsg != nullptr) *errmsg = nullptr;
  try {
    const Status st = body();
    return report(st.code(), st.message().c_str(), errmsg);
  } catch (const boka::c_api::InputError& e) {
    return report(e.code(), e.what(), errmsg);
  } catch (const std::bad_alloc&) {
    return report(Code::internal, "out of memory", errmsg);
  } catch (const std::exception& e) {
    return report(Code::internal, e.what(), errmsg);
  } catch (...) {
    return report(Code::internal, "unknown exception", errmsg);
  }
}

Status not_null(const void* p, const char* name) {
  if (p != nullptr) return Status();
  return boka::InvalidArgument(std::string(name) + ": is NULL");
}

Status check_handles(const boka_engine* engine, const boka_principal* who) {
  BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
  return not_null(who, "who");
}

// Writes the document to *out (when the caller asked for it).
Status emit(const Json& doc, char** out) {
  if (out == nullptr) return Status();
  *out = copy_string(boka::c_api::dump(doc));
  if (*out == nullptr) throw std::bad_alloc();
  return Status();
}

template <typename T>
Status emit(const Result<T>& r, char** out) {
  if (!r.ok()) return r.status();
  if (out == nullptr) return Status();  // the caller did not ask: no document to build
  return emit(boka::c_api::to_json(*r), out);
}

void clear_output(char** out) {
  if (out != nullptr) *out = nullptr;
}

void reset(boka_conflict* c) {
  if (c != nullptr) *c = boka_conflict{0, 0, 0, nullptr};
}

// Copies a refusal's ConflictInfo into *c. Out of memory for the id list leaves it empty
// rather than turning a refusal into a different error.
void fill_conflict(const Status& st, boka_conflict* c) {
  const boka::ConflictInfo* info = st.conflict();
  if (c == nullptr || info == nullptr) return;
  if (info->next_free_start) {
    c->has_next_free_start = 1;
    c->next_free_start = boka::to_unix(*info->next_free_start);
  }
  const auto& ids = info->blocking_reservation_ids;
  if (!ids.empty()) {
    c->blocking_ids = static_cast<int64_t*>(std::malloc(ids.size() * sizeof(int64_t)));
    if (c->blocking_ids != nullptr) {
      std::memcpy(c->blocking_ids, ids.data(), ids.size() * sizeof(int64_t));
      c->blocking_count = ids.size();
    }
  }
}

// Writes a refusal's ConflictInfo as its Conflict document to *out (when asked and when the
// refusal has one). Out of memory leaves it NULL rather than changing the refusal's code.
void emit_conflict(const Status& st, char** out) {
  const boka::ConflictInfo* info = st.conflict();
  if (out == nullptr || info == nullptr) return;
  try {
    *out = copy_string(boka::c_api::dump(boka::c_api::to_json(*info)));
  } catch (const std::exception&) {
    *out = nullptr;
  }
}

Result<boka::Seconds> span(int64_t start, int64_t end) {
  const boka::Instant s = boka::c_api::checked_instant(start, "start");
  const boka::Instant e = boka::c_api::checked_instant(end, "end");
  if (e <= s) {
    return boka::InvalidArgument("end (" + boka::format_utc(e) + ") must be after start (" +
                                 boka::format_utc(s) + ")");
  }
  return e - s;
}

// The calls that move one reservation through its states share one shape.
using Transition = Result<boka::Reservation> (boka::Engine::*)(const boka::Principal&,
                                                               boka::TenantId, boka::ReservationId,
                                                               std::optional<std::int64_t>);

int transition(Transition call, boka_engine* engine, const boka_principal* who, int64_t tenant,
               int64_t id, int64_t if_version, char** reservation_json, char** errmsg) {
  clear_output(reservation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    std::optional<std::int64_t> guard;
    if (if_version != BOKA_ANY_VERSION) guard = if_version;
    return emit(((*engine->engine).*call)(who->principal, boka::TenantId{tenant},
                                          boka::ReservationId{id}, guard),
                reservation_json);
  });
}

// Hands the principal of a grant to the caller (when asked), after the document is written.
Status emit_principal(const boka::Principal& p, boka_principal** out) {
  if (out != nullptr) *out = new boka_principal{p};
  return Status();
}

void clear_principal(boka_principal** out) {
  if (out != nullptr) *out = nullptr;
}

std::string text_or_empty(const char* s) { return s == nullptr ? std::string() : std::string(s); }

// A Change guard document, or no guard for NULL.
boka::ChangeGuard guard_from(const char* guard_json) {
  if (guard_json == nullptr) return {};
  return boka::c_api::change_guard_from_json(boka::c_api::parse(guard_json, "guard_json"));
}

}  // namespace

extern "C" {

// --- Library ---------------------------------------------------------------------------

const char* boka_version(void) { return boka::version_string(); }

const char* boka_code_name(int code) {
  if (code < 0 || code > kLastCode) return "unknown";
  return boka::code_name(static_cast<Code>(code));
}

void boka_free(void* p) { std::free(p); }

int boka_parse_time(const char* text, int64_t* unix_seconds, char** errmsg) {
  if (unix_seconds != nullptr) *unix_seconds = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(text, "text"));
    BOKA_RETURN_IF_ERROR(not_null(unix_seconds, "unix_seconds"));
    *unix_seconds = boka::to_unix(boka::c_api::parse_time(text, "text"));
    return Status();
  });
}

void boka_conflict_clear(boka_conflict* conflict) {
  if (conflict == nullptr) return;
  std::free(conflict->blocking_ids);
  reset(conflict);
}

// --- Principals ------------------------------------------------------------------------

int boka_principal_system(boka_principal** out, char** errmsg) {
  if (out != nullptr) *out = nullptr;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(out, "out"));
    *out = new boka_principal{boka::Principal::system()};
    return Status();
  });
}

void boka_principal_destroy(boka_principal* principal) { delete principal; }

// --- Clocks ----------------------------------------------------------------------------

int boka_clock_create(int64_t now, boka_clock** out, char** errmsg) {
  if (out != nullptr) *out = nullptr;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(out, "out"));
    const boka::Instant start = boka::c_api::checked_instant(now, "now");
    *out = new boka_clock{std::make_shared<boka::ManualClock>(start)};
    return Status();
  });
}

void boka_clock_destroy(boka_clock* clock) { delete clock; }

int64_t boka_clock_now(const boka_clock* clock) {
  return clock == nullptr ? 0 : boka::to_unix(clock->clock->now());
}

void boka_clock_set(boka_clock* clock, int64_t now) {
  if (clock == nullptr) return;
  clock->clock->set(
      boka::from_unix(std::clamp(now, boka::shell::kMinInstant, boka::shell::kMaxInstant)));
}

void boka_clock_advance(boka_clock* clock, int64_t seconds) {
  if (clock == nullptr) return;
  const int64_t now = boka::to_unix(clock->clock->now());
  clock->clock->advance(boka::Seconds(
      std::clamp(seconds, boka::shell::kMinInstant - now, boka::shell::kMaxInstant - now)));
}

// --- Engines ---------------------------------------------------------------------------

int boka_engine_open_with_options(const char* uri, const boka_clock* clock,
                                  const char* options_json, boka_engine** out, char** errmsg) {
  if (out != nullptr) *out = nullptr;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(uri, "uri"));
    BOKA_RETURN_IF_ERROR(not_null(out, "out"));
    boka::EngineOptions options;
    if (clock != nullptr) options.clock = clock->clock;
    if (options_json != nullptr) {
      boka::c_api::engine_options_from_json(boka::c_api::parse(options_json, "options_json"),
                                            options);
    }
    auto opened = boka::Engine::open(uri, std::move(options));
    if (!opened.ok()) return opened.status();
    *out = new boka_engine{std::move(opened).value()};
    return Status();
  });
}

int boka_engine_open_with_clock(const char* uri, const boka_clock* clock, boka_engine** out,
                                char** errmsg) {
  return boka_engine_open_with_options(uri, clock, nullptr, out, errmsg);
}

int boka_engine_open(const char* uri, boka_engine** out, char** errmsg) {
  return boka_engine_open_with_clock(uri, nullptr, out, errmsg);
}

void boka_engine_destroy(boka_engine* engine) { delete engine; }

int boka_ops_storage_info(boka_engine* engine, char** info_json, char** errmsg) {
  clear_output(info_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(info_json, "info_json"));
    return emit(boka::c_api::to_json(engine->engine->operations().storage_info()), info_json);
  });
}

// --- Tenants ---------------------------------------------------------------------------

int boka_create_tenant(boka_engine* engine, const boka_principal* who, const char* spec_json,
                       char** tenant_json, char** errmsg) {
  clear_output(tenant_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::tenant_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->create_tenant(who->principal, spec), tenant_json);
  });
}

int boka_get_tenant(boka_engine* engine, const boka_principal* who, int64_t id, char** tenant_json,
                    char** errmsg) {
  clear_output(tenant_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(tenant_json, "tenant_json"));
    return emit(engine->engine->get_tenant(who->principal, boka::TenantId{id}), tenant_json);
  });
}

int boka_list_tenants(boka_engine* engine, const boka_principal* who, char** tenants_json,
                      char** errmsg) {
  clear_output(tenants_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(tenants_json, "tenants_json"));
    return emit(engine->engine->list_tenants(who->principal), tenants_json);
  });
}

int boka_update_tenant(boka_engine* engine, const boka_principal* who, const char* tenant_json_in,
                       char** tenant_json, char** errmsg) {
  clear_output(tenant_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto tenant = boka::c_api::tenant_from_json(
        boka::c_api::parse(tenant_json_in, "tenant_json_in"), Mode::update);
    return emit(engine->engine->update_tenant(who->principal, tenant), tenant_json);
  });
}

int boka_archive_tenant(boka_engine* engine, const boka_principal* who, int64_t id,
                        char** tenant_json, char** errmsg) {
  clear_output(tenant_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->archive_tenant(who->principal, boka::TenantId{id}), tenant_json);
  });
}

int boka_update_tenant_rules(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             const char* rules_json, int64_t expected_version, char** tenant_json,
                             char** errmsg) {
  clear_output(tenant_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto rules = boka::c_api::tenant_rules_from_json(boka::c_api::parse(rules_json, "rules_json"));
    return emit(engine->engine->update_tenant_rules(who->principal, boka::TenantId{tenant}, rules,
                                                    expected_version),
                tenant_json);
  });
}

// --- Resources -------------------------------------------------------------------------

int boka_create_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* spec_json, char** resource_json, char** errmsg) {
  clear_output(resource_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::resource_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->create_resource(who->principal, boka::TenantId{tenant}, spec),
                resource_json);
  });
}

int boka_get_resource(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      char** resource_json, char** errmsg) {
  clear_output(resource_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(resource_json, "resource_json"));
    return emit(
        engine->engine->get_resource(who->principal, boka::TenantId{tenant}, boka::ResourceId{id}),
        resource_json);
  });
}

int boka_list_resources(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        int include_archived, char** resources_json, char** errmsg) {
  clear_output(resources_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(resources_json, "resources_json"));
    return emit(engine->engine->list_resources(who->principal, boka::TenantId{tenant},
                                               include_archived != 0),
                resources_json);
  });
}

int boka_update_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* resource_json_in, char** resource_json, char** errmsg) {
  clear_output(resource_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto resource = boka::c_api::resource_from_json(
        boka::c_api::parse(resource_json_in, "resource_json_in"), Mode::update);
    return emit(engine->engine->update_resource(who->principal, boka::TenantId{tenant}, resource),
                resource_json);
  });
}

int boka_archive_resource(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t id, char** resource_json, char** errmsg) {
  clear_output(resource_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->archive_resource(who->principal, boka::TenantId{tenant},
                                                 boka::ResourceId{id}),
                resource_json);
  });
}

// --- Schedules -------------------------------------------------------------------------

int boka_create_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* spec_json, char** schedule_json, char** errmsg) {
  clear_output(schedule_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::schedule_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->create_schedule(who->principal, boka::TenantId{tenant}, spec),
                schedule_json);
  });
}

int boka_get_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      char** schedule_json, char** errmsg) {
  clear_output(schedule_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(schedule_json, "schedule_json"));
    return emit(
        engine->engine->get_schedule(who->principal, boka::TenantId{tenant}, boka::ScheduleId{id}),
        schedule_json);
  });
}

int boka_list_schedules(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        int include_archived, char** schedules_json, char** errmsg) {
  clear_output(schedules_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(schedules_json, "schedules_json"));
    return emit(engine->engine->list_schedules(who->principal, boka::TenantId{tenant},
                                               include_archived != 0),
                schedules_json);
  });
}

int boka_update_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* schedule_json_in, char** schedule_json, char** errmsg) {
  clear_output(schedule_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto schedule = boka::c_api::schedule_from_json(
        boka::c_api::parse(schedule_json_in, "schedule_json_in"), Mode::update);
    return emit(engine->engine->update_schedule(who->principal, boka::TenantId{tenant}, schedule),
                schedule_json);
  });
}

int boka_archive_schedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t id, char** schedule_json, char** errmsg) {
  clear_output(schedule_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->archive_schedule(who->principal, boka::TenantId{tenant},
                                                 boka::ScheduleId{id}),
                schedule_json);
  });
}

// --- Pools -----------------------------------------------------------------------------

int boka_create_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     const char* spec_json, char** pool_json, char** errmsg) {
  clear_output(pool_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::pool_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->create_pool(who->principal, boka::TenantId{tenant}, spec),
                pool_json);
  });
}

int boka_get_pool(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                  char** pool_json, char** errmsg) {
  clear_output(pool_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(pool_json, "pool_json"));
    return emit(engine->engine->get_pool(who->principal, boka::TenantId{tenant}, boka::PoolId{id}),
                pool_json);
  });
}

int boka_list_pools(boka_engine* engine, const boka_principal* who, int64_t tenant,
                    int include_archived, char** pools_json, char** errmsg) {
  clear_output(pools_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(pools_json, "pools_json"));
    return emit(
        engine->engine->list_pools(who->principal, boka::TenantId{tenant}, include_archived != 0),
        pools_json);
  });
}

int boka_update_pool(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     const char* pool_json_in, char** pool_json, char** errmsg) {
  clear_output(pool_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto pool =
        boka::c_api::pool_from_json(boka::c_api::parse(pool_json_in, "pool_json_in"), Mode::update);
    return emit(engine->engine->update_pool(who->principal, boka::TenantId{tenant}, pool),
                pool_json);
  });
}

int boka_archive_pool(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      char** pool_json, char** errmsg) {
  clear_output(pool_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(
        engine->engine->archive_pool(who->principal, boka::TenantId{tenant}, boka::PoolId{id}),
        pool_json);
  });
}

// --- Availability ----------------------------------------------------------------------

int boka_availability(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      const char* query_json, char** slots_json, char** errmsg) {
  clear_output(slots_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(slots_json, "slots_json"));
    auto query = boka::c_api::query_from_json(boka::c_api::parse(query_json, "query_json"));
    return emit(engine->engine->availability(who->principal, boka::TenantId{tenant}, query),
                slots_json);
  });
}

int boka_availability_page(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           const char* query_json, char** page_json, char** errmsg) {
  clear_output(page_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(page_json, "page_json"));
    auto query = boka::c_api::query_from_json(boka::c_api::parse(query_json, "query_json"));
    return emit(engine->engine->availability_page(who->principal, boka::TenantId{tenant}, query),
                page_json);
  });
}

int boka_explain(boka_engine* engine, const boka_principal* who, int64_t tenant,
                 const char* request_json, char** explanation_json, char** errmsg) {
  clear_output(explanation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(explanation_json, "explanation_json"));
    auto req =
        boka::c_api::explain_request_from_json(boka::c_api::parse(request_json, "request_json"));
    return emit(engine->engine->explain(who->principal, boka::TenantId{tenant}, req.requests,
                                        req.start, req.duration),
                explanation_json);
  });
}

int boka_check_slot(boka_engine* engine, const boka_principal* who, int64_t tenant,
                    int64_t resource, int64_t start, int64_t end, int quantity, int* available,
                    char** errmsg) {
  if (available != nullptr) *available = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(available, "available"));
    BOKA_ASSIGN_OR_RETURN(const boka::Seconds duration, span(start, end));
    auto why = engine->engine->explain(
        who->principal, boka::TenantId{tenant},
        {boka::AllocationRequest::of_resource(boka::ResourceId{resource}, quantity)},
        boka::from_unix(start), duration);
    if (!why.ok()) return why.status();
    *available = why->available ? 1 : 0;
    return Status();
  });
}

// --- Reservations ----------------------------------------------------------------------

int boka_reserve(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t resource,
                 int64_t start, int64_t end, int quantity, int64_t* reservation_id,
                 boka_conflict* conflict, char** errmsg) {
  if (reservation_id != nullptr) *reservation_id = 0;
  reset(conflict);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    boka::ReserveRequest req;
    req.allocations = {boka::AllocationRequest::of_resource(boka::ResourceId{resource}, quantity)};
    req.start = boka::c_api::checked_instant(start, "start");
    req.end = boka::c_api::checked_instant(end, "end");
    auto booked = engine->engine->reserve(who->principal, boka::TenantId{tenant}, req);
    if (!booked.ok()) {
      fill_conflict(booked.status(), conflict);
      return booked.status();
    }
    if (reservation_id != nullptr) *reservation_id = booked->id;
    return Status();
  });
}

int boka_reserve_json(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      const char* request_json, char** reservation_json, boka_conflict* conflict,
                      char** errmsg) {
  clear_output(reservation_json);
  reset(conflict);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto req =
        boka::c_api::reserve_request_from_json(boka::c_api::parse(request_json, "request_json"));
    auto booked = engine->engine->reserve(who->principal, boka::TenantId{tenant}, req);
    if (!booked.ok()) fill_conflict(booked.status(), conflict);
    return emit(booked, reservation_json);
  });
}

int boka_reserve_with_conflict(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* request_json, char** reservation_json,
                               char** conflict_json, char** errmsg) {
  clear_output(reservation_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto req =
        boka::c_api::reserve_request_from_json(boka::c_api::parse(request_json, "request_json"));
    auto booked = engine->engine->reserve(who->principal, boka::TenantId{tenant}, req);
    if (!booked.ok()) emit_conflict(booked.status(), conflict_json);
    return emit(booked, reservation_json);
  });
}

int boka_confirm(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                 int64_t if_version, char** reservation_json, char** errmsg) {
  return transition(&boka::Engine::confirm, engine, who, tenant, id, if_version, reservation_json,
                    errmsg);
}

int boka_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                int64_t if_version, char** reservation_json, char** errmsg) {
  return transition(&boka::Engine::cancel, engine, who, tenant, id, if_version, reservation_json,
                    errmsg);
}

int boka_mark_completed(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                        int64_t if_version, char** reservation_json, char** errmsg) {
  return transition(&boka::Engine::mark_completed, engine, who, tenant, id, if_version,
                    reservation_json, errmsg);
}

int boka_mark_no_show(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      int64_t if_version, char** reservation_json, char** errmsg) {
  return transition(&boka::Engine::mark_no_show, engine, who, tenant, id, if_version,
                    reservation_json, errmsg);
}

int boka_reschedule(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                    int64_t new_start, int64_t new_end, int64_t if_version, char** reservation_json,
                    boka_conflict* conflict, char** errmsg) {
  clear_output(reservation_json);
  reset(conflict);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    std::optional<std::int64_t> guard;
    if (if_version != BOKA_ANY_VERSION) guard = if_version;
    auto moved =
        engine->engine->reschedule(who->principal, boka::TenantId{tenant}, boka::ReservationId{id},
                                   boka::c_api::checked_instant(new_start, "new_start"),
                                   boka::c_api::checked_instant(new_end, "new_end"), guard);
    if (!moved.ok()) fill_conflict(moved.status(), conflict);
    return emit(moved, reservation_json);
  });
}

int boka_cancel_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                        const char* guard_json, char** reservation_json, char** conflict_json,
                        char** errmsg) {
  clear_output(reservation_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    const boka::ChangeGuard guard = guard_from(guard_json);
    auto cancelled = engine->engine->cancel(who->principal, boka::TenantId{tenant},
                                            boka::ReservationId{id}, guard);
    if (!cancelled.ok()) emit_conflict(cancelled.status(), conflict_json);
    return emit(cancelled, reservation_json);
  });
}

int boka_reschedule_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t id, int64_t new_start, int64_t new_end, const char* guard_json,
                            char** reservation_json, char** conflict_json, char** errmsg) {
  clear_output(reservation_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    const boka::ChangeGuard guard = guard_from(guard_json);
    auto moved =
        engine->engine->reschedule(who->principal, boka::TenantId{tenant}, boka::ReservationId{id},
                                   boka::c_api::checked_instant(new_start, "new_start"),
                                   boka::c_api::checked_instant(new_end, "new_end"), guard);
    if (!moved.ok()) emit_conflict(moved.status(), conflict_json);
    return emit(moved, reservation_json);
  });
}

int boka_update_reservation(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t id, const char* update_json, char** reservation_json,
                            char** conflict_json, char** errmsg) {
  clear_output(reservation_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto update =
        boka::c_api::reservation_update_from_json(boka::c_api::parse(update_json, "update_json"));
    auto edited = engine->engine->update_reservation(who->principal, boka::TenantId{tenant},
                                                     boka::ReservationId{id}, update);
    if (!edited.ok()) emit_conflict(edited.status(), conflict_json);
    return emit(edited, reservation_json);
  });
}

int boka_get_reservation(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                         char** reservation_json, char** errmsg) {
  clear_output(reservation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(reservation_json, "reservation_json"));
    return emit(engine->engine->get_reservation(who->principal, boka::TenantId{tenant},
                                                boka::ReservationId{id}),
                reservation_json);
  });
}

int boka_list_reservations(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           const char* filter_json, char** reservations_json, char** errmsg) {
  clear_output(reservations_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(reservations_json, "reservations_json"));
    boka::ReservationFilter filter;
    if (filter_json != nullptr) {
      filter = boka::c_api::filter_from_json(boka::c_api::parse(filter_json, "filter_json"));
    }
    return emit(engine->engine->list_reservations(who->principal, boka::TenantId{tenant}, filter),
                reservations_json);
  });
}

int boka_expire_holds(boka_engine* engine, const boka_principal* who, int limit, int* expired,
                      char** errmsg) {
  if (expired != nullptr) *expired = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->expire_holds(who->principal, limit);
    if (!n.ok()) return n.status();
    if (expired != nullptr) *expired = *n;
    return Status();
  });
}

// --- Recurring series ------------------------------------------------------------------

int boka_series_book(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     const char* request_json, char** booking_json, char** conflict_json,
                     char** errmsg) {
  clear_output(booking_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto req =
        boka::c_api::series_request_from_json(boka::c_api::parse(request_json, "request_json"));
    auto booked = engine->engine->series().book(who->principal, boka::TenantId{tenant}, req);
    if (!booked.ok()) emit_conflict(booked.status(), conflict_json);
    return emit(booked, booking_json);
  });
}

int boka_series_check(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      const char* request_json, char** availability_json, char** errmsg) {
  clear_output(availability_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(availability_json, "availability_json"));
    auto req =
        boka::c_api::series_request_from_json(boka::c_api::parse(request_json, "request_json"));
    return emit(engine->engine->series().check(who->principal, boka::TenantId{tenant}, req),
                availability_json);
  });
}

int boka_series_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t series,
                    char** series_json, char** errmsg) {
  clear_output(series_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(series_json, "series_json"));
    return emit(engine->engine->series().get(who->principal, boka::TenantId{tenant},
                                             boka::SeriesId{series}),
                series_json);
  });
}

int boka_series_occurrences(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t series, char** reservations_json, char** errmsg) {
  clear_output(reservations_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(reservations_json, "reservations_json"));
    return emit(engine->engine->series().occurrences(who->principal, boka::TenantId{tenant},
                                                     boka::SeriesId{series}),
                reservations_json);
  });
}

int boka_series_confirm(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        int64_t series, char** reservations_json, char** errmsg) {
  clear_output(reservations_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->series().confirm(who->principal, boka::TenantId{tenant},
                                                 boka::SeriesId{series}),
                reservations_json);
  });
}

int boka_series_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant,
                       int64_t reservation, const char* scope, char** change_json, char** errmsg) {
  clear_output(change_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(scope, "scope"));
    const boka::SeriesScope s = boka::c_api::series_scope_from_text(scope, "scope");
    return emit(engine->engine->series().cancel(who->principal, boka::TenantId{tenant},
                                                boka::ReservationId{reservation}, s),
                change_json);
  });
}

int boka_series_reschedule(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t reservation, const char* scope, const char* reschedule_json,
                           char** change_json, char** conflict_json, char** errmsg) {
  clear_output(change_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(scope, "scope"));
    const boka::SeriesScope s = boka::c_api::series_scope_from_text(scope, "scope");
    auto change = boka::c_api::series_reschedule_from_json(
        boka::c_api::parse(reschedule_json, "reschedule_json"));
    auto moved = engine->engine->series().reschedule(who->principal, boka::TenantId{tenant},
                                                     boka::ReservationId{reservation}, s, change);
    if (!moved.ok()) emit_conflict(moved.status(), conflict_json);
    return emit(moved, change_json);
  });
}

int boka_series_cancel_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t reservation, const char* scope, const char* guard_json,
                               char** change_json, char** conflict_json, char** errmsg) {
  clear_output(change_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(scope, "scope"));
    const boka::SeriesScope s = boka::c_api::series_scope_from_text(scope, "scope");
    const boka::ChangeGuard guard = guard_from(guard_json);
    auto cancelled = engine->engine->series().cancel(who->principal, boka::TenantId{tenant},
                                                     boka::ReservationId{reservation}, s, guard);
    if (!cancelled.ok()) emit_conflict(cancelled.status(), conflict_json);
    return emit(cancelled, change_json);
  });
}

int boka_series_reschedule_guarded(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                   int64_t reservation, const char* scope,
                                   const char* reschedule_json, const char* guard_json,
                                   char** change_json, char** conflict_json, char** errmsg) {
  clear_output(change_json);
  clear_output(conflict_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(scope, "scope"));
    const boka::SeriesScope s = boka::c_api::series_scope_from_text(scope, "scope");
    auto change = boka::c_api::series_reschedule_from_json(
        boka::c_api::parse(reschedule_json, "reschedule_json"));
    const boka::ChangeGuard guard = guard_from(guard_json);
    auto moved = engine->engine->series().reschedule(
        who->principal, boka::TenantId{tenant}, boka::ReservationId{reservation}, s, change, guard);
    if (!moved.ok()) emit_conflict(moved.status(), conflict_json);
    return emit(moved, change_json);
  });
}

// --- Waitlist ----------------------------------------------------------------------------

int boka_waitlist_join(boka_engine* engine, const boka_principal* who, int64_t tenant,
                       const char* request_json, char** entry_json, char** errmsg) {
  clear_output(entry_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto req =
        boka::c_api::waitlist_request_from_json(boka::c_api::parse(request_json, "request_json"));
    return emit(engine->engine->waitlist().join(who->principal, boka::TenantId{tenant}, req),
                entry_json);
  });
}

int boka_waitlist_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t entry,
                      char** position_json, char** errmsg) {
  clear_output(position_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(position_json, "position_json"));
    return emit(engine->engine->waitlist().get(who->principal, boka::TenantId{tenant},
                                               boka::WaitlistEntryId{entry}),
                position_json);
  });
}

int boka_waitlist_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                       const char* filter_json, char** entries_json, char** errmsg) {
  clear_output(entries_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(entries_json, "entries_json"));
    boka::WaitlistFilter filter;
    if (filter_json != nullptr) {
      filter =
          boka::c_api::waitlist_filter_from_json(boka::c_api::parse(filter_json, "filter_json"));
    }
    return emit(engine->engine->waitlist().list(who->principal, boka::TenantId{tenant}, filter),
                entries_json);
  });
}

int boka_waitlist_cancel(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         int64_t entry, char** entry_json, char** errmsg) {
  clear_output(entry_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->waitlist().cancel(who->principal, boka::TenantId{tenant},
                                                  boka::WaitlistEntryId{entry}),
                entry_json);
  });
}

int boka_waitlist_accept(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         int64_t entry, char** reservation_json, char** errmsg) {
  clear_output(reservation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->waitlist().accept(who->principal, boka::TenantId{tenant},
                                                  boka::WaitlistEntryId{entry}),
                reservation_json);
  });
}

int boka_waitlist_set_priority(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t entry, int priority, char** entry_json, char** errmsg) {
  clear_output(entry_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->waitlist().set_priority(who->principal, boka::TenantId{tenant},
                                                        boka::WaitlistEntryId{entry}, priority),
                entry_json);
  });
}

int boka_waitlist_sweep(boka_engine* engine, const boka_principal* who, int limit, int* changed,
                        char** errmsg) {
  if (changed != nullptr) *changed = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->waitlist().sweep(who->principal, limit);
    if (!n.ok()) return n.status();
    if (changed != nullptr) *changed = *n;
    return Status();
  });
}

// --- Services ----------------------------------------------------------------------------

int boka_service_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        const char* spec_json, char** service_json, char** errmsg) {
  clear_output(service_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::service_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->services().create(who->principal, boka::TenantId{tenant}, spec),
                service_json);
  });
}

int boka_service_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                     char** service_json, char** errmsg) {
  clear_output(service_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(service_json, "service_json"));
    return emit(
        engine->engine->services().get(who->principal, boka::TenantId{tenant}, boka::ServiceId{id}),
        service_json);
  });
}

int boka_service_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      int include_archived, char** services_json, char** errmsg) {
  clear_output(services_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(services_json, "services_json"));
    return emit(engine->engine->services().list(who->principal, boka::TenantId{tenant},
                                                include_archived != 0),
                services_json);
  });
}

int boka_service_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        const char* service_json_in, char** service_json, char** errmsg) {
  clear_output(service_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto service = boka::c_api::service_from_json(
        boka::c_api::parse(service_json_in, "service_json_in"), Mode::update);
    return emit(engine->engine->services().update(who->principal, boka::TenantId{tenant}, service),
                service_json);
  });
}

int boka_service_archive(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                         char** service_json, char** errmsg) {
  clear_output(service_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->services().archive(who->principal, boka::TenantId{tenant},
                                                   boka::ServiceId{id}),
                service_json);
  });
}

// --- Customers ---------------------------------------------------------------------------

int boka_customer_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* spec_json, char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec =
        boka::c_api::customer_from_json(boka::c_api::parse(spec_json, "spec_json"), Mode::create);
    return emit(engine->engine->customers().create(who->principal, boka::TenantId{tenant}, spec),
                customer_json);
  });
}

int boka_customer_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(customer_json, "customer_json"));
    return emit(engine->engine->customers().get(who->principal, boka::TenantId{tenant},
                                                boka::CustomerId{id}),
                customer_json);
  });
}

int boka_customer_get_by_user(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t user, char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(customer_json, "customer_json"));
    return emit(engine->engine->customers().get_by_user(who->principal, boka::TenantId{tenant},
                                                        boka::UserId{user}),
                customer_json);
  });
}

int boka_customer_get_by_email(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               const char* email, char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(email, "email"));
    BOKA_RETURN_IF_ERROR(not_null(customer_json, "customer_json"));
    return emit(
        engine->engine->customers().get_by_email(who->principal, boka::TenantId{tenant}, email),
        customer_json);
  });
}

int boka_customer_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                       const char* filter_json, char** customers_json, char** errmsg) {
  clear_output(customers_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(customers_json, "customers_json"));
    boka::CustomerFilter filter;
    if (filter_json != nullptr) {
      filter =
          boka::c_api::customer_filter_from_json(boka::c_api::parse(filter_json, "filter_json"));
    }
    return emit(engine->engine->customers().list(who->principal, boka::TenantId{tenant}, filter),
                customers_json);
  });
}

int boka_customer_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         const char* customer_json_in, char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto customer = boka::c_api::customer_from_json(
        boka::c_api::parse(customer_json_in, "customer_json_in"), Mode::update);
    return emit(
        engine->engine->customers().update(who->principal, boka::TenantId{tenant}, customer),
        customer_json);
  });
}

int boka_customer_bookings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t id, const char* filter_json, char** reservations_json,
                           char** errmsg) {
  clear_output(reservations_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(reservations_json, "reservations_json"));
    boka::ReservationFilter filter;
    if (filter_json != nullptr) {
      filter = boka::c_api::filter_from_json(boka::c_api::parse(filter_json, "filter_json"));
    }
    return emit(engine->engine->customers().bookings(who->principal, boka::TenantId{tenant},
                                                     boka::CustomerId{id}, filter),
                reservations_json);
  });
}

int boka_customer_merge(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        int64_t kept, int64_t absorbed, char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(
        engine->engine->customers().merge(who->principal, boka::TenantId{tenant},
                                          boka::CustomerId{kept}, boka::CustomerId{absorbed}),
        customer_json);
  });
}

int boka_customer_export(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                         char** export_json, char** errmsg) {
  clear_output(export_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(export_json, "export_json"));
    auto exported = engine->engine->customers().export_data(who->principal, boka::TenantId{tenant},
                                                            boka::CustomerId{id});
    if (!exported.ok()) return exported.status();
    // The engine's document as it wrote it: already JSON, handed over without re-encoding.
    *export_json = copy_string(*exported);
    if (*export_json == nullptr) throw std::bad_alloc();
    return Status();
  });
}

int boka_customer_erase(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                        char** customer_json, char** errmsg) {
  clear_output(customer_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->customers().erase(who->principal, boka::TenantId{tenant},
                                                  boka::CustomerId{id}),
                customer_json);
  });
}

// --- The event feed ------------------------------------------------------------------------

int boka_events_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     const char* query_json, char** page_json, char** errmsg) {
  clear_output(page_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(page_json, "page_json"));
    boka::EventQuery query;
    if (query_json != nullptr) {
      query = boka::c_api::event_query_from_json(boka::c_api::parse(query_json, "query_json"));
    }
    return emit(engine->engine->events().list(who->principal, boka::TenantId{tenant}, query),
                page_json);
  });
}

int boka_events_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                    char** event_json, char** errmsg) {
  clear_output(event_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(event_json, "event_json"));
    return emit(
        engine->engine->events().get(who->principal, boka::TenantId{tenant}, boka::EventId{id}),
        event_json);
  });
}

int boka_events_head(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     int64_t* position, char** errmsg) {
  if (position != nullptr) *position = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(position, "position"));
    auto head = engine->engine->events().head(who->principal, boka::TenantId{tenant});
    if (!head.ok()) return head.status();
    *position = *head;
    return Status();
  });
}

int boka_events_prune(boka_engine* engine, const boka_principal* who, int limit, int64_t* pruned,
                      char** errmsg) {
  if (pruned != nullptr) *pruned = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->events().prune(who->principal, limit);
    if (!n.ok()) return n.status();
    if (pruned != nullptr) *pruned = *n;
    return Status();
  });
}

// --- Webhooks --------------------------------------------------------------------------------

int boka_webhook_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        const char* endpoint_json, char** created_json, char** errmsg) {
  clear_output(created_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(created_json, "created_json"));
    auto spec = boka::c_api::from_json<boka::WebhookEndpoint>(
        boka::c_api::parse(endpoint_json, "endpoint_json"), "endpoint", Mode::create);
    return emit(
        engine->engine->webhooks().create_endpoint(who->principal, boka::TenantId{tenant}, spec),
        created_json);
  });
}

int boka_webhook_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                     char** endpoint_json, char** errmsg) {
  clear_output(endpoint_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(endpoint_json, "endpoint_json"));
    return emit(engine->engine->webhooks().get_endpoint(who->principal, boka::TenantId{tenant},
                                                        boka::WebhookEndpointId{id}),
                endpoint_json);
  });
}

int boka_webhook_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      char** endpoints_json, char** errmsg) {
  clear_output(endpoints_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(endpoints_json, "endpoints_json"));
    return emit(engine->engine->webhooks().list_endpoints(who->principal, boka::TenantId{tenant}),
                endpoints_json);
  });
}

int boka_webhook_update(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        const char* endpoint_json_in, char** endpoint_json, char** errmsg) {
  clear_output(endpoint_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto endpoint = boka::c_api::from_json<boka::WebhookEndpoint>(
        boka::c_api::parse(endpoint_json_in, "endpoint_json_in"), "endpoint", Mode::update);
    return emit(engine->engine->webhooks().update_endpoint(who->principal, boka::TenantId{tenant},
                                                           endpoint),
                endpoint_json);
  });
}

int boka_webhook_delete(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                        char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return engine->engine->webhooks().delete_endpoint(who->principal, boka::TenantId{tenant},
                                                      boka::WebhookEndpointId{id});
  });
}

int boka_webhook_rotate_secret(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t id, int64_t overlap_seconds, char** created_json,
                               char** errmsg) {
  clear_output(created_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(created_json, "created_json"));
    return emit(engine->engine->webhooks().rotate_secret(who->principal, boka::TenantId{tenant},
                                                         boka::WebhookEndpointId{id},
                                                         boka::Seconds{overlap_seconds}),
                created_json);
  });
}

int boka_webhook_deliveries(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            const char* filter_json, char** deliveries_json, char** errmsg) {
  clear_output(deliveries_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(deliveries_json, "deliveries_json"));
    boka::DeliveryFilter filter;
    if (filter_json != nullptr) {
      filter = boka::c_api::from_json<boka::DeliveryFilter>(
          boka::c_api::parse(filter_json, "filter_json"), "filter", Mode::create);
    }
    return emit(
        engine->engine->webhooks().list_deliveries(who->principal, boka::TenantId{tenant}, filter),
        deliveries_json);
  });
}

int boka_webhook_delivery_get(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t id, char** delivery_json, char** errmsg) {
  clear_output(delivery_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(delivery_json, "delivery_json"));
    return emit(engine->engine->webhooks().get_delivery(who->principal, boka::TenantId{tenant},
                                                        boka::WebhookDeliveryId{id}),
                delivery_json);
  });
}

int boka_webhook_attempts(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t delivery, char** attempts_json, char** errmsg) {
  clear_output(attempts_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(attempts_json, "attempts_json"));
    return emit(engine->engine->webhooks().list_attempts(who->principal, boka::TenantId{tenant},
                                                         boka::WebhookDeliveryId{delivery}),
                attempts_json);
  });
}

int boka_webhook_replay(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        int64_t endpoint, int64_t event, char** delivery_json, char** errmsg) {
  clear_output(delivery_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(
        engine->engine->webhooks().replay(who->principal, boka::TenantId{tenant},
                                          boka::WebhookEndpointId{endpoint}, boka::EventId{event}),
        delivery_json);
  });
}

int boka_webhook_replay_dead(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t endpoint, int* count, char** errmsg) {
  if (count != nullptr) *count = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->webhooks().replay_dead(who->principal, boka::TenantId{tenant},
                                                    boka::WebhookEndpointId{endpoint});
    if (!n.ok()) return n.status();
    if (count != nullptr) *count = *n;
    return Status();
  });
}

int boka_webhooks_deliver(boka_engine* engine, const boka_principal* who, int limit,
                          char** round_json, char** errmsg) {
  clear_output(round_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->webhooks().deliver(who->principal, limit), round_json);
  });
}

// --- Customer mail -------------------------------------------------------------------------

int boka_mail_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                       char** settings_json, char** errmsg) {
  clear_output(settings_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(settings_json, "settings_json"));
    return emit(engine->engine->mail().settings(who->principal, boka::TenantId{tenant}),
                settings_json);
  });
}

int boka_mail_update_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              const char* settings_json_in, char** settings_json, char** errmsg) {
  clear_output(settings_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto settings = boka::c_api::from_json<boka::MailSettings>(
        boka::c_api::parse(settings_json_in, "settings_json_in"), "settings", Mode::update);
    return emit(
        engine->engine->mail().update_settings(who->principal, boka::TenantId{tenant}, settings),
        settings_json);
  });
}

int boka_mail_preview(boka_engine* engine, const boka_principal* who, int64_t tenant,
                      const char* kind, int64_t reservation, const char* settings_json,
                      char** content_json, char** errmsg) {
  clear_output(content_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(kind, "kind"));
    BOKA_RETURN_IF_ERROR(not_null(content_json, "content_json"));
    const auto k = boka::c_api::detail::enum_from_json<boka::MailKind>(Json(kind), "kind");
    std::optional<boka::MailSettings> settings;
    if (settings_json != nullptr) {
      settings = boka::c_api::from_json<boka::MailSettings>(
          boka::c_api::parse(settings_json, "settings_json"), "settings", Mode::update);
    }
    return emit(engine->engine->mail().preview(who->principal, boka::TenantId{tenant}, k,
                                               boka::ReservationId{reservation}, settings),
                content_json);
  });
}

int boka_mail_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                   const char* filter_json, char** emails_json, char** errmsg) {
  clear_output(emails_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(emails_json, "emails_json"));
    boka::EmailFilter filter;
    if (filter_json != nullptr) {
      filter = boka::c_api::from_json<boka::EmailFilter>(
          boka::c_api::parse(filter_json, "filter_json"), "filter", Mode::create);
    }
    return emit(engine->engine->mail().list(who->principal, boka::TenantId{tenant}, filter),
                emails_json);
  });
}

int boka_mail_get(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                  char** email_json, char** errmsg) {
  clear_output(email_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(email_json, "email_json"));
    return emit(
        engine->engine->mail().get(who->principal, boka::TenantId{tenant}, boka::EmailId{id}),
        email_json);
  });
}

int boka_mail_content(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                      char** content_json, char** errmsg) {
  clear_output(content_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(content_json, "content_json"));
    return emit(
        engine->engine->mail().content(who->principal, boka::TenantId{tenant}, boka::EmailId{id}),
        content_json);
  });
}

int boka_mail_retry(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                    char** email_json, char** errmsg) {
  clear_output(email_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(
        engine->engine->mail().retry(who->principal, boka::TenantId{tenant}, boka::EmailId{id}),
        email_json);
  });
}

int boka_mail_send(boka_engine* engine, const boka_principal* who, int limit, char** round_json,
                   char** errmsg) {
  clear_output(round_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->mail().send(who->principal, limit), round_json);
  });
}

// --- Payments ------------------------------------------------------------------------------

int boka_payments_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           char** settings_json, char** errmsg) {
  clear_output(settings_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(settings_json, "settings_json"));
    return emit(engine->engine->payments().settings(who->principal, boka::TenantId{tenant}),
                settings_json);
  });
}

int boka_payments_update_settings(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                  const char* settings_json_in, const char* signing_secret,
                                  char** settings_json, char** errmsg) {
  clear_output(settings_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto settings = boka::c_api::from_json<boka::PaymentSettings>(
        boka::c_api::parse(settings_json_in, "settings_json_in"), "settings", Mode::update);
    std::optional<std::string> secret;
    if (signing_secret != nullptr) secret = std::string(signing_secret);
    return emit(engine->engine->payments().update_settings(who->principal, boka::TenantId{tenant},
                                                           settings, secret),
                settings_json);
  });
}

int boka_payments_notification(boka_engine* engine, int64_t tenant, const char* signature_header,
                               const char* body, size_t body_len, char** notice_json,
                               char** errmsg) {
  clear_output(notice_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(body, "body"));
    BOKA_RETURN_IF_ERROR(not_null(notice_json, "notice_json"));
    return emit(engine->engine->payments().handle_notification(
                    boka::TenantId{tenant}, signature_header != nullptr ? signature_header : "",
                    std::string_view(body, body_len)),
                notice_json);
  });
}

int boka_payments_record(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         int64_t reservation, const char* to, const char* reference,
                         char** reservation_json, char** errmsg) {
  clear_output(reservation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(to, "to"));
    const auto status = boka::c_api::detail::enum_from_json<boka::PaymentStatus>(Json(to), "to");
    return emit(engine->engine->payments().record(who->principal, boka::TenantId{tenant},
                                                  boka::ReservationId{reservation}, status,
                                                  reference != nullptr ? reference : ""),
                reservation_json);
  });
}

// --- Manage links --------------------------------------------------------------------------

int boka_manage_link_issue(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t reservation, char** link_json, char** errmsg) {
  clear_output(link_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(link_json, "link_json"));
    return emit(engine->engine->manage_links().issue(who->principal, boka::TenantId{tenant},
                                                     boka::ReservationId{reservation}),
                link_json);
  });
}

int boka_manage_link_resolve(boka_engine* engine, const char* token, char** link_json,
                             char** errmsg) {
  clear_output(link_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(token, "token"));
    BOKA_RETURN_IF_ERROR(not_null(link_json, "link_json"));
    return emit(engine->engine->manage_links().resolve(token), link_json);
  });
}

int boka_manage_link_revoke(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t reservation, char** link_json, char** errmsg) {
  clear_output(link_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->manage_links().revoke(who->principal, boka::TenantId{tenant},
                                                      boka::ReservationId{reservation}),
                link_json);
  });
}

// --- Calendar feeds ------------------------------------------------------------------------

int boka_feed_create(boka_engine* engine, const boka_principal* who, int64_t tenant,
                     const char* kind, int64_t subject, const char* name, char** created_json,
                     char** errmsg) {
  clear_output(created_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(kind, "kind"));
    BOKA_RETURN_IF_ERROR(not_null(created_json, "created_json"));
    const auto k = boka::c_api::detail::enum_from_json<boka::FeedKind>(Json(kind), "kind");
    return emit(engine->engine->feeds().create(who->principal, boka::TenantId{tenant}, k, subject,
                                               name != nullptr ? name : ""),
                created_json);
  });
}

int boka_feed_list(boka_engine* engine, const boka_principal* who, int64_t tenant,
                   char** feeds_json, char** errmsg) {
  clear_output(feeds_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(feeds_json, "feeds_json"));
    return emit(engine->engine->feeds().list(who->principal, boka::TenantId{tenant}), feeds_json);
  });
}

int boka_feed_revoke(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t id,
                     char** feed_json, char** errmsg) {
  clear_output(feed_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(
        engine->engine->feeds().revoke(who->principal, boka::TenantId{tenant}, boka::FeedId{id}),
        feed_json);
  });
}

int boka_feed_render(boka_engine* engine, const char* token, char** ics, char** errmsg) {
  clear_output(ics);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(token, "token"));
    BOKA_RETURN_IF_ERROR(not_null(ics, "ics"));
    auto text = engine->engine->feeds().render(token);
    if (!text.ok()) return text.status();
    *ics = copy_string(*text);
    if (*ics == nullptr) throw std::bad_alloc();
    return Status();
  });
}

// --- Authentication ----------------------------------------------------------------------

int boka_auth_create_user(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          const char* new_user_json, char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto spec = boka::c_api::new_user_from_json(boka::c_api::parse(new_user_json, "new_user_json"));
    return emit(engine->engine->auth().create_user(who->principal, boka::TenantId{tenant}, spec),
                user_json);
  });
}

int boka_auth_get_user(boka_engine* engine, const boka_principal* who, int64_t tenant, int64_t user,
                       char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(user_json, "user_json"));
    return emit(
        engine->engine->auth().get_user(who->principal, boka::TenantId{tenant}, boka::UserId{user}),
        user_json);
  });
}

int boka_auth_list_users(boka_engine* engine, const boka_principal* who, int64_t tenant,
                         int64_t after_id, int limit, char** users_json, char** errmsg) {
  clear_output(users_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(users_json, "users_json"));
    return emit(engine->engine->auth().list_users(who->principal, boka::TenantId{tenant},
                                                  boka::UserId{after_id}, limit),
                users_json);
  });
}

int boka_auth_set_user_role(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t user, const char* role, char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(role, "role"));
    const boka::Role r = boka::c_api::role_from_text(role, "role");
    return emit(engine->engine->auth().set_user_role(who->principal, boka::TenantId{tenant},
                                                     boka::UserId{user}, r),
                user_json);
  });
}

int boka_auth_set_user_state(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t user, const char* state, char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(state, "state"));
    const boka::UserState st = boka::c_api::user_state_from_text(state, "state");
    return emit(engine->engine->auth().set_user_state(who->principal, boka::TenantId{tenant},
                                                      boka::UserId{user}, st),
                user_json);
  });
}

int boka_auth_login(boka_engine* engine, const char* login_json, char** grant_json,
                    boka_principal** principal, char** errmsg) {
  clear_output(grant_json);
  clear_principal(principal);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    auto request =
        boka::c_api::login_request_from_json(boka::c_api::parse(login_json, "login_json"));
    auto grant = engine->engine->auth().login(request);
    BOKA_RETURN_IF_ERROR(emit(grant, grant_json));
    return emit_principal(grant->principal, principal);
  });
}

int boka_auth_verify_mfa(boka_engine* engine, const char* token, const char* code,
                         const char* source, char** grant_json, boka_principal** principal,
                         char** errmsg) {
  clear_output(grant_json);
  clear_principal(principal);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(token, "token"));
    BOKA_RETURN_IF_ERROR(not_null(code, "code"));
    auto grant = engine->engine->auth().verify_mfa(token, code, text_or_empty(source));
    BOKA_RETURN_IF_ERROR(emit(grant, grant_json));
    return emit_principal(grant->principal, principal);
  });
}

int boka_auth_authenticate_session(boka_engine* engine, const char* token,
                                   boka_principal** principal, char** errmsg) {
  clear_principal(principal);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(token, "token"));
    BOKA_RETURN_IF_ERROR(not_null(principal, "principal"));
    auto p = engine->engine->auth().authenticate_session(token);
    if (!p.ok()) return p.status();
    return emit_principal(*p, principal);
  });
}

int boka_auth_authenticate_api_key(boka_engine* engine, const char* key, const char* source,
                                   boka_principal** principal, char** errmsg) {
  clear_principal(principal);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(key, "key"));
    BOKA_RETURN_IF_ERROR(not_null(principal, "principal"));
    auto p = engine->engine->auth().authenticate_api_key(key, text_or_empty(source));
    if (!p.ok()) return p.status();
    return emit_principal(*p, principal);
  });
}

int boka_auth_logout(boka_engine* engine, const boka_principal* who, char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return engine->engine->auth().logout(who->principal);
  });
}

int boka_auth_change_password(boka_engine* engine, const boka_principal* who,
                              const char* current_password, const char* new_password,
                              char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(current_password, "current_password"));
    BOKA_RETURN_IF_ERROR(not_null(new_password, "new_password"));
    return engine->engine->auth().change_password(who->principal, current_password, new_password);
  });
}

int boka_auth_list_sessions(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t user, char** sessions_json, char** errmsg) {
  clear_output(sessions_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(sessions_json, "sessions_json"));
    return emit(engine->engine->auth().list_sessions(
                    who->principal, boka::TenantId{tenant},
                    user == 0 ? std::nullopt : std::optional<boka::UserId>(user)),
                sessions_json);
  });
}

int boka_auth_end_session(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          int64_t session, char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return engine->engine->auth().end_session(who->principal, boka::TenantId{tenant},
                                              boka::SessionId{session});
  });
}

int boka_auth_begin_totp_enrollment(boka_engine* engine, const boka_principal* who,
                                    char** enrollment_json, char** errmsg) {
  clear_output(enrollment_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(enrollment_json, "enrollment_json"));
    return emit(engine->engine->auth().begin_totp_enrollment(who->principal), enrollment_json);
  });
}

int boka_auth_confirm_totp_enrollment(boka_engine* engine, const boka_principal* who,
                                      const char* code, char** mfa_enabled_json,
                                      boka_principal** principal, char** errmsg) {
  clear_output(mfa_enabled_json);
  clear_principal(principal);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(code, "code"));
    auto done = engine->engine->auth().confirm_totp_enrollment(who->principal, code);
    BOKA_RETURN_IF_ERROR(emit(done, mfa_enabled_json));
    return emit_principal(done->session.principal, principal);
  });
}

int boka_auth_disable_totp(boka_engine* engine, const boka_principal* who, const char* password,
                           char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(password, "password"));
    return engine->engine->auth().disable_totp(who->principal, password);
  });
}

int boka_auth_create_api_key(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             const char* new_key_json, char** created_json, char** errmsg) {
  clear_output(created_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(created_json, "created_json"));  // the key is shown only here
    auto spec =
        boka::c_api::new_api_key_from_json(boka::c_api::parse(new_key_json, "new_key_json"));
    return emit(engine->engine->auth().create_api_key(who->principal, boka::TenantId{tenant}, spec),
                created_json);
  });
}

int boka_auth_list_api_keys(boka_engine* engine, const boka_principal* who, int64_t tenant,
                            int64_t after_id, int limit, char** keys_json, char** errmsg) {
  clear_output(keys_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(keys_json, "keys_json"));
    return emit(engine->engine->auth().list_api_keys(who->principal, boka::TenantId{tenant},
                                                     boka::ApiKeyId{after_id}, limit),
                keys_json);
  });
}

int boka_auth_revoke_api_key(boka_engine* engine, const boka_principal* who, int64_t tenant,
                             int64_t key, char** key_json, char** errmsg) {
  clear_output(key_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->auth().revoke_api_key(who->principal, boka::TenantId{tenant},
                                                      boka::ApiKeyId{key}),
                key_json);
  });
}

// --- Authentication: across the tenant, and the security reports ------------------------

int boka_auth_find_user_by_email(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                 const char* email, char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(email, "email"));
    BOKA_RETURN_IF_ERROR(not_null(user_json, "user_json"));
    return emit(
        engine->engine->auth().find_user_by_email(who->principal, boka::TenantId{tenant}, email),
        user_json);
  });
}

int boka_auth_end_user_sessions(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                int64_t user, int64_t* ended, char** errmsg) {
  if (ended != nullptr) *ended = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->auth().end_user_sessions(who->principal, boka::TenantId{tenant},
                                                      boka::UserId{user});
    if (!n.ok()) return n.status();
    if (ended != nullptr) *ended = *n;
    return Status();
  });
}

int boka_auth_force_logout_all(boka_engine* engine, const boka_principal* who, int64_t tenant,
                               int64_t* ended, char** errmsg) {
  if (ended != nullptr) *ended = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    std::optional<boka::TenantId> which;
    if (tenant != BOKA_ALL_TENANTS) which = boka::TenantId{tenant};
    auto n = engine->engine->auth().force_logout_all(who->principal, which);
    if (!n.ok()) return n.status();
    if (ended != nullptr) *ended = *n;
    return Status();
  });
}

int boka_auth_cleanup_sessions(boka_engine* engine, const boka_principal* who, int limit,
                               int64_t* deleted, char** errmsg) {
  if (deleted != nullptr) *deleted = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    auto n = engine->engine->auth().cleanup_sessions(who->principal, limit);
    if (!n.ok()) return n.status();
    if (deleted != nullptr) *deleted = *n;
    return Status();
  });
}

int boka_auth_count_active_sessions(boka_engine* engine, const boka_principal* who, int64_t* count,
                                    char** errmsg) {
  if (count != nullptr) *count = 0;
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(count, "count"));
    auto n = engine->engine->auth().count_active_sessions(who->principal);
    if (!n.ok()) return n.status();
    *count = *n;
    return Status();
  });
}

int boka_auth_generate_emergency_key(boka_engine* engine, const boka_principal* who, int64_t tenant,
                                     int64_t lifetime, char** created_json, char** errmsg) {
  clear_output(created_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(created_json, "created_json"));  // the key is shown only here
    std::optional<boka::Seconds> life;
    if (lifetime != 0) life = boka::Seconds(lifetime);
    return emit(
        engine->engine->auth().generate_emergency_key(who->principal, boka::TenantId{tenant}, life),
        created_json);
  });
}

int boka_auth_rotate_encryption_key(boka_engine* engine, const boka_principal* who, int limit,
                                    char** rotation_json, char** errmsg) {
  clear_output(rotation_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->auth().rotate_encryption_key(who->principal, limit), rotation_json);
  });
}

int boka_auth_security_events(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              int64_t from, int64_t to, const char* kind, int limit,
                              char** events_json, char** errmsg) {
  clear_output(events_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(events_json, "events_json"));
    const boka::Instant start = boka::c_api::checked_instant(from, "from");
    const boka::Instant end = boka::c_api::checked_instant(to, "to");
    return emit(engine->engine->auth().security_events(who->principal, boka::TenantId{tenant},
                                                       start, end, text_or_empty(kind), limit),
                events_json);
  });
}

int boka_auth_locked_accounts(boka_engine* engine, const boka_principal* who, int64_t tenant,
                              char** users_json, char** errmsg) {
  clear_output(users_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(users_json, "users_json"));
    return emit(engine->engine->auth().locked_accounts(who->principal, boka::TenantId{tenant}),
                users_json);
  });
}

int boka_auth_mfa_stats(boka_engine* engine, const boka_principal* who, int64_t tenant,
                        char** stats_json, char** errmsg) {
  clear_output(stats_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(stats_json, "stats_json"));
    return emit(engine->engine->auth().mfa_stats(who->principal, boka::TenantId{tenant}),
                stats_json);
  });
}

int boka_auth_list_admins(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          char** users_json, char** errmsg) {
  clear_output(users_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(users_json, "users_json"));
    std::optional<boka::TenantId> which;
    if (tenant != BOKA_ALL_TENANTS) which = boka::TenantId{tenant};
    return emit(engine->engine->auth().list_admins(who->principal, which), users_json);
  });
}

int boka_auth_revoke_admin(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           int64_t user, char** user_json, char** errmsg) {
  clear_output(user_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return emit(engine->engine->auth().revoke_admin(who->principal, boka::TenantId{tenant},
                                                    boka::UserId{user}),
                user_json);
  });
}

// --- Audit trail -----------------------------------------------------------------------

int boka_ops_audit_records(boka_engine* engine, const boka_principal* who, int64_t tenant,
                           const char* query_json, char** records_json, char** errmsg) {
  clear_output(records_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(records_json, "records_json"));
    boka::AuditQuery query;
    query.tenant = boka::TenantId{tenant};
    if (query_json != nullptr) {
      query = boka::c_api::audit_query_from_json(boka::c_api::parse(query_json, "query_json"),
                                                 boka::TenantId{tenant});
    }
    return emit(engine->engine->operations().audit_records(who->principal, query), records_json);
  });
}

int boka_ops_verify_audit(boka_engine* engine, const boka_principal* who, int64_t tenant,
                          char** verification_json, char** errmsg) {
  clear_output(verification_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(verification_json, "verification_json"));
    std::optional<boka::TenantId> chain;
    if (tenant != BOKA_ALL_TENANTS) chain = boka::TenantId{tenant};
    return emit(engine->engine->operations().verify_audit(who->principal, chain),
                verification_json);
  });
}

int boka_ops_check_audit_heads(boka_engine* engine, const boka_principal* who,
                               const char* heads_json, char** verification_json, char** errmsg) {
  clear_output(verification_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(verification_json, "verification_json"));
    const auto heads =
        boka::c_api::audit_heads_from_json(boka::c_api::parse(heads_json, "heads_json"));
    return emit(engine->engine->operations().check_audit_heads(who->principal, heads),
                verification_json);
  });
}

// --- Operations --------------------------------------------------------------------------

int boka_ops_metrics_text(boka_engine* engine, char** text, char** errmsg) {
  clear_output(text);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(text, "text"));
    *text = copy_string(engine->engine->operations().metrics()->exposition());
    if (*text == nullptr) throw std::bad_alloc();
    return Status();
  });
}

int boka_ops_health(boka_engine* engine, const boka_principal* who, const char* options_json,
                    char** health_json, char** errmsg) {
  clear_output(health_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(health_json, "health_json"));
    boka::HealthOptions options;
    if (options_json != nullptr) {
      options =
          boka::c_api::health_options_from_json(boka::c_api::parse(options_json, "options_json"));
    }
    auto report = engine->engine->operations().health(who->principal, options);
    if (!report.ok()) return report.status();
    return emit(boka::c_api::to_json(*report), health_json);
  });
}

int boka_ops_database_stats(boka_engine* engine, const boka_principal* who, char** stats_json,
                            char** errmsg) {
  clear_output(stats_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(stats_json, "stats_json"));
    return emit(engine->engine->operations().database_stats(who->principal), stats_json);
  });
}

int boka_ops_set_read_only(boka_engine* engine, const boka_principal* who, int on,
                           const char* reason, char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    return engine->engine->operations().set_read_only(who->principal, on != 0,
                                                      reason != nullptr ? reason : "");
  });
}

int boka_ops_read_only_reason(boka_engine* engine, int* read_only, char** reason, char** errmsg) {
  if (read_only != nullptr) *read_only = 0;
  clear_output(reason);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(engine, "engine"));
    BOKA_RETURN_IF_ERROR(not_null(read_only, "read_only"));
    const auto why = engine->engine->operations().read_only_reason();
    if (!why) return Status();
    if (reason != nullptr) {
      *reason = copy_string(*why);
      if (*reason == nullptr) throw std::bad_alloc();
    }
    *read_only = 1;
    return Status();
  });
}

int boka_ops_record_heartbeat(boka_engine* engine, const boka_principal* who, const char* component,
                              char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    BOKA_RETURN_IF_ERROR(not_null(component, "component"));
    return engine->engine->operations().record_heartbeat(who->principal, component);
  });
}

int boka_ops_backup(boka_engine* engine, const boka_principal* who, const char* options_json,
                    char** result_json, char** errmsg) {
  clear_output(result_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(check_handles(engine, who));
    const auto options =
        boka::c_api::backup_options_from_json(boka::c_api::parse(options_json, "options_json"));
    return emit(engine->engine->operations().backup(who->principal, options), result_json);
  });
}

int boka_ops_verify_backup(const char* backup_path, char** verification_json, char** errmsg) {
  clear_output(verification_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(backup_path, "backup_path"));
    BOKA_RETURN_IF_ERROR(not_null(verification_json, "verification_json"));
    return emit(boka::verify_backup(backup_path), verification_json);
  });
}

int boka_ops_restore_backup(const char* backup_path, const char* target_path, int overwrite,
                            char** errmsg) {
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(backup_path, "backup_path"));
    BOKA_RETURN_IF_ERROR(not_null(target_path, "target_path"));
    boka::RestoreOptions options;
    options.overwrite = overwrite != 0;
    return boka::restore_backup(backup_path, target_path, options);
  });
}

int boka_ops_apply_retention(const char* directory, const char* kind, int keep, char** removed_json,
                             char** errmsg) {
  clear_output(removed_json);
  return guarded(errmsg, [&]() -> Status {
    BOKA_RETURN_IF_ERROR(not_null(directory, "directory"));
    BOKA_RETURN_IF_ERROR(not_null(kind, "kind"));
    const boka::BackupKind k = boka::c_api::backup_kind_from_text(kind, "kind");
    auto removed = boka::apply_retention(directory, k, keep);
    if (!removed.ok()) return removed.status();
    return emit(Json(*removed), removed_json);
  });
}

}  // extern "C"
