// The authorization matrix: every engine operation, run by every role, in the principal's
// own tenant and in another one, against a table of expected outcomes. The table is the
// reference that docs/auth.md prints.
//
//   A  allowed (the call succeeds)
//   D  permission_denied
//   N  not_found: the object exists but is hidden from this principal (another customer's
//      reservation)
//
// Columns: customer, staff, admin, superadmin (admins and superadmins logged in with MFA;
// every principal belongs to the "own" tenant).
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>

#include "auth/crypto.hpp"
#include "support.hpp"

using namespace boka;
using namespace boka::test;

namespace {

constexpr Role kRoles[] = {Role::customer, Role::staff, Role::admin, Role::superadmin};
constexpr const char* kPassword = "matrix password 1";

struct World {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(utc(2026, 3, 2, 9, 0));
  std::shared_ptr<Storage> store =
      open_storage("memory:").value();  // read directly for audit checks
  std::unique_ptr<Engine> engine;
  TenantId own{}, other{};
  std::map<TenantId, ResourceId> resource;
  std::map<TenantId, ScheduleId> schedule;
  std::map<TenantId, PoolId> pool;
  std::map<Role, UserId> user;                  // in `own`
  std::map<Role, std::string> totp;             // raw secrets of the admins
  std::map<TenantId, UserId> bystander;         // a staff user in each tenant, to act upon
  std::map<TenantId, CustomerId> own_customer;  // `own`: the record linked to the customer user
  int serial = 0;

  World() {
    AuthOptions o;
    o.argon2_memory_kib = 64;
    o.argon2_iterations = 1;
    o.encryption_key = std::string(32, 'm');
    engine = Engine::open(store, EngineOptions{clock, o}).value();
    own = engine->create_tenant(sys(), Tenant{TenantId{}, "own"})->id;
    other = engine->create_tenant(sys(), Tenant{TenantId{}, "other"})->id;
    for (TenantId t : {own, other}) {
      Resource r;
      r.name = "Room";
      r.zone = "UTC";
      r.capacity = 100;
      r.policy.slot_step = Seconds(60);  // the clock moves in 30 s steps; starts are whole minutes
      resource[t] = engine->create_resource(sys(), t, r)->id;
      Schedule s;
      s.name = "Hours";
      schedule[t] = engine->create_schedule(sys(), t, s)->id;
      pool[t] = engine->create_pool(sys(), t, Pool{PoolId{}, t, "Rooms", {resource[t]}})->id;
      bystander[t] =
          engine->auth().create_user(sys(), t, NewUser{"by@x.io", "", Role::staff, kPassword})->id;
    }
    for (Role r : kRoles) {
      const std::string email = std::string(role_name(r)) + "@x.io";
      user[r] = engine->auth().create_user(sys(), own, NewUser{email, "", r, kPassword})->id;
      if (r == Role::admin || r == Role::superadmin) {
        auto g = engine->auth().login(LoginRequest{own, email, kPassword, "", ""}).value();
        auto e = engine->auth().begin_totp_enrollment(g.principal).value();
        totp[r] = *detail::base32_decode(e.secret_base32);
        REQUIRE(engine->auth().confirm_totp_enrollment(g.principal, code(r)).ok());
      }
    }
    Customer mine;
    mine.display_name = "The customer";
    mine.user = user[Role::customer];
    own_customer[own] = engine->customers().create(sys(), own, mine)->id;
    Customer theirs;
    theirs.display_name = "A customer of the other tenant";
    own_customer[other] = engine->customers().create(sys(), other, theirs)->id;
  }

  std::string code(Role r) {
    return detail::hotp(detail::HashAlgorithm::sha1, totp[r],
                        detail::totp_step(to_unix(clock->now())));
  }

  // A fresh session for `r` (admins pass MFA with the next TOTP step).
  Principal login(Role r) {
    clock->set(clock->now() + Seconds(30));
    const std::string email = std::string(role_name(r)) + "@x.io";
    auto g =
        engine->auth().login(LoginRequest{own, email, kPassword, totp.count(r) ? code(r) : "", ""});
    INFO(g.status().to_string());
    REQUIRE(g.ok());
    return g->principal;
  }

  std::string unique(const char* prefix) { return prefix + std::to_string(++serial); }

  // A whole minute at least `seconds_ahead` from now.
  Instant minute_after(std::int64_t seconds_ahead) {
    const std::int64_t t = to_unix(clock->now()) + seconds_ahead;
    return from_unix((t / 60 + 1) * 60);
  }
  Instant soon() { return minute_after(24 * 3600 + (serial % 50) * 3600); }

  // A reservation in `t`, held or confirmed, for `customer` ("" for none).
  Reservation booking(TenantId t, const std::string& customer, bool held = false) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(resource[t])};
    req.start = soon();
    req.end = req.start + hours(1);
    req.customer = customer;
    if (held) req.hold_for = hours(1);
    ++serial;
    auto r = engine->reserve(sys(), t, req);
    REQUIRE(r.ok());
    return *r;
  }
  // A confirmed reservation in `t` that started a second ago (the clock is moved to it).
  ReservationId started_booking(TenantId t) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(resource[t])};
    req.start = minute_after(0);
    req.end = req.start + hours(1);
    ++serial;
    auto r = engine->reserve(sys(), t, req);
    REQUIRE(r.ok());
    clock->set(req.start + Seconds(1));
    return r->id;
  }
  std::string customer_ref() { return "user:" + std::to_string(user[Role::customer]); }
  // A customer record in `t` of someone who is not a user.
  CustomerId someone(TenantId t) {
    Customer c;
    c.display_name = unique("Someone ");
    auto made = engine->customers().create(sys(), t, c);
    REQUIRE(made.ok());
    return made->id;
  }
  // A service in `t` that books the tenant's room.
  Service service(TenantId t) {
    Service s;
    s.name = unique("Service ");
    s.duration = hours(1);
    s.allocations = {AllocationRequest::of_resource(resource[t])};
    auto made = engine->services().create(sys(), t, s);
    REQUIRE(made.ok());
    return *made;
  }

  // The head of every audit chain now.
  std::map<TenantId, std::int64_t> audit_heads() {
    std::map<TenantId, std::int64_t> out;
    REQUIRE(store
                ->read(TxnScope::all_tenants(),
                       [&](StorageTransaction& txn) -> Status {
                         const auto heads = txn.audit_heads().value();
                         for (const AuditHead& h : heads) out[h.tenant] = h.seq;
                         return Status::Ok();
                       })
                .ok());
    return out;
  }
  // Records appended by `actor` to any chain since `before`.
  std::vector<AuditRecord> audited_since(const std::map<TenantId, std::int64_t>& before,
                                         const std::string& actor) {
    std::vector<AuditRecord> out;
    for (const auto& [tenant, seq] : audit_heads()) {
      AuditQuery q;
      q.tenant = tenant;
      q.actor = actor;
      q.after_seq = before.count(tenant) ? before.at(tenant) : 0;
      REQUIRE(store
                  ->read(TxnScope::all_tenants(),
                         [&](StorageTransaction& txn) -> Status {
                           auto records = txn.list_audit(q).value();
                           for (auto& r : records) out.push_back(std::move(r));
                           return Status::Ok();
                         })
                  .ok());
    }
    return out;
  }
};

// How many audit records a row's call leaves, by the calling principal, when it is allowed:
// reads none, a change one, a sweep one per thing it changed (any number). A refused change
// leaves exactly one (denied or rejected); a refused read none.
constexpr int kSweep = -1;
int audited_when_allowed(const std::string& row) {
  static const std::set<std::string> sweeps = {"expire_holds", "force_logout_all (every tenant)",
                                               "cleanup_sessions"};
  if (sweeps.count(row)) return kSweep;
  static const char* const read_prefixes[] = {
      "get_",         "list_",           "availability",    "explain",  "find_user",
      "count_active", "security_events", "locked_accounts", "mfa_stats"};
  for (const char* prefix : read_prefixes) {
    if (row.rfind(prefix, 0) == 0) return 0;
  }
  return 1;
}

using Op = std::function<Status(World&, const Principal&, TenantId)>;
struct Row {
  const char* name;
  const char* own;  // customer, staff, admin, superadmin
  const char* other;
  Op run;
};

template <typename T>
Status st(const Result<T>& r) {
  return r.status();
}

std::vector<Row> rows() {
  return {
      // Tenants: system-wide administration is the superadmin's.
      {"create_tenant", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         return st(w.engine->create_tenant(p, Tenant{TenantId{}, w.unique("t")}));
       }},
      {"get_tenant", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) { return st(w.engine->get_tenant(p, t)); }},
      {"list_tenants", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) { return st(w.engine->list_tenants(p)); }},
      {"update_tenant", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Tenant x = *w.engine->get_tenant(sys(), t);
         return st(w.engine->update_tenant(p, x));
       }},
      {"archive_tenant", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         TenantId fresh = w.engine->create_tenant(sys(), Tenant{TenantId{}, w.unique("a")})->id;
         return st(w.engine->archive_tenant(p, fresh));
       }},
      // The catalog: everyone reads resources and pools, staff read schedules, admins write.
      {"create_resource", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Resource r;
         r.name = w.unique("r");
         r.zone = "UTC";
         return st(w.engine->create_resource(p, t, r));
       }},
      {"get_resource", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->get_resource(p, t, w.resource[t]));
       }},
      {"list_resources", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) { return st(w.engine->list_resources(p, t)); }},
      {"update_resource", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Resource r = *w.engine->get_resource(sys(), t, w.resource[t]);
         return st(w.engine->update_resource(p, t, r));
       }},
      {"archive_resource", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Resource r;
         r.name = w.unique("x");
         r.zone = "UTC";
         ResourceId id = w.engine->create_resource(sys(), t, r)->id;
         return st(w.engine->archive_resource(p, t, id));
       }},
      {"create_schedule", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Schedule s;
         s.name = w.unique("s");
         return st(w.engine->create_schedule(p, t, s));
       }},
      {"get_schedule", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->get_schedule(p, t, w.schedule[t]));
       }},
      {"list_schedules", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) { return st(w.engine->list_schedules(p, t)); }},
      {"update_schedule", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Schedule s = *w.engine->get_schedule(sys(), t, w.schedule[t]);
         return st(w.engine->update_schedule(p, t, s));
       }},
      {"archive_schedule", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Schedule s;
         s.name = w.unique("y");
         ScheduleId id = w.engine->create_schedule(sys(), t, s)->id;
         return st(w.engine->archive_schedule(p, t, id));
       }},
      {"create_pool", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->create_pool(p, t, Pool{PoolId{}, t, w.unique("p"), {w.resource[t]}}));
       }},
      {"get_pool", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->get_pool(p, t, w.pool[t]));
       }},
      {"list_pools", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) { return st(w.engine->list_pools(p, t)); }},
      {"update_pool", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Pool x = *w.engine->get_pool(sys(), t, w.pool[t]);
         return st(w.engine->update_pool(p, t, x));
       }},
      {"archive_pool", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         PoolId id =
             w.engine->create_pool(sys(), t, Pool{PoolId{}, t, w.unique("q"), {w.resource[t]}})->id;
         return st(w.engine->archive_pool(p, t, id));
       }},
      // Availability: everyone in the tenant.
      {"availability", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         AvailabilityQuery q;
         q.requests = {AllocationRequest::of_resource(w.resource[t])};
         q.from = w.soon();
         q.to = q.from + hours(24);
         q.duration = hours(1);
         return st(w.engine->availability(p, t, q));
       }},
      {"explain", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->explain(p, t, {AllocationRequest::of_resource(w.resource[t])},
                                     w.soon(), hours(1)));
       }},
      // Reservations: customers their own, staff and up every one of the tenant.
      {"reserve", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         ReserveRequest req;
         req.allocations = {AllocationRequest::of_resource(w.resource[t])};
         req.start = w.soon();
         req.end = req.start + hours(1);
         return st(w.engine->reserve(p, t, req));
       }},
      {"reserve for another customer", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         ReserveRequest req;
         req.allocations = {AllocationRequest::of_resource(w.resource[t])};
         req.start = w.soon();
         req.end = req.start + hours(1);
         req.customer = "someone-else";
         return st(w.engine->reserve(p, t, req));
       }},
      {"get_reservation (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->get_reservation(p, t, w.booking(t, w.customer_ref()).id));
       }},
      {"get_reservation (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->get_reservation(p, t, w.booking(t, "someone-else").id));
       }},
      {"list_reservations", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->list_reservations(p, t, ReservationFilter{}));
       }},
      {"list_reservations of another customer", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         ReservationFilter f;
         f.customer = "someone-else";
         return st(w.engine->list_reservations(p, t, f));
       }},
      {"confirm (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->confirm(p, t, w.booking(t, w.customer_ref(), true).id));
       }},
      {"confirm (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->confirm(p, t, w.booking(t, "someone-else", true).id));
       }},
      {"cancel (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->cancel(p, t, w.booking(t, w.customer_ref()).id));
       }},
      {"cancel (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->cancel(p, t, w.booking(t, "someone-else").id));
       }},
      {"reschedule (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Reservation r = w.booking(t, w.customer_ref());
         return st(w.engine->reschedule(p, t, r.id, r.start + hours(1), r.end + hours(1)));
       }},
      {"reschedule (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Reservation r = w.booking(t, "someone-else");
         return st(w.engine->reschedule(p, t, r.id, r.start + hours(1), r.end + hours(1)));
       }},
      {"mark_completed", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->mark_completed(p, t, w.started_booking(t)));
       }},
      {"mark_no_show", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->mark_no_show(p, t, w.started_booking(t)));
       }},
      {"update_reservation (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         ReservationUpdate u;
         u.notes = "by the matrix";
         return st(w.engine->update_reservation(p, t, w.booking(t, w.customer_ref()).id, u));
       }},
      {"update_reservation (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         ReservationUpdate u;
         u.notes = "by the matrix";
         return st(w.engine->update_reservation(p, t, w.booking(t, "someone-else").id, u));
       }},
      {"cancel overriding the rules (own)", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->cancel(p, t, w.booking(t, w.customer_ref()).id,
                                    ChangeGuard{std::nullopt, true}));
       }},
      // Services: configured by admins, read by everyone of the tenant.
      {"create_service", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Service s;
         s.name = w.unique("S");
         s.duration = hours(1);
         s.allocations = {AllocationRequest::of_resource(w.resource[t])};
         return st(w.engine->services().create(p, t, s));
       }},
      {"get_service", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->services().get(p, t, w.service(t).id));
       }},
      {"list_services", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->services().list(p, t));
       }},
      {"update_service", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Service s = w.service(t);
         s.description = "changed";
         return st(w.engine->services().update(p, t, s));
       }},
      {"archive_service", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->services().archive(p, t, w.service(t).id));
       }},
      {"update_tenant_rules", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         auto tenant = w.engine->get_tenant(sys(), t).value();
         return st(w.engine->update_tenant_rules(p, t, TenantRules{}, tenant.version));
       }},
      // Customers: staff manage them, admins export and erase; a customer reads and updates
      // their own record only.
      {"create_customer", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Customer c;
         c.display_name = w.unique("New ");
         return st(w.engine->customers().create(p, t, c));
       }},
      {"get_customer (own)", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().get(p, t, w.own_customer[t]));
       }},
      {"get_customer (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().get(p, t, w.someone(t)));
       }},
      {"list_customers", "AAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().list(p, t, CustomerFilter{}));
       }},
      {"list_customer_bookings (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().bookings(p, t, w.someone(t)));
       }},
      {"update_customer (another's)", "NAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         Customer c = w.engine->customers().get(sys(), t, w.someone(t)).value();
         c.phone = "+1 555 0100";
         return st(w.engine->customers().update(p, t, c));
       }},
      {"merge_customers", "DAAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().merge(p, t, w.someone(t), w.someone(t)));
       }},
      {"export_customer (own)", "ADAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().export_data(p, t, w.own_customer[t]));
       }},
      {"export_customer (another's)", "NDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().export_data(p, t, w.someone(t)));
       }},
      {"erase_customer", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->customers().erase(p, t, w.someone(t)));
       }},
      {"expire_holds", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) { return st(w.engine->expire_holds(p)); }},
      // Users: admins manage users below admin; superadmins manage everyone.
      {"create_user (staff)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().create_user(
             p, t, NewUser{w.unique("u") + "@x.io", "", Role::staff, kPassword}));
       }},
      {"create_user (admin)", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().create_user(
             p, t, NewUser{w.unique("v") + "@x.io", "", Role::admin, kPassword}));
       }},
      {"get_user (another)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().get_user(p, t, w.bystander[t]));
       }},
      {"find_user_by_email", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().find_user_by_email(p, t, "by@x.io"));
       }},
      {"list_users", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().list_users(p, t));
       }},
      {"set_user_role (staff to customer)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         UserId id = w.engine->auth()
                         .create_user(sys(), t,
                                      NewUser{w.unique("w") + "@x.io", "", Role::staff, kPassword})
                         ->id;
         return st(w.engine->auth().set_user_role(p, t, id, Role::customer));
       }},
      {"set_user_role (to admin)", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         UserId id = w.engine->auth()
                         .create_user(sys(), t,
                                      NewUser{w.unique("z") + "@x.io", "", Role::staff, kPassword})
                         ->id;
         return st(w.engine->auth().set_user_role(p, t, id, Role::admin));
       }},
      {"set_user_state", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().set_user_state(p, t, w.bystander[t], UserState::active));
       }},
      {"revoke_admin", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         UserId id = w.engine->auth()
                         .create_user(sys(), t,
                                      NewUser{w.unique("ad") + "@x.io", "", Role::admin, kPassword})
                         ->id;
         return st(w.engine->auth().revoke_admin(p, t, id));
       }},
      // Sessions of other users, and the whole tenant's.
      {"list_sessions (another user)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().list_sessions(p, t, w.bystander[t]));
       }},
      {"end_session (another user's)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         auto g = w.engine->auth().login(LoginRequest{t, "by@x.io", kPassword, "", ""});
         REQUIRE(g.ok());
         return w.engine->auth().end_session(p, t, g->session.id);
       }},
      {"end_user_sessions (another user)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().end_user_sessions(p, t, w.bystander[t]));
       }},
      {"force_logout_all (tenant)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().force_logout_all(p, t));
       }},
      {"force_logout_all (every tenant)", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         return st(w.engine->auth().force_logout_all(p, std::nullopt));
       }},
      {"cleanup_sessions", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         return st(w.engine->auth().cleanup_sessions(p));
       }},
      {"count_active_sessions", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         return st(w.engine->auth().count_active_sessions(p));
       }},
      // API keys and the emergency key.
      {"create_api_key", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().create_api_key(
             p, t, NewApiKey{"k", static_cast<PermissionSet>(Permission::availability_read), {}}));
       }},
      {"list_api_keys", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().list_api_keys(p, t));
       }},
      {"revoke_api_key", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         auto k = w.engine->auth().create_api_key(
             sys(), t,
             NewApiKey{"k", static_cast<PermissionSet>(Permission::availability_read), {}});
         return st(w.engine->auth().revoke_api_key(p, t, k->info.id));
       }},
      {"generate_emergency_key", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().generate_emergency_key(p, t));
       }},
      // Security reports.
      {"security_events", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().security_events(p, t, utc(2000, 1, 1), utc(2100, 1, 1)));
       }},
      {"locked_accounts", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().locked_accounts(p, t));
       }},
      {"mfa_stats", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().mfa_stats(p, t));
       }},
      {"list_admins (tenant)", "DDAA", "DDDA",
       [](World& w, const Principal& p, TenantId t) {
         return st(w.engine->auth().list_admins(p, t));
       }},
      {"list_admins (every tenant)", "DDDA", "DDDA",
       [](World& w, const Principal& p, TenantId) {
         return st(w.engine->auth().list_admins(p, std::nullopt));
       }},
  };
}

char outcome(const Status& s) {
  if (s.ok()) return 'A';
  if (s.code() == Code::permission_denied) return 'D';
  if (s.code() == Code::not_found) return 'N';
  return '?';
}

}  // namespace

TEST_CASE("authorization matrix: every operation x every role x own and other tenant",
          "[auth][matrix]") {
  World w;
  for (const Row& row : rows()) {
    for (int column = 0; column < 4; ++column) {
      const Role role = kRoles[column];
      for (bool own : {true, false}) {
        const Principal p = w.login(role);
        const TenantId t = own ? w.own : w.other;
        const auto heads = w.audit_heads();
        const Status result = row.run(w, p, t);
        const char expected = (own ? row.own : row.other)[column];
        INFO(row.name << " by " << role_name(role) << " in " << (own ? "own" : "other")
                      << " tenant: " << result.to_string());
        CHECK(outcome(result) == expected);
        // The audit trail: exactly what the call did, by this principal.
        const auto records = w.audited_since(heads, p.name());
        const int changes = audited_when_allowed(row.name);
        if (changes == 0) {
          CHECK(records.empty());
        } else if (!result.ok()) {
          REQUIRE(records.size() == 1);
          CHECK(records[0].outcome == (result.code() == Code::permission_denied
                                           ? AuditOutcome::denied
                                           : AuditOutcome::rejected));
          CHECK(records[0].reason == result.message());
        } else {
          if (changes == 1) CHECK(records.size() == 1);
          for (const auto& r : records) CHECK(r.outcome == AuditOutcome::success);
        }
      }
    }
  }
  // Every record of every run, refusals included, forms intact chains.
  auto verified = w.engine->operations().verify_audit(sys());
  REQUIRE(verified.ok());
  CHECK(verified->ok);
  CHECK(verified->records > 500);
}

TEST_CASE("authorization: the system principal may do everything, in every tenant",
          "[auth][matrix]") {
  World w;
  for (const Row& row : rows()) {
    for (TenantId t : {w.own, w.other}) {
      const Status result = row.run(w, sys(), t);
      INFO(row.name << ": " << result.to_string());
      CHECK(result.ok());
    }
  }
}

TEST_CASE("authorization: an admin without MFA keeps staff rights only", "[auth][matrix]") {
  World w;
  // A second admin who never enrolled MFA.
  REQUIRE(w.engine->auth()
              .create_user(sys(), w.own, NewUser{"nomfa@x.io", "", Role::admin, kPassword})
              .ok());
  for (const Row& row : rows()) {
    auto g = w.engine->auth().login(LoginRequest{w.own, "nomfa@x.io", kPassword, "", ""});
    REQUIRE(g.ok());
    const Status result = row.run(w, g->principal, w.own);
    const char expected = row.own[1];  // the staff column
    INFO(row.name << ": " << result.to_string());
    CHECK(outcome(result) == expected);
  }
}

TEST_CASE("authorization: an API key acts with its scopes only", "[auth][matrix]") {
  World w;
  auto key = w.engine->auth().create_api_key(
      sys(), w.own,
      NewApiKey{"reader", Permission::resources_read | Permission::availability_read, {}});
  REQUIRE(key.ok());
  for (const Row& row : rows()) {
    const Principal p = *w.engine->auth().authenticate_api_key(key->key);
    const Status result = row.run(w, p, w.own);
    const std::string name = row.name;
    const bool in_scope = name == "get_tenant" || name == "get_resource" ||
                          name == "list_resources" || name == "get_pool" || name == "list_pools" ||
                          name == "availability" || name == "explain" || name == "get_service" ||
                          name == "list_services";
    INFO(row.name << ": " << result.to_string());
    CHECK(outcome(result) == (in_scope ? 'A' : 'D'));
  }
}

TEST_CASE("authorization: idempotency keys belong to the principal that used them",
          "[auth][matrix]") {
  World w;
  const UserId second =
      w.engine->auth()
          .create_user(sys(), w.own, NewUser{"c2@x.io", "", Role::customer, kPassword})
          ->id;
  Principal ann = w.login(Role::customer);
  Principal bob =
      w.engine->auth().login(LoginRequest{w.own, "c2@x.io", kPassword, "", ""})->principal;
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(w.resource[w.own])};
  req.start = w.soon();
  req.end = req.start + hours(1);
  req.idempotency_key = "order-77";
  auto first = w.engine->reserve(ann, w.own, req);
  REQUIRE(first.ok());
  // Another customer with the same key books on their own: no "already used", no reply of
  // ann's reservation, and nothing learned about ann's key.
  ReserveRequest other = req;
  other.start = req.start + hours(2);
  other.end = other.start + hours(1);
  auto second_booking = w.engine->reserve(bob, w.own, other);
  REQUIRE(second_booking.ok());
  CHECK(second_booking->id != first->id);
  CHECK(second_booking->customer == "user:" + std::to_string(second));
  // Each one's retry returns their own reservation.
  CHECK(w.engine->reserve(ann, w.own, req)->id == first->id);
  CHECK(w.engine->reserve(bob, w.own, other)->id == second_booking->id);
  // The same key for a different request by the same principal is refused.
  CHECK(w.engine->reserve(ann, w.own, other).status().code() == Code::already_exists);
  // A key with a control character (a bare CR) is refused, naming the field.
  ReserveRequest bad = req;
  bad.idempotency_key = "order\r77";
  auto refused = w.engine->reserve(ann, w.own, bad);
  CHECK(refused.status().code() == Code::invalid_argument);
  CHECK(refused.status().message().find("idempotency_key") != std::string::npos);
}

TEST_CASE("authorization: explain hides blocking reservations from customers, as reserve does",
          "[auth][matrix]") {
  World w;
  Resource solo;
  solo.name = "Solo";
  solo.zone = "UTC";
  solo.capacity = 1;
  solo.policy.slot_step = Seconds(60);
  const ResourceId rid = w.engine->create_resource(sys(), w.own, solo)->id;
  ReserveRequest req;
  req.allocations = {AllocationRequest::of_resource(rid)};
  req.start = w.soon();
  req.end = req.start + hours(1);
  req.customer = "someone else";
  const ReservationId theirs = w.engine->reserve(sys(), w.own, req)->id;
  const std::vector<AllocationRequest> ask = {AllocationRequest::of_resource(rid)};
  auto staff = w.engine->explain(w.login(Role::staff), w.own, ask, req.start, hours(1));
  REQUIRE(staff.ok());
  CHECK_FALSE(staff->available);
  CHECK(staff->blocking_reservation_ids == std::vector<ReservationId>{theirs});
  auto customer = w.engine->explain(w.login(Role::customer), w.own, ask, req.start, hours(1));
  REQUIRE(customer.ok());
  CHECK_FALSE(customer->available);  // still told why, by reason
  REQUIRE_FALSE(customer->findings.empty());
  CHECK(customer->findings.front().reason == Explanation::Reason::capacity);
  CHECK(customer->blocking_reservation_ids.empty());
}
