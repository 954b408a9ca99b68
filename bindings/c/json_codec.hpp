// JSON documents of the C ABI <-> boka's C++ structs. The schemas are documented in
// include/boka/boka.h; this file is their one implementation.
//
// Decoders throw InputError (message "resource.policy.slot_step: expected an integer, got
// string") for a document that does not fit its schema; the C boundary (c_api.cpp) turns it
// into BOKA_INVALID_ARGUMENT. Throwing keeps the field-by-field readers short; nothing
// escapes this library. Checking values (ranges, zones, overlaps) is the engine's job, so
// every store and shell reports them the same way.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "boka/boka.hpp"
#include "shell_limits.hpp"

namespace boka::c_api {

// ordered_json keeps fields in the order the schema in boka.h lists them.
using Json = nlohmann::ordered_json;

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Instants and durations within the shells' limits (shell_limits.hpp); outside them:
// InputError naming `path`.
Instant checked_instant(std::int64_t unix_seconds, const std::string& path);
Seconds checked_duration(std::int64_t seconds, const std::string& path);

// Whether a decoded document creates an object (server-assigned fields are ignored,
// omitted fields take their defaults) or replaces one (id, version and every replaceable
// field are required, so an omitted field never silently resets a value).
enum class Mode { create, update };

// Limits on every JSON document a shell parses (C ABI parameters, HTTP bodies), checked in
// one linear pass before the document is built: a document past them is InputError
// ("body: too large: an object has more than 1000 fields").
inline constexpr std::size_t kMaxJsonDepth = 64;          // nested objects and arrays
inline constexpr std::size_t kMaxJsonObjectKeys = 1000;   // fields in one object
inline constexpr std::size_t kMaxJsonValues = 100000;     // values in one document

// Parses `text` (NUL-terminated); `what` names the parameter in messages ("spec_json").
Json parse(const char* text, const char* what);
// The same for text that is not NUL-terminated (an HTTP body).
Json parse_text(std::string_view text, const std::string& what);
// Compact text; invalid UTF-8 (only possible from data written through the C++ API) is
// replaced rather than failing the call.
std::string dump(const Json& j);

Tenant tenant_from_json(const Json& j, Mode mode);
Resource resource_from_json(const Json& j, Mode mode);
Schedule schedule_from_json(const Json& j, Mode mode);
Pool pool_from_json(const Json& j, Mode mode);
AvailabilityQuery query_from_json(const Json& j);
ReserveRequest reserve_request_from_json(const Json& j);
ReservationFilter filter_from_json(const Json& j);

// Audit trail: a query of one tenant's chain (NULL document: every record up to the
// default limit), and chain heads (an array of {"tenant", "seq", "hash"}).
AuditQuery audit_query_from_json(const Json& j, TenantId tenant);
std::vector<AuditHead> audit_heads_from_json(const Json& j);

// Operations: the options of Engine::open, health and backup (every field optional but a
// backup's directory; omitted fields keep the C++ defaults).
void engine_options_from_json(const Json& j, EngineOptions& options);
HealthOptions health_options_from_json(const Json& j);
BackupOptions backup_options_from_json(const Json& j);
// A backup kind by name ("daily"); `path` names the parameter in messages.
BackupKind backup_kind_from_text(const std::string& name, const std::string& path);

// Authentication: a new user {"email", "password", "display_name"?, "role"?} (role names:
// customer (default), staff, admin, superadmin), a login {"tenant", "email", "password",
// "mfa_code"?, "source"?}, and a new API key {"name", "scopes": ["availability:read", ...],
// "expires_in"? (seconds)}.
NewUser new_user_from_json(const Json& j);
LoginRequest login_request_from_json(const Json& j);
NewApiKey new_api_key_from_json(const Json& j);
Role role_from_text(const std::string& name, const std::string& path);
UserState user_state_from_text(const std::string& name, const std::string& path);
// Authentication options inside the engine options ("auth": {...}); omitted fields keep
// the AuthOptions defaults. Keys are never echoed in messages.
void auth_options_from_json(const Json& j, AuthOptions& options);

struct ExplainRequest {
  std::vector<AllocationRequest> requests;
  Instant start{};
  Seconds duration{0};
};
ExplainRequest explain_request_from_json(const Json& j);

Json to_json(const Tenant& t);
Json to_json(const Policy& p);
Json to_json(const Resource& r);
Json to_json(const Schedule& s);
Json to_json(const Pool& p);
Json to_json(const Slot& s);
Json to_json(const Explanation& e);
Json to_json(const Reservation& r);
Json to_json(const StorageInfo& info);
Json to_json(const TableStats& t);
Json to_json(const AuditRecord& r);
Json to_json(const AuditHead& h);
Json to_json(const AuditVerification& v);
Json to_json(const BackupManifest& m);
Json to_json(const BackupVerification& v);
Json to_json(const BackupResult& r);
// Authentication documents. None holds a secret, except the one-time outputs the library
// shows once: a grant's "token", an enrolment's "secret" and "provisioning_uri", the
// "recovery_codes" of MfaEnabled and the "key" of a CreatedApiKey.
Json to_json(const User& u);
Json to_json(const Session& s);
Json to_json(const SessionGrant& g);  // {"token", "session", "mfa_pending"}
Json to_json(const ApiKey& k);
Json to_json(const CreatedApiKey& k);  // the key document plus "key"
Json to_json(const TotpEnrollment& e);  // {"secret", "provisioning_uri"}
Json to_json(const MfaEnabled& m);  // the grant plus "recovery_codes"

template <typename T>
Json to_json(const std::vector<T>& items) {
  Json out = Json::array();
  for (const T& item : items) out.push_back(to_json(item));
  return out;
}

}  // namespace boka::c_api
