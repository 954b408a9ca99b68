// Customers (boka/customer.hpp): records of the people a business books for, merging two
// records of one person, and the privacy operations (export, erase).
//
// Privacy by reference (docs/customers.md): the audit trail names customers by id and lists
// which of their fields changed, never the values, and booking records carry customer_id
// rather than the free-text reference. So erasing a customer removes every personal field
// boka holds (the record, and the free text, notes and metadata of their bookings) while
// every audit hash stays verifiable: nothing personal was ever hashed into the chain.
#include <algorithm>
#include <cctype>
#include <functional>

#include "engine/booking_steps.hpp"
#include "engine/credentials.hpp"
#include "engine/engine_impl.hpp"
#include "engine/validation.hpp"
#include "recurrence/rrule_text.hpp"
#include "storage/customer_query.hpp"

namespace boka {

namespace detail {

Status check_customer_usable(StorageTransaction& txn, TenantId tenant, CustomerId id,
                             const std::string& field) {
  BOKA_ASSIGN_OR_RETURN(auto c, txn.find_customer(tenant, id));
  if (!c) return NotFound(field + ": customer " + std::to_string(id) + " not found");
  if (c->merged_into) {
    return ConflictError(field + ": customer " + std::to_string(id) + " was merged into customer " +
                         std::to_string(*c->merged_into) + "; use that one");
  }
  if (c->erased_at) {
    return ConflictError(field + ": customer " + std::to_string(id) + " is erased");
  }
  return Status::Ok();
}

Result<std::optional<CustomerId>> linked_customer(StorageTransaction& txn, TenantId tenant,
                                                  const Actor& actor,
                                                  const std::optional<CustomerId>& asked) {
  std::optional<CustomerId> linked;
  if (actor.user > 0 && actor.user_tenant == tenant) {
    BOKA_ASSIGN_OR_RETURN(auto found, txn.find_live_customers(tenant, "", "", actor.user));
    if (!found.empty()) linked = found.front().id;
  }
  if (asked && *asked > 0 && asked != linked) {
    return PermissionDenied("customer_id: " + actor.name + " books only as " +
                            (linked ? "customer " + std::to_string(*linked)
                                    : std::string("themselves (no customer record is linked)")));
  }
  return linked;
}

}  // namespace detail

namespace {

using detail::Actor;

// The audit record of a change to a customer: which fields changed, never their values.
detail::AuditEntry customer_entry(TenantId tenant, CustomerId id, const char* action,
                                  std::int64_t version, std::vector<std::string> fields,
                                  nlohmann::ordered_json extra = nlohmann::ordered_json::object()) {
  detail::AuditEntry e;
  e.tenant = tenant;
  e.action = action;
  e.target = "customer:" + std::to_string(id);
  nlohmann::ordered_json d = {{"version", version}, {"fields", std::move(fields)}};
  for (auto& [k, v] : extra.items()) d[k] = v;
  e.detail_json = d.dump();
  return e;
}

// The personal fields that differ between two records, by name.
std::vector<std::string> changed_fields(const Customer& a, const Customer& b) {
  std::vector<std::string> out;
  if (a.display_name != b.display_name) out.emplace_back("display_name");
  if (a.email != b.email) out.emplace_back("email");
  if (a.phone != b.phone) out.emplace_back("phone");
  if (a.locale != b.locale) out.emplace_back("locale");
  if (a.time_zone != b.time_zone) out.emplace_back("time_zone");
  if (a.notes != b.notes) out.emplace_back("notes");
  if (a.external_ref != b.external_ref) out.emplace_back("external_ref");
  if (a.user != b.user) out.emplace_back("user");
  return out;
}

// The payload an erased customer's events keep (Event::payload_json).
constexpr const char* kRedactedPayload = "{\"redacted\":true}";

// Redacts the events of customer `id` and of every record merged into it, directly or
// through other merges (their events name the absorbed record's id).
Status redact_events_of(StorageTransaction& txn, TenantId tenant, CustomerId id) {
  std::vector<std::pair<CustomerId, CustomerId>> merges;  // (absorbed, into)
  CustomerFilter f;
  f.include_inactive = true;
  f.limit = 1000;
  for (;;) {
    BOKA_ASSIGN_OR_RETURN(auto page, txn.list_customers(tenant, f));
    for (const Customer& c : page) {
      if (c.merged_into) merges.emplace_back(c.id, *c.merged_into);
    }
    if (static_cast<int>(page.size()) < f.limit) break;
    f.after_id = page.back().id;
  }
  std::vector<CustomerId> todo = {id}, done;
  while (!todo.empty()) {
    const CustomerId next = todo.back();
    todo.pop_back();
    if (std::find(done.begin(), done.end(), next) != done.end()) continue;
    done.push_back(next);
    BOKA_RETURN_IF_ERROR(txn.redact_customer_events(tenant, next, kRedactedPayload).status());
    // Their mail keeps its record (what was sent when) but loses address and content.
    BOKA_RETURN_IF_ERROR(txn.redact_customer_emails(tenant, next).status());
    for (const auto& [absorbed, into] : merges) {
      if (into == next) todo.push_back(absorbed);
    }
  }
  return Status::Ok();
}

void clear_personal(Customer& c) {
  c.display_name.clear();
  c.email.clear();
  c.phone.clear();
  c.locale.clear();
  c.time_zone.clear();
  c.notes.clear();
  c.external_ref.clear();
  c.user.reset();
}

// The locks that keep two writers from both taking one email, external reference or user.
std::vector<std::string> identity_locks(TenantId tenant, const Customer& c) {
  std::vector<std::string> names;
  const std::string t = std::to_string(tenant);
  if (!c.email.empty()) names.push_back("customer-email:" + t + ":" + c.email);
  if (!c.external_ref.empty()) names.push_back("customer-ref:" + t + ":" + c.external_ref);
  if (c.user) names.push_back("customer-user:" + t + ":" + std::to_string(*c.user));
  return names;
}

// Refuses an email, external reference or user another live customer already has, and a
// user that is not a customer of the tenant.
Status check_identity(StorageTransaction& txn, TenantId tenant, const Customer& c) {
  if (c.user) {
    BOKA_ASSIGN_OR_RETURN(auto user, txn.find_user(tenant, *c.user));
    if (!user) {
      return InvalidArgument("customer.user: user " + std::to_string(*c.user) + " not found");
    }
    if (user->user.role != Role::customer) {
      return InvalidArgument("customer.user: user " + std::to_string(*c.user) + " has the role " +
                             role_name(user->user.role) + "; only customers can be linked");
    }
  }
  BOKA_ASSIGN_OR_RETURN(auto others,
                        txn.find_live_customers(tenant, c.email, c.external_ref, c.user));
  for (const Customer& o : others) {
    if (o.id == c.id) continue;
    if (!c.email.empty() && o.email == c.email) {
      return AlreadyExists("customer.email: customer " + std::to_string(o.id) +
                           " already has this email");
    }
    if (!c.external_ref.empty() && o.external_ref == c.external_ref) {
      return AlreadyExists("customer.external_ref: customer " + std::to_string(o.id) +
                           " already has this external reference");
    }
    if (c.user && o.user == c.user) {
      return AlreadyExists("customer.user: customer " + std::to_string(o.id) +
                           " is already linked to user " + std::to_string(*c.user));
    }
  }
  return Status::Ok();
}

// Who may act on customer `id`: staff (customers:manage, or `privileged` for export and
// erase), or a customer on their own linked record. Another customer's record reads as
// absent.
Result<Actor> authorize_customer(EngineImpl& impl, const Principal& who, TenantId tenant,
                                 CustomerId id, Permission privileged, bool self_allowed) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl.verify(who));
  if (actor.can(privileged)) {
    BOKA_RETURN_IF_ERROR(EngineImpl::permit(actor, tenant, privileged));
    return actor;
  }
  // A customer on their own record.
  const Status staff_denied = EngineImpl::permit(actor, tenant, privileged);
  if (!self_allowed || !actor.own_reservations_only() || !actor.can(Permission::reservations_own) ||
      actor.user_tenant != tenant || actor.tenant != tenant) {
    return staff_denied;
  }
  std::optional<CustomerId> linked;
  BOKA_RETURN_IF_ERROR(
      impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(linked, detail::linked_customer(txn, tenant, actor, std::nullopt));
        return Status::Ok();
      }));
  if (!linked || *linked != id) return NotFound("customer " + std::to_string(id) + " not found");
  return actor;
}

Customer normalized(Customer c) {
  c.email = detail::lower_ascii(c.email);
  return c;
}

// ---- export documents ------------------------------------------------------------------------

nlohmann::ordered_json metadata_value(const std::string& text) {
  auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::ordered_json(text) : parsed;
}

nlohmann::ordered_json customer_json(const Customer& c) {
  nlohmann::ordered_json j = {{"id", c.id.value()},
                              {"display_name", c.display_name},
                              {"email", c.email},
                              {"phone", c.phone},
                              {"locale", c.locale},
                              {"time_zone", c.time_zone},
                              {"notes", c.notes},
                              {"external_ref", c.external_ref},
                              {"user", c.user ? nlohmann::ordered_json(c.user->value()) : nullptr},
                              {"created_at", format_utc(c.created_at)},
                              {"updated_at", format_utc(c.updated_at)},
                              {"version", c.version}};
  if (c.merged_into) j["merged_into"] = c.merged_into->value();
  if (c.erased_at) j["erased_at"] = format_utc(*c.erased_at);
  return j;
}

nlohmann::ordered_json reservation_json(const Reservation& r) {
  nlohmann::ordered_json allocations = nlohmann::ordered_json::array();
  for (const Allocation& a : r.allocations) {
    nlohmann::ordered_json one = {{"resource", a.resource.value()}, {"quantity", a.quantity}};
    if (a.pool) one["pool"] = a.pool->value();
    allocations.push_back(std::move(one));
  }
  nlohmann::ordered_json j = {{"id", r.id.value()},
                              {"status", status_name(r.status)},
                              {"start", format_utc(r.start)},
                              {"end", format_utc(r.end)},
                              {"allocations", std::move(allocations)},
                              {"customer", r.customer},
                              {"notes", r.notes},
                              {"metadata", metadata_value(r.metadata_json)},
                              {"created_at", format_utc(r.created_at)},
                              {"updated_at", format_utc(r.updated_at)}};
  if (r.service) j["service"] = r.service->value();
  if (r.price_minor) {
    j["price_minor"] = *r.price_minor;
    j["currency"] = r.currency;
  }
  if (r.payment_status != PaymentStatus::none) {
    j["payment_status"] = payment_status_name(r.payment_status);
    j["payment_reference"] = r.payment_reference;
  }
  if (r.series) j["series"] = r.series->value();
  return j;
}

// A message sent to the customer, with what it said (boka/mail.hpp).
nlohmann::ordered_json email_json(const StoredEmail& e) {
  return {{"id", e.email.id.value()},
          {"kind", mail_kind_name(e.email.kind)},
          {"reservation", e.email.reservation.value()},
          {"to", e.email.to},
          {"subject", e.email.subject},
          {"status", email_status_name(e.email.status)},
          {"created_at", format_utc(e.email.created_at)},
          {"sent_at", e.email.sent_at ? nlohmann::ordered_json(format_utc(*e.email.sent_at))
                                      : nlohmann::ordered_json(nullptr)},
          {"text", e.text}};
}

nlohmann::ordered_json series_json(const Series& s) {
  return {{"id", s.id.value()},
          {"first_date", detail::iso_date_text(s.first_date)},
          {"start_minute", s.start_minute},
          {"duration", s.duration.count()},
          {"zone", s.zone},
          {"rule", format_rrule(s.rule)},
          {"customer", s.customer},
          {"metadata", metadata_value(s.metadata_json)},
          {"created_at", format_utc(s.created_at)}};
}

nlohmann::ordered_json waitlist_json(const WaitlistEntry& e) {
  return {{"id", e.id.value()},
          {"status", waitlist_status_name(e.status)},
          {"earliest_start", format_utc(e.earliest_start)},
          {"latest_start", format_utc(e.latest_start)},
          {"duration", e.duration.count()},
          {"customer", e.customer},
          {"metadata", metadata_value(e.metadata_json)},
          {"joined_at", format_utc(e.joined_at)}};
}

nlohmann::ordered_json audit_json(const AuditRecord& a) {
  return {{"seq", a.seq},       {"at", format_utc(a.at)},
          {"actor", a.actor},   {"action", a.action},
          {"target", a.target}, {"outcome", audit_outcome_name(a.outcome)},
          {"reason", a.reason}, {"detail", metadata_value(a.detail_json)}};
}

// Every reservation of a customer, a page at a time.
Result<std::vector<Reservation>> all_reservations(StorageTransaction& txn, TenantId tenant,
                                                  CustomerId id) {
  std::vector<Reservation> out;
  ReservationFilter f;
  f.customer_id = id;
  f.limit = 10000;
  for (;;) {
    BOKA_ASSIGN_OR_RETURN(auto page, txn.list_reservations(tenant, f));
    const bool more = static_cast<int>(page.size()) == f.limit;
    if (!page.empty()) f.after_id = page.back().id;
    out.insert(out.end(), std::make_move_iterator(page.begin()),
               std::make_move_iterator(page.end()));
    if (!more) return out;
  }
}

Result<std::vector<WaitlistEntry>> all_entries(StorageTransaction& txn, TenantId tenant,
                                               CustomerId id) {
  WaitlistFilter f;
  f.customer_id = id;
  f.limit = 10000;
  return txn.list_waitlist(tenant, f);
}

// The resources of every reservation in `rows`, sorted and unique: what a rewrite of their
// rows locks, so that no booking write decides on a row this one is changing.
std::vector<ResourceId> resources_of(const std::vector<Reservation>& rows) {
  std::vector<ResourceId> out;
  for (const Reservation& r : rows) {
    for (const Allocation& a : r.allocations) out.push_back(a.resource);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool covers(const std::vector<ResourceId>& locks, const std::vector<Reservation>& rows) {
  for (const Reservation& r : rows) {
    for (const Allocation& a : r.allocations) {
      if (!std::binary_search(locks.begin(), locks.end(), a.resource)) return false;
    }
  }
  return true;
}

// Runs `change` in one write transaction that rewrites the rows of `whose` bookings (a merge,
// an erasure): their resources are locked (planned from a read, verified under the lock,
// planned again if the set moved), as are the customer keys of `customers`, because a
// concurrent booking write rewrites whole rows and must not undo this change. `change` gets
// the bookings as read under the locks and returns the customer record it leaves.
Result<Customer> with_bookings_locked(
    EngineImpl& impl, TenantId tenant, CustomerId whose, const std::vector<CustomerId>& customers,
    const char* what,
    const std::function<Result<Customer>(StorageTransaction&, std::vector<Reservation>&)>& change) {
  for (int attempt = 0; attempt < detail::kMaxReplans; ++attempt) {
    std::vector<ResourceId> locks;
    BOKA_RETURN_IF_ERROR(
        impl.storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(auto rows, all_reservations(txn, tenant, whose));
          locks = resources_of(rows);
          return Status::Ok();
        }));
    WriteIntent intent(TxnScope::tenant(tenant), locks);
    intent.audit_chain = tenant;
    for (CustomerId id : customers) {
      intent.lock_names.push_back(detail::customer_key(id, "").lock_name(tenant));
    }
    Customer out;
    bool replan = false;
    Status st = impl.storage->write(intent, [&](StorageTransaction& txn) -> Status {
      replan = false;
      BOKA_ASSIGN_OR_RETURN(auto rows, all_reservations(txn, tenant, whose));
      if (!covers(locks, rows)) {
        replan = true;
        return Status(Code::unavailable, std::string(what) + ": bookings moved; replanning");
      }
      BOKA_ASSIGN_OR_RETURN(out, change(txn, rows));
      return Status::Ok();
    });
    if (replan) continue;
    BOKA_RETURN_IF_ERROR(st);
    return out;
  }
  return Unavailable(std::string(what) + ": the customer's bookings kept changing; retry");
}

}  // namespace

// ---- records ---------------------------------------------------------------------------------

Result<Customer> Customers::create(const Principal& who, TenantId tenant, const Customer& spec) {
  return impl_->refusal_audited(who, tenant, "customer.create", "", [&]() -> Result<Customer> {
    BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize(who, tenant, Permission::customers_manage));
    BOKA_RETURN_IF_ERROR(detail::validate_customer(spec));
    Customer c = normalized(spec);
    c.id = CustomerId{};
    c.tenant = tenant;
    c.merged_into.reset();
    c.erased_at.reset();
    c.created_at = c.updated_at = impl_->clock->now();
    c.version = 1;
    WriteIntent intent(TxnScope::tenant(tenant));
    intent.lock_names = identity_locks(tenant, c);
    BOKA_RETURN_IF_ERROR(impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
      BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
      BOKA_RETURN_IF_ERROR(check_identity(txn, tenant, c));
      BOKA_ASSIGN_OR_RETURN(c.id, txn.insert_customer(c));
      BOKA_RETURN_IF_ERROR(impl_->audit(txn, actor,
                                        customer_entry(tenant, c.id, "customer.create", c.version,
                                                       changed_fields(Customer{}, c))));
      return impl_->emit_customer(txn, actor, "customer.created", c);
    }));
    return c;
  });
}

Result<Customer> Customers::get(const Principal& who, TenantId tenant, CustomerId id) {
  BOKA_RETURN_IF_ERROR(
      authorize_customer(*impl_, who, tenant, id, Permission::customers_manage, true).status());
  std::optional<Customer> c;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(c, txn.find_customer(tenant, id));
        return Status::Ok();
      }));
  if (!c) return NotFound("customer " + std::to_string(id) + " not found");
  return std::move(*c);
}

Result<Customer> Customers::get_by_user(const Principal& who, TenantId tenant, UserId user) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  if (!actor.can(Permission::customers_manage) && actor.user != user) {
    return NotFound("customer of user " + std::to_string(user) + " not found");
  }
  std::vector<Customer> found;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(found, txn.find_live_customers(tenant, "", "", user));
        return Status::Ok();
      }));
  if (found.empty()) return NotFound("customer of user " + std::to_string(user) + " not found");
  return std::move(found.front());
}

Result<Customer> Customers::get_by_email(const Principal& who, TenantId tenant,
                                         std::string_view email) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  std::string wanted(email);
  for (char& ch : wanted) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::vector<Customer> found;
  if (!wanted.empty()) {
    BOKA_RETURN_IF_ERROR(
        impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
          BOKA_ASSIGN_OR_RETURN(found, txn.find_live_customers(tenant, wanted, "", std::nullopt));
          return Status::Ok();
        }));
  }
  // The email is unique among live records; a customer sees only their own.
  if (found.empty() ||
      (!actor.can(Permission::customers_manage) && found.front().user != actor.user)) {
    return NotFound("no customer with that email");
  }
  return std::move(found.front());
}

Result<std::vector<Customer>> Customers::list(const Principal& who, TenantId tenant,
                                              const CustomerFilter& request) {
  BOKA_ASSIGN_OR_RETURN(auto actor, impl_->authorize_reservations(who, tenant));
  if (request.limit < 1 || request.limit > 1000) {
    return InvalidArgument("filter.limit: must be 1..1000, got " + std::to_string(request.limit));
  }
  BOKA_RETURN_IF_ERROR(detail::validate_text(request.query, 200, "filter.query", false));
  CustomerFilter filter = request;
  filter.query = detail::lower_ascii(filter.query);
  std::vector<Customer> out;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_RETURN_IF_ERROR(impl_->check_tenant_exists(txn, tenant));
        if (actor.can(Permission::customers_manage)) {
          BOKA_RETURN_IF_ERROR(EngineImpl::permit(actor, tenant, Permission::customers_manage));
          BOKA_ASSIGN_OR_RETURN(out, txn.list_customers(tenant, filter));
          return Status::Ok();
        }
        // A customer lists only their own record.
        BOKA_ASSIGN_OR_RETURN(auto linked,
                              detail::linked_customer(txn, tenant, actor, std::nullopt));
        if (linked && *linked > filter.after_id) {
          BOKA_ASSIGN_OR_RETURN(auto mine, txn.find_customer(tenant, *linked));
          if (mine && detail::customer_matches_query(*mine, filter.query))
            out.push_back(std::move(*mine));
        }
        return Status::Ok();
      }));
  return out;
}

Result<Customer> Customers::update(const Principal& who, TenantId tenant,
                                   const Customer& customer) {
  return impl_->refusal_audited(
      who, tenant, "customer.update", "customer:" + std::to_string(customer.id),
      [&]() -> Result<Customer> {
        BOKA_ASSIGN_OR_RETURN(auto actor, authorize_customer(*impl_, who, tenant, customer.id,
                                                             Permission::customers_manage, true));
        const bool self = !actor.can(Permission::customers_manage);
        Customer wanted = normalized(customer);
        Customer out;
        {
          WriteIntent intent(TxnScope::tenant(tenant));
          intent.lock_names = identity_locks(tenant, wanted);
          Status st = impl_->storage->write(intent, [&](StorageTransaction& txn) -> Status {
            BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
            BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_customer(tenant, customer.id));
            if (!cur) return NotFound("customer " + std::to_string(customer.id) + " not found");
            if (cur->version != customer.version) {
              return detail::stale("customer", customer.id, customer.version, cur->version);
            }
            if (!cur->live()) {
              return ConflictError("customer " + std::to_string(customer.id) + " is " +
                                   (cur->erased_at ? "erased" : "merged") +
                                   " and cannot be changed");
            }
            BOKA_RETURN_IF_ERROR(detail::validate_customer(wanted));
            if (self) {
              // Staff notes, the business's own reference and the login link are staff's.
              for (auto [changed, field] :
                   {std::pair{wanted.notes != cur->notes, "customer.notes"},
                    std::pair{wanted.external_ref != cur->external_ref, "customer.external_ref"},
                    std::pair{wanted.user != cur->user, "customer.user"}}) {
                if (changed) {
                  return PermissionDenied(std::string(field) + ": only staff may change it");
                }
              }
            }
            out = *cur;
            out.display_name = wanted.display_name;
            out.email = wanted.email;
            out.phone = wanted.phone;
            out.locale = wanted.locale;
            out.time_zone = wanted.time_zone;
            out.notes = wanted.notes;
            out.external_ref = wanted.external_ref;
            out.user = wanted.user;
            BOKA_RETURN_IF_ERROR(check_identity(txn, tenant, out));
            out.updated_at = impl_->clock->now();
            out.version = cur->version + 1;
            BOKA_RETURN_IF_ERROR(txn.update_customer(out));
            BOKA_RETURN_IF_ERROR(
                impl_->audit(txn, actor,
                             customer_entry(tenant, out.id, "customer.update", out.version,
                                            changed_fields(*cur, out))));
            return impl_->emit_customer(txn, actor, "customer.updated", out);
          });
          BOKA_RETURN_IF_ERROR(st);
        }
        return out;
      });
}

Result<std::vector<Reservation>> Customers::bookings(const Principal& who, TenantId tenant,
                                                     CustomerId id, ReservationFilter filter) {
  BOKA_ASSIGN_OR_RETURN(
      auto actor, authorize_customer(*impl_, who, tenant, id, Permission::customers_manage, true));
  std::optional<Customer> c;
  BOKA_RETURN_IF_ERROR(
      impl_->storage->read(TxnScope::tenant(tenant), [&](StorageTransaction& txn) -> Status {
        BOKA_ASSIGN_OR_RETURN(c, txn.find_customer(tenant, id));
        return Status::Ok();
      }));
  if (!c) return NotFound("customer " + std::to_string(id) + " not found");
  filter.customer_id = id;
  // A customer's own records: those linked to the record, whatever their free-text
  // reference (a merge may have brought in bookings made under another).
  if (actor.own_reservations_only()) {
    actor.permissions |= static_cast<PermissionSet>(Permission::reservations_all);
  }
  return impl_->list_reservations_as(actor, tenant, filter);
}

// ---- merge -----------------------------------------------------------------------------------

Result<Customer> Customers::merge(const Principal& who, TenantId tenant, CustomerId kept,
                                  CustomerId absorbed) {
  return impl_->refusal_audited(
      who, tenant, "customer.merge", "customer:" + std::to_string(kept), [&]() -> Result<Customer> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::customers_manage));
        if (kept == absorbed) {
          return InvalidArgument("absorbed: a customer cannot be merged into itself");
        }
        return with_bookings_locked(
            *impl_, tenant, absorbed, {kept, absorbed}, "merge",
            [&](StorageTransaction& txn, std::vector<Reservation>& rows) -> Result<Customer> {
              BOKA_RETURN_IF_ERROR(impl_->check_tenant_active(txn, tenant));
              BOKA_RETURN_IF_ERROR(detail::check_customer_usable(txn, tenant, kept, "kept"));
              BOKA_RETURN_IF_ERROR(
                  detail::check_customer_usable(txn, tenant, absorbed, "absorbed"));
              BOKA_ASSIGN_OR_RETURN(auto keep, txn.find_customer(tenant, kept));
              BOKA_ASSIGN_OR_RETURN(auto gone, txn.find_customer(tenant, absorbed));
              const std::int64_t now = impl_->now();
              for (Reservation& r : rows) {
                r.customer_id = kept;
                r.version += 1;
                r.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_reservation(r));
              }
              BOKA_ASSIGN_OR_RETURN(auto series, txn.list_customer_series(tenant, absorbed));
              for (Series& s : series) {
                s.customer_id = kept;
                s.version += 1;
                s.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_series(s));
              }
              BOKA_ASSIGN_OR_RETURN(auto entries, all_entries(txn, tenant, absorbed));
              for (WaitlistEntry& e : entries) {
                e.customer_id = kept;
                e.version += 1;
                e.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(e));
              }
              // The survivor keeps its own values and takes the absorbed one's where it has
              // none.
              Customer out = *keep;
              const auto fill = [](std::string& mine, const std::string& theirs) {
                if (mine.empty()) mine = theirs;
              };
              fill(out.email, gone->email);
              fill(out.phone, gone->phone);
              fill(out.locale, gone->locale);
              fill(out.time_zone, gone->time_zone);
              fill(out.notes, gone->notes);
              fill(out.external_ref, gone->external_ref);
              if (!out.user) out.user = gone->user;
              const std::vector<std::string> filled = changed_fields(*keep, out);
              Customer tombstone = *gone;
              clear_personal(tombstone);
              tombstone.merged_into = kept;
              tombstone.updated_at = from_unix(now);
              tombstone.version += 1;
              // The tombstone first: the survivor may take over its email or user.
              BOKA_RETURN_IF_ERROR(txn.update_customer(tombstone));
              out.updated_at = from_unix(now);
              out.version += 1;
              BOKA_RETURN_IF_ERROR(txn.update_customer(out));
              // One record for the merge, naming both (the tombstone holds nothing personal).
              BOKA_RETURN_IF_ERROR(impl_->audit(
                  txn, actor,
                  customer_entry(
                      tenant, kept, "customer.merge", out.version, filled,
                      {{"absorbed", absorbed.value()},
                       {"reservations", static_cast<std::int64_t>(rows.size())},
                       {"series", static_cast<std::int64_t>(series.size())},
                       {"waitlist_entries", static_cast<std::int64_t>(entries.size())}})));
              // The absorbed record (now pointing at the survivor), the survivor, and each
              // booking that changed hands.
              BOKA_RETURN_IF_ERROR(impl_->emit_customer(txn, actor, "customer.merged", tombstone));
              BOKA_RETURN_IF_ERROR(impl_->emit_customer(txn, actor, "customer.updated", out));
              for (const Reservation& r : rows) {
                BOKA_RETURN_IF_ERROR(impl_->emit_reservation(txn, actor, "reservation.updated", r));
              }
              return out;
            });
      });
}

// ---- privacy ---------------------------------------------------------------------------------

Result<std::string> Customers::export_data(const Principal& who, TenantId tenant, CustomerId id) {
  return impl_->refusal_audited(
      who, tenant, "customer.export", "customer:" + std::to_string(id),
      [&]() -> Result<std::string> {
        BOKA_ASSIGN_OR_RETURN(auto actor, authorize_customer(*impl_, who, tenant, id,
                                                             Permission::customers_privacy, true));
        nlohmann::ordered_json doc;
        BOKA_RETURN_IF_ERROR(impl_->seal_audit());  // the export holds every committed record
        BOKA_RETURN_IF_ERROR(impl_->storage->write(
            WriteIntent(TxnScope::tenant(tenant)), [&](StorageTransaction& txn) -> Status {
              BOKA_ASSIGN_OR_RETURN(auto c, txn.find_customer(tenant, id));
              if (!c) return NotFound("customer " + std::to_string(id) + " not found");
              BOKA_ASSIGN_OR_RETURN(auto rows, all_reservations(txn, tenant, id));
              BOKA_ASSIGN_OR_RETURN(auto series, txn.list_customer_series(tenant, id));
              BOKA_ASSIGN_OR_RETURN(auto entries, all_entries(txn, tenant, id));
              AuditQuery q;
              q.tenant = tenant;
              q.target = "customer:" + std::to_string(id);
              q.limit = 10000;
              BOKA_ASSIGN_OR_RETURN(auto records, txn.list_audit(q));
              doc = nlohmann::ordered_json::object();
              doc["format"] = "boka.customer-export/1";
              doc["exported_at"] = format_utc(impl_->clock->now());
              doc["tenant"] = tenant.value();
              doc["customer"] = customer_json(*c);
              doc["reservations"] = nlohmann::ordered_json::array();
              for (const Reservation& r : rows) doc["reservations"].push_back(reservation_json(r));
              doc["series"] = nlohmann::ordered_json::array();
              for (const Series& s : series) doc["series"].push_back(series_json(s));
              doc["waitlist_entries"] = nlohmann::ordered_json::array();
              for (const WaitlistEntry& e : entries) {
                doc["waitlist_entries"].push_back(waitlist_json(e));
              }
              doc["audit"] = nlohmann::ordered_json::array();
              for (const AuditRecord& a : records) doc["audit"].push_back(audit_json(a));
              // The mail written to them, oldest first, with its text.
              std::vector<StoredEmail> mail;
              EmailFilter f;
              f.customer = id;
              f.limit = 1000;
              for (;;) {
                BOKA_ASSIGN_OR_RETURN(auto page, txn.list_emails(tenant, f));
                for (const Email& e : page) {
                  BOKA_ASSIGN_OR_RETURN(auto full, txn.find_email(tenant, e.id));
                  if (full) mail.push_back(std::move(*full));
                }
                if (static_cast<int>(page.size()) < f.limit) break;
                f.before_id = page.back().id;
              }
              doc["emails"] = nlohmann::ordered_json::array();
              for (auto it = mail.rbegin(); it != mail.rend(); ++it) {
                doc["emails"].push_back(email_json(*it));
              }
              // The export is a disclosure of personal data: it is recorded too.
              return impl_->audit(
                  txn, actor,
                  customer_entry(tenant, id, "customer.export", c->version, {},
                                 {{"reservations", static_cast<std::int64_t>(rows.size())}}));
            }));
        return doc.dump(2);
      });
}

Result<Customer> Customers::erase(const Principal& who, TenantId tenant, CustomerId id) {
  return impl_->refusal_audited(
      who, tenant, "customer.erase", "customer:" + std::to_string(id), [&]() -> Result<Customer> {
        BOKA_ASSIGN_OR_RETURN(auto actor,
                              impl_->authorize(who, tenant, Permission::customers_privacy));
        return with_bookings_locked(
            *impl_, tenant, id, {id}, "erase",
            [&](StorageTransaction& txn, std::vector<Reservation>& rows) -> Result<Customer> {
              BOKA_ASSIGN_OR_RETURN(auto cur, txn.find_customer(tenant, id));
              if (!cur) return NotFound("customer " + std::to_string(id) + " not found");
              if (cur->erased_at) return std::move(*cur);  // idempotent
              const std::int64_t now = impl_->now();
              // Their bookings stay for capacity and statistics, without anything personal.
              for (Reservation& r : rows) {
                r.customer.clear();
                r.notes.clear();
                r.metadata_json = "{}";
                r.version += 1;
                r.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_reservation(r));
              }
              BOKA_ASSIGN_OR_RETURN(auto series, txn.list_customer_series(tenant, id));
              for (Series& s : series) {
                s.customer.clear();
                s.metadata_json = "{}";
                s.version += 1;
                s.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_series(s));
              }
              BOKA_ASSIGN_OR_RETURN(auto entries, all_entries(txn, tenant, id));
              for (WaitlistEntry& e : entries) {
                e.customer.clear();
                e.metadata_json = "{}";
                e.version += 1;
                e.updated_at = from_unix(now);
                BOKA_RETURN_IF_ERROR(txn.update_waitlist_entry(e));
              }
              Customer out = *cur;
              clear_personal(out);
              out.erased_at = from_unix(now);
              out.updated_at = from_unix(now);
              out.version = cur->version + 1;
              BOKA_RETURN_IF_ERROR(txn.update_customer(out));
              BOKA_RETURN_IF_ERROR(impl_->audit(
                  txn, actor,
                  customer_entry(
                      tenant, id, "customer.erase", out.version, changed_fields(*cur, out),
                      {{"reservations", static_cast<std::int64_t>(rows.size())},
                       {"series", static_cast<std::int64_t>(series.size())},
                       {"waitlist_entries", static_cast<std::int64_t>(entries.size())}})));
              // The event feed forgets them too: every earlier event about this customer,
              // or about a record merged into it, loses its payload (docs/events.md). Then
              // the erasure and the anonymised bookings are announced.
              BOKA_RETURN_IF_ERROR(redact_events_of(txn, tenant, id));
              BOKA_RETURN_IF_ERROR(impl_->emit_customer(txn, actor, "customer.erased", out));
              for (const Reservation& r : rows) {
                BOKA_RETURN_IF_ERROR(impl_->emit_reservation(txn, actor, "reservation.updated", r));
              }
              return out;
            });
      });
}

}  // namespace boka
