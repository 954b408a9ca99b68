// boka._native: the private pybind11 module under the Python package `boka`. Each method
// converts its arguments (convert.hpp), makes one engine call with the GIL released, and
// converts the result or raises the matching boka exception. The public names and their
// types are in boka/_native.pyi; the value types and exceptions are pure Python.
#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "boka/boka.hpp"
#include "convert.hpp"
#include "fields_python.hpp"
#include "shell_limits.hpp"

namespace boka::python {
namespace {

// An engine that can be closed while Python still holds the object. Each call takes its
// own reference first, so close() never pulls the engine from under a call that is running
// on another thread with the GIL released: the last call to finish frees it.
class EngineHandle {
 public:
  EngineHandle(const std::string& uri, std::shared_ptr<ManualClock> clock, bool read_only,
               std::string read_only_reason, AuthOptions auth,
               std::optional<Seconds> waitlist_offer_window, std::optional<Seconds> event_retention,
               WebhookOptions webhooks, MailOptions mail) {
    EngineOptions options;
    options.webhooks = std::move(webhooks);
    options.mail = std::move(mail);
    if (waitlist_offer_window) options.waitlist_offer_window = *waitlist_offer_window;
    if (event_retention) options.event_retention = *event_retention;
    options.clock = std::move(clock);
    options.auth = std::move(auth);
    options.read_only = read_only;
    options.read_only_reason = std::move(read_only_reason);
    auto opened = [&] {
      py::gil_scoped_release nogil;
      return Engine::open(uri, options);
    }();
    engine_ = unwrap(std::move(opened));
  }

  std::shared_ptr<Engine> get() const {
    if (!engine_) raise_invalid("the engine is closed");
    return engine_;
  }

  void close() {
    std::shared_ptr<Engine> engine = std::move(engine_);
    engine_.reset();
    py::gil_scoped_release nogil;  // closing a store may wait for its connections
    engine.reset();
  }

  bool closed() const { return !engine_; }

 private:
  std::shared_ptr<Engine> engine_;
};

const Principal& principal_of(py::handle who) {
  static const Principal system = Principal::system();
  if (who.is_none()) return system;
  if (!py::isinstance<Principal>(who)) {
    throw py::type_error(std::string("who: expected boka.Principal or None, got ") +
                         Py_TYPE(who.ptr())->tp_name);
  }
  return who.cast<const Principal&>();
}

// The one engine call of a method: with the GIL released, so other Python threads run
// while this one waits for storage.
template <typename Call>
auto engine_call(const EngineHandle& handle, Call&& call) {
  std::shared_ptr<Engine> engine = handle.get();
  auto result = [&] {
    py::gil_scoped_release nogil;
    return call(*engine);
  }();
  return unwrap(std::move(result));
}

// A call that needs no engine (backup files), with the GIL released all the same.
template <typename Call>
auto released(Call&& call) {
  auto result = [&] {
    py::gil_scoped_release nogil;
    return call();
  }();
  return unwrap(std::move(result));
}

// engine.auth: the Auth facet of an engine. It holds the Python Engine, so the engine stays
// open as long as a facet of it is in use.
class AuthFacet {
 public:
  explicit AuthFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.auth()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.operations: the Operations facet (audit trail, health, backups, read-only mode,
// heartbeats, statistics, metrics). Like AuthFacet, it keeps its engine open.
class OperationsFacet {
 public:
  explicit OperationsFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.operations()); });
  }
  const EngineHandle& handle() const { return *handle_; }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.series: the RecurringBookings facet (recurring series). Like AuthFacet, it keeps
// its engine open.
class SeriesFacet {
 public:
  explicit SeriesFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.series()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// A value of the codec's field lists from a Python argument ("role", boka.Role.STAFF).
template <typename T>
T from_python(py::handle value, const std::string& name) {
  T out{};
  value_from_python(value, name, out);
  return out;
}

std::optional<std::int64_t> version_guard(py::handle if_version) {
  if (if_version.is_none()) return std::nullopt;
  return to_int64(if_version, "if_version");
}

// engine.waitlist: the Waitlist facet. Like AuthFacet, it keeps its engine open.
class WaitlistFacet {
 public:
  explicit WaitlistFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.waitlist()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.services: the Services facet. Like AuthFacet, it keeps its engine open.
class ServicesFacet {
 public:
  explicit ServicesFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.services()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.customers: the Customers facet. Like AuthFacet, it keeps its engine open.
class CustomersFacet {
 public:
  explicit CustomersFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.customers()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.webhooks: the Webhooks facet. Like AuthFacet, it keeps its engine open.
class WebhooksFacet {
 public:
  explicit WebhooksFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.webhooks()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.mail: the Mail facet. Like AuthFacet, it keeps its engine open.
class MailFacet {
 public:
  explicit MailFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.mail()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.payments: the Payments facet. Like AuthFacet, it keeps its engine open.
class PaymentsFacet {
 public:
  explicit PaymentsFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.payments()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.feeds: the CalendarFeeds facet. Like AuthFacet, it keeps its engine open.
class ManageLinksFacet {
 public:
  explicit ManageLinksFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.manage_links()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

class FeedsFacet {
 public:
  explicit FeedsFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.feeds()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

// engine.events: the event feed. Like AuthFacet, it keeps its engine open.
class EventsFacet {
 public:
  explicit EventsFacet(py::object engine)
      : engine_(std::move(engine)), handle_(&engine_.cast<const EngineHandle&>()) {}
  template <typename Call>
  auto call(Call&& call) const {
    return engine_call(*handle_, [&](Engine& e) { return call(e.events()); });
  }

 private:
  py::object engine_;
  const EngineHandle* handle_;
};

template <typename IdType>
std::optional<IdType> optional_id(py::handle value, const std::string& name) {
  if (value.is_none()) return std::nullopt;
  return IdType{to_int64(value, name)};
}

// The guards of a change: the version read, and whether to pass over the booking rules.
ChangeGuard change_guard(py::handle if_version, py::handle override_rules) {
  ChangeGuard g;
  g.if_version = version_guard(if_version);
  g.override_rules = from_python<bool>(override_rules, "override_rules");
  return g;
}

// A ReservationFilter from the keyword arguments list_reservations and
// Customers.bookings share (the customer fields are list_reservations' own).
ReservationFilter reservation_filter(py::handle resource, py::handle pool, py::handle start,
                                     py::handle end, py::handle statuses, py::handle series,
                                     py::handle service, py::handle order, py::handle after_id,
                                     py::handle after_start, py::handle limit) {
  ReservationFilter f;
  f.resource = optional_id<ResourceId>(resource, "resource");
  f.pool = optional_id<PoolId>(pool, "pool");
  f.from = to_optional_instant(start, "start");
  f.to = to_optional_instant(end, "end");
  f.statuses = to_statuses(statuses, "statuses");
  f.series = optional_id<SeriesId>(series, "series");
  f.service = optional_id<ServiceId>(service, "service");
  f.order = from_python<ReservationOrder>(order, "order");
  f.after_id = ReservationId{to_int64(after_id, "after_id")};
  f.after_start = to_optional_instant(after_start, "after_start");
  f.limit = to_int(limit, "limit");
  return f;
}

// A SeriesRequest from the arguments book and check share.
SeriesRequest series_request(py::handle allocations, py::handle first_date, py::handle start_minute,
                             py::handle duration, py::handle rule, py::handle exdates) {
  SeriesRequest req;
  req.allocations = to_requests(allocations, "allocations");
  req.first_date = from_python<LocalDate>(first_date, "first_date");
  req.start_minute = to_int(start_minute, "start_minute");
  req.duration = to_seconds(duration, "duration");
  auto text = codec::rrule_text(req.rule);
  value_from_python(rule, "rule", text);
  req.exdates = from_python<std::vector<LocalDate>>(exdates, "exdates");
  return req;
}

// confirm, cancel, mark_completed and mark_no_show share one shape.
using Transition = Result<Reservation> (Engine::*)(const Principal&, TenantId, ReservationId,
                                                   std::optional<std::int64_t>);

py::object transition(Transition method, const EngineHandle& self, TenantId tenant,
                      ReservationId id, py::handle if_version, py::handle who) {
  const Principal& p = principal_of(who);
  const auto guard = version_guard(if_version);
  return to_python(engine_call(self, [&](Engine& e) { return (e.*method)(p, tenant, id, guard); }));
}

template <typename T>
py::object to_python_struct(const T& value) {
  return struct_to_python(value);
}
template <typename T>
py::list to_python_list(const std::vector<T>& items) {
  py::list out(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out[i] = struct_to_python(items[i]);
  return out;
}

}  // namespace
}  // namespace boka::python

PYBIND11_MODULE(_native, m) {
  using namespace boka;
  using namespace boka::python;
  using py::arg;

  m.doc() = "boka's native core (private: import boka instead)";
  init_conversions();

  m.def(
      "version", [] { return std::string(version_string()); },
      "The version of the boka library, \"0.1.0\".");
  m.def(
      "code_name",
      [](int code) -> std::string {
        if (code < 0 || code > static_cast<int>(Code::not_supported)) return "unknown";
        return code_name(static_cast<Code>(code));
      },
      arg("code"), "The C++ library's name of an error code (\"conflict\").");

  py::class_<Principal>(
      m, "Principal", "Who acts: the system principal (a trusted embedder), a user or an API key.")
      .def_static("system", &Principal::system,
                  "The trusted embedder, which does its own authentication and may act in "
                  "every tenant.")
      .def_property_readonly("kind",
                             [](const Principal& p) {
                               switch (p.kind()) {
                                 case Principal::Kind::system: return "system";
                                 case Principal::Kind::user: return "user";
                                 case Principal::Kind::api_key: return "api_key";
                               }
                               return "unknown";
                             })
      .def_property_readonly("name", &Principal::name)
      .def("__repr__", [](const Principal& p) { return "<boka.Principal " + p.name() + ">"; });

  py::class_<ManualClock, std::shared_ptr<ManualClock>>(
      m, "ManualClock", "A clock that only moves when told to, for tests and simulations.")
      .def(py::init([](py::object now) {
             return std::make_shared<ManualClock>(to_instant(now, "now"));
           }),
           arg("now"))
      .def("now", [](const ManualClock& c) { return from_instant(c.now()); })
      .def(
          "set", [](ManualClock& c, py::object now) { c.set(to_instant(now, "now")); }, arg("now"))
      .def(
          "advance",
          [](ManualClock& c, py::object by) {
            const Seconds step = to_seconds(by, "by");
            const Instant target = c.now() + step;
            if (to_unix(target) < shell::kMinInstant || to_unix(target) > shell::kMaxInstant) {
              raise_invalid("by: the clock would leave the years 0001..9999");
            }
            c.advance(step);
          },
          arg("by"));

  py::class_<EngineHandle>(m, "Engine", R"(A booking engine over a store.

Engine(uri) opens "memory:", "sqlite:path/to/file.db" (created and migrated on open) or
"postgresql://user@host/db". Use it as a context manager, or call close(). Every method
may be called from several threads at once; each releases the GIL while the engine works.
)")
      .def(py::init([](const std::string& uri, std::shared_ptr<ManualClock> clock, bool read_only,
                       py::object read_only_reason, py::object auth,
                       py::object waitlist_offer_window, py::object event_retention,
                       py::object webhooks, py::object mail) {
             AuthOptions options;
             if (!auth.is_none()) struct_from_python(auth, "auth", options);
             WebhookOptions hooks;
             if (!webhooks.is_none()) struct_from_python(webhooks, "webhooks", hooks);
             MailOptions mail_options;
             if (!mail.is_none()) struct_from_python(mail, "mail", mail_options);
             return std::make_unique<EngineHandle>(
                 uri, std::move(clock), read_only, to_string(read_only_reason, "read_only_reason"),
                 std::move(options),
                 to_optional_seconds(waitlist_offer_window, "waitlist_offer_window"),
                 to_optional_seconds(event_retention, "event_retention"), std::move(hooks),
                 std::move(mail_options));
           }),
           arg("uri"), py::kw_only(), arg("clock") = py::none(), arg("read_only") = false,
           arg("read_only_reason") = "", arg("auth") = py::none(),
           arg("waitlist_offer_window") = py::none(), arg("event_retention") = py::none(),
           arg("webhooks") = py::none(), arg("mail") = py::none())
      .def_property_readonly(
          "auth", [](py::object self) { return AuthFacet(std::move(self)); },
          "Users, logins, sessions, TOTP MFA and API keys (boka.Auth).")
      .def_property_readonly(
          "series", [](py::object self) { return SeriesFacet(std::move(self)); },
          "Recurring series, booked as ordinary reservations (boka.RecurringBookings).")
      .def_property_readonly(
          "waitlist", [](py::object self) { return WaitlistFacet(std::move(self)); },
          "The waitlist that offers freed capacity to waiting customers (boka.Waitlist).")
      .def_property_readonly(
          "services", [](py::object self) { return ServicesFacet(std::move(self)); },
          "Services, the appointment types bookings may name (boka.Services).")
      .def_property_readonly(
          "customers", [](py::object self) { return CustomersFacet(std::move(self)); },
          "Customer records, their bookings, merging, export and erasure (boka.Customers).")
      .def_property_readonly(
          "events", [](py::object self) { return EventsFacet(std::move(self)); },
          "The event feed, boka's transactional outbox (boka.Events).")
      .def_property_readonly(
          "feeds", [](py::object self) { return FeedsFacet(std::move(self)); },
          "iCalendar feeds of bookings behind secret, revocable URLs (boka.CalendarFeeds).")
      .def_property_readonly(
          "manage_links", [](py::object self) { return ManageLinksFacet(std::move(self)); },
          "Signed, revocable links to one reservation for customers without an account "
          "(boka.ManageLinks).")
      .def_property_readonly(
          "webhooks", [](py::object self) { return WebhooksFacet(std::move(self)); },
          "Signed webhooks: endpoints, deliveries, replays (boka.Webhooks).")
      .def_property_readonly(
          "mail", [](py::object self) { return MailFacet(std::move(self)); },
          "Customer email: settings, templates, messages, the worker's round (boka.Mail).")
      .def_property_readonly(
          "payments", [](py::object self) { return PaymentsFacet(std::move(self)); },
          "Payment state and the payment provider's notifications (boka.Payments).")
      .def_property_readonly(
          "operations", [](py::object self) { return OperationsFacet(std::move(self)); },
          "The audit trail, health, backups, read-only mode, heartbeats, "
          "statistics and metrics (boka.Operations).")
      .def("close", &EngineHandle::close,
           "Closes the engine and its store. Idempotent; later calls raise "
           "InvalidArgumentError.")
      .def_property_readonly("closed", &EngineHandle::closed)
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__", [](EngineHandle& self, py::object, py::object, py::object) { self.close(); },
          arg("exc_type"), arg("exc"), arg("traceback"))

      // --- Tenants ---
      .def(
          "create_tenant",
          [](const EngineHandle& self, py::object name, py::object who) {
            Tenant spec;
            spec.name = to_string(name, "name");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.create_tenant(p, spec); }));
          },
          arg("name"), py::kw_only(), arg("who") = py::none(),
          "Creates a tenant (the isolation boundary) with a unique name.")
      .def(
          "get_tenant",
          [](const EngineHandle& self, TenantId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(self, [&](Engine& e) { return e.get_tenant(p, id); }));
          },
          arg("id"), py::kw_only(), arg("who") = py::none(),
          "The tenant with this id (NotFoundError if there is none).")
      .def(
          "list_tenants",
          [](const EngineHandle& self, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(self, [&](Engine& e) { return e.list_tenants(p); }));
          },
          py::kw_only(), arg("who") = py::none(), "Every tenant, by id.")
      .def(
          "update_tenant",
          [](const EngineHandle& self, py::object tenant, py::object who) {
            const Tenant t = to_tenant(tenant, "tenant");
            const Principal& p = principal_of(who);
            return to_python(engine_call(self, [&](Engine& e) { return e.update_tenant(p, t); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "Renames a tenant; tenant.version must be the stored one (else ConflictError).")
      .def(
          "archive_tenant",
          [](const EngineHandle& self, TenantId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(self, [&](Engine& e) { return e.archive_tenant(p, id); }));
          },
          arg("id"), py::kw_only(), arg("who") = py::none(),
          "Archives a tenant: it keeps everything but takes no new bookings. Idempotent.")
      .def(
          "update_tenant_rules",
          [](const EngineHandle& self, TenantId id, py::object rules, py::object max_hold,
             py::object expected_version, py::object who) {
            TenantRules r;
            r.rules = from_python<BookingRules>(rules, "rules");
            r.max_hold = to_seconds(max_hold, "max_hold");
            const std::int64_t version = to_int64(expected_version, "expected_version");
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.update_tenant_rules(p, id, r, version); }));
          },
          arg("id"), py::kw_only(), arg("rules"), arg("max_hold"), arg("expected_version"),
          arg("who") = py::none(),
          "Sets the tenant's booking rules (a BookingRules) and the longest hold a booking may "
          "ask for (1 minute .. 30 days), both replaced; expected_version must be the tenant's "
          "stored version (else ConflictError). Needs catalog:write in the tenant. Existing "
          "bookings are not re-checked.")

      // --- Resources ---
      .def(
          "create_resource",
          [](const EngineHandle& self, TenantId tenant, py::object name, py::object zone,
             py::object capacity, py::object policy, py::object rules, py::object schedule,
             py::object metadata, py::object who) {
            Resource spec;
            spec.name = to_string(name, "name");
            spec.zone = to_string(zone, "zone");
            spec.capacity = to_int(capacity, "capacity");
            spec.policy = to_policy(policy, "policy");
            if (!rules.is_none()) spec.rules = from_python<BookingRules>(rules, "rules");
            if (!schedule.is_none()) spec.schedule = ScheduleId{to_int64(schedule, "schedule")};
            spec.metadata_json = to_metadata_json(metadata, "metadata");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.create_resource(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("name"), arg("zone"), arg("capacity") = 1,
          arg("policy") = py::none(), arg("rules") = py::none(), arg("schedule") = py::none(),
          arg("metadata") = py::none(), arg("who") = py::none(),
          "Creates a resource: a name, an IANA zone, a capacity, a booking policy, booking "
          "rules (cutoffs and per-customer limits) and a schedule (None: open around the "
          "clock).")
      .def(
          "get_resource",
          [](const EngineHandle& self, TenantId tenant, ResourceId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.get_resource(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The resource with this id in the tenant.")
      .def(
          "list_resources",
          [](const EngineHandle& self, TenantId tenant, bool include_archived, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.list_resources(p, tenant, include_archived); }));
          },
          arg("tenant"), py::kw_only(), arg("include_archived") = false, arg("who") = py::none(),
          "The tenant's resources, by id.")
      .def(
          "update_resource",
          [](const EngineHandle& self, TenantId tenant, py::object resource, py::object who) {
            const Resource r = to_resource(resource, "resource");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.update_resource(p, tenant, r); }));
          },
          arg("tenant"), arg("resource"), py::kw_only(), arg("who") = py::none(),
          "Replaces every field of a resource; resource.version must be the stored one. "
          "Lowering capacity below current usage raises ConflictError.")
      .def(
          "archive_resource",
          [](const EngineHandle& self, TenantId tenant, ResourceId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.archive_resource(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Archives a resource: no new bookings, history kept.")

      // --- Schedules ---
      .def(
          "create_schedule",
          [](const EngineHandle& self, TenantId tenant, py::object name, py::object weekly,
             py::object overrides, py::object holidays, py::object who) {
            Schedule spec;
            spec.name = to_string(name, "name");
            spec.weekly = to_weekly(weekly, "weekly");
            spec.overrides = to_overrides(overrides, "overrides");
            spec.holidays = to_holidays(holidays, "holidays");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.create_schedule(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("name"), arg("weekly") = py::tuple(),
          arg("overrides") = py::tuple(), arg("holidays") = py::tuple(), arg("who") = py::none(),
          "Creates a schedule: weekly rules in local wall time, date overrides and yearly "
          "holidays.")
      .def(
          "get_schedule",
          [](const EngineHandle& self, TenantId tenant, ScheduleId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.get_schedule(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The schedule with this id in the tenant.")
      .def(
          "list_schedules",
          [](const EngineHandle& self, TenantId tenant, bool include_archived, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.list_schedules(p, tenant, include_archived); }));
          },
          arg("tenant"), py::kw_only(), arg("include_archived") = false, arg("who") = py::none(),
          "The tenant's schedules, by id.")
      .def(
          "update_schedule",
          [](const EngineHandle& self, TenantId tenant, py::object schedule, py::object who) {
            const Schedule s = to_schedule(schedule, "schedule");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.update_schedule(p, tenant, s); }));
          },
          arg("tenant"), arg("schedule"), py::kw_only(), arg("who") = py::none(),
          "Replaces a schedule's rules; schedule.version must be the stored one.")
      .def(
          "archive_schedule",
          [](const EngineHandle& self, TenantId tenant, ScheduleId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.archive_schedule(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Archives a schedule (ConflictError while an active resource uses it).")

      // --- Pools ---
      .def(
          "create_pool",
          [](const EngineHandle& self, TenantId tenant, py::object name, py::object members,
             py::object who) {
            Pool spec;
            spec.name = to_string(name, "name");
            spec.members = to_resource_ids(members, "members");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.create_pool(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("name"), arg("members"), arg("who") = py::none(),
          "Creates a pool: interchangeable resources in preference order.")
      .def(
          "get_pool",
          [](const EngineHandle& self, TenantId tenant, PoolId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.get_pool(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The pool with this id in the tenant.")
      .def(
          "list_pools",
          [](const EngineHandle& self, TenantId tenant, bool include_archived, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.list_pools(p, tenant, include_archived); }));
          },
          arg("tenant"), py::kw_only(), arg("include_archived") = false, arg("who") = py::none(),
          "The tenant's pools, by id.")
      .def(
          "update_pool",
          [](const EngineHandle& self, TenantId tenant, py::object pool, py::object who) {
            const Pool value = to_pool(pool, "pool");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.update_pool(p, tenant, value); }));
          },
          arg("tenant"), arg("pool"), py::kw_only(), arg("who") = py::none(),
          "Replaces a pool's name and members; pool.version must be the stored one.")
      .def(
          "archive_pool",
          [](const EngineHandle& self, TenantId tenant, PoolId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.archive_pool(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Archives a pool: it takes no new bookings.")

      // --- Availability ---
      .def(
          "availability",
          [](const EngineHandle& self, TenantId tenant, py::object requests, py::object start,
             py::object end, py::object duration, py::object service, py::object step,
             py::object who) {
            AvailabilityQuery q;
            q.requests = to_requests(requests, "requests");
            q.service = optional_id<ServiceId>(service, "service");
            q.from = to_instant(start, "start");
            q.to = to_instant(end, "end");
            q.duration = to_optional_seconds(duration, "duration").value_or(Seconds(0));
            q.step = to_optional_seconds(step, "step");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.availability(p, tenant, q); }));
          },
          arg("tenant"), arg("requests"), arg("start"), arg("end"), arg("duration") = py::none(),
          py::kw_only(), arg("service") = py::none(), arg("step") = py::none(),
          arg("who") = py::none(),
          "Every start on the slot grid in [start, end) where a reservation of `duration` "
          "for all requests would be accepted now, as Slots (UTC). With service= (and no "
          "requests) the question is about that service: its allocations, buffers and notice, "
          "and its duration when duration is None.")
      .def(
          "availability_page",
          [](const EngineHandle& self, TenantId tenant, py::object requests, py::object start,
             py::object end, py::object duration, py::object service, py::object step,
             py::object limit, py::object who) {
            AvailabilityQuery q;
            q.requests = to_requests(requests, "requests");
            q.service = optional_id<ServiceId>(service, "service");
            q.from = to_instant(start, "start");
            q.to = to_instant(end, "end");
            q.duration = to_optional_seconds(duration, "duration").value_or(Seconds(0));
            q.step = to_optional_seconds(step, "step");
            q.limit = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python_struct(
                engine_call(self, [&](Engine& e) { return e.availability_page(p, tenant, q); }));
          },
          arg("tenant"), arg("requests"), arg("start"), arg("end"), arg("duration") = py::none(),
          py::kw_only(), arg("service") = py::none(), arg("step") = py::none(),
          arg("limit") = AvailabilityQuery::kMaxSlots, arg("who") = py::none(),
          "The same question as availability(), a page at a time: a SlotPage with the first "
          "`limit` (1..10000) slots, and when more follow truncated=True and next_from, the "
          "start of the next page's query.")
      .def(
          "explain",
          [](const EngineHandle& self, TenantId tenant, py::object requests, py::object start,
             py::object duration, py::object who) {
            const auto reqs = to_requests(requests, "requests");
            const Instant at = to_instant(start, "start");
            const Seconds length = to_seconds(duration, "duration");
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.explain(p, tenant, reqs, at, length); }));
          },
          arg("tenant"), arg("requests"), arg("start"), arg("duration"), py::kw_only(),
          arg("who") = py::none(),
          "Why a reservation of `duration` at `start` would or would not be accepted.")

      // --- Reservations ---
      .def(
          "reserve",
          [](const EngineHandle& self, TenantId tenant, py::object allocations, py::object start,
             py::object end, py::object service, py::object hold_for, py::object idempotency_key,
             py::object customer, py::object customer_id, py::object notes, py::object metadata,
             py::object override_rules, py::object who) {
            ReserveRequest req;
            req.allocations = to_requests(allocations, "allocations");
            req.service = optional_id<ServiceId>(service, "service");
            req.start = to_instant(start, "start");
            // No end: the service's duration (the engine reads an unset end so).
            if (!end.is_none()) req.end = to_instant(end, "end");
            req.hold_for = to_optional_seconds(hold_for, "hold_for");
            req.idempotency_key = to_string(idempotency_key, "idempotency_key");
            req.customer = to_string(customer, "customer");
            req.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            req.notes = to_string(notes, "notes");
            req.metadata_json = to_metadata_json(metadata, "metadata");
            req.override_rules = from_python<bool>(override_rules, "override_rules");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.reserve(p, tenant, req); }));
          },
          arg("tenant"), arg("allocations"), arg("start"), arg("end") = py::none(), py::kw_only(),
          arg("service") = py::none(), arg("hold_for") = py::none(), arg("idempotency_key") = "",
          arg("customer") = "", arg("customer_id") = py::none(), arg("notes") = "",
          arg("metadata") = py::none(), arg("override_rules") = false, arg("who") = py::none(),
          "Books all allocations over [start, end) or none. service=: book that service "
          "instead (allocations empty; end None: its duration), with its buffers, notice and "
          "price. hold_for: held until now + hold_for, to be confirmed. customer_id: the "
          "customer record it is for. A refusal for capacity, hours, notice, horizon or daily "
          "limit is ConflictError with the blocking reservation ids and the next free start; "
          "one by a per-customer limit names it in error.rule, and staff may pass over it "
          "with override_rules=True.")
      .def(
          "confirm",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object if_version,
             py::object who) {
            return transition(&Engine::confirm, self, tenant, id, if_version, who);
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("if_version") = py::none(),
          arg("who") = py::none(), "held -> confirmed (an expired hold raises ConflictError).")
      .def(
          "cancel",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object if_version,
             py::object override_rules, py::object who) {
            const ChangeGuard guard = change_guard(if_version, override_rules);
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.cancel(p, tenant, id, guard); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("if_version") = py::none(),
          arg("override_rules") = false, arg("who") = py::none(),
          "held or confirmed -> cancelled; frees the capacity at once. Within the cancel "
          "cutoff of its start it raises ConflictError with error.rule \"cancel_cutoff\" and "
          "error.deadline, unless override_rules=True (staff: rules:override).")
      .def(
          "mark_completed",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object if_version,
             py::object who) {
            return transition(&Engine::mark_completed, self, tenant, id, if_version, who);
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("if_version") = py::none(),
          arg("who") = py::none(), "confirmed -> completed, once the reservation has started.")
      .def(
          "mark_no_show",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object if_version,
             py::object who) {
            return transition(&Engine::mark_no_show, self, tenant, id, if_version, who);
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("if_version") = py::none(),
          arg("who") = py::none(), "confirmed -> no_show, once the reservation has started.")
      .def(
          "reschedule",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object start,
             py::object end, py::object if_version, py::object override_rules, py::object who) {
            const Instant new_start = to_instant(start, "start");
            const Instant new_end = to_instant(end, "end");
            const ChangeGuard guard = change_guard(if_version, override_rules);
            const Principal& p = principal_of(who);
            return to_python(engine_call(self, [&](Engine& e) {
              return e.reschedule(p, tenant, id, new_start, new_end, guard);
            }));
          },
          arg("tenant"), arg("id"), arg("start"), arg("end"), py::kw_only(),
          arg("if_version") = py::none(), arg("override_rules") = false, arg("who") = py::none(),
          "Moves an active reservation to [start, end) in one step; its own old range "
          "never blocks the new one. The reschedule cutoff applies as the cancel cutoff does "
          "to cancel (override_rules=True passes over it).")
      .def(
          "update_reservation",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object customer,
             py::object customer_id, py::object notes, py::object metadata, py::object start,
             py::object end, py::object allocations, py::object quantity, py::object if_version,
             py::object override_rules, py::object who) {
            ReservationUpdate u;
            u.customer = to_optional_string(customer, "customer");
            u.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            u.notes = to_optional_string(notes, "notes");
            if (!metadata.is_none()) u.metadata_json = to_metadata_json(metadata, "metadata");
            u.start = to_optional_instant(start, "start");
            u.end = to_optional_instant(end, "end");
            if (!allocations.is_none()) u.allocations = to_requests(allocations, "allocations");
            if (!quantity.is_none()) u.quantity = to_int(quantity, "quantity");
            u.guard = change_guard(if_version, override_rules);
            const Principal& p = principal_of(who);
            return to_python(engine_call(
                self, [&](Engine& e) { return e.update_reservation(p, tenant, id, u); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("customer") = py::none(),
          arg("customer_id") = py::none(), arg("notes") = py::none(), arg("metadata") = py::none(),
          arg("start") = py::none(), arg("end") = py::none(), arg("allocations") = py::none(),
          arg("quantity") = py::none(), arg("if_version") = py::none(),
          arg("override_rules") = false, arg("who") = py::none(),
          "Edits an active reservation in one transaction; None keeps a field. customer, "
          "customer_id (0 unlinks), notes and metadata may change at any time, also on a "
          "finished reservation; a new start (alone: the length is kept), end, placement "
          "(allocations) or quantity goes through every check of reserve, the reschedule "
          "cutoff and the per-customer limits. Customers may not change the customer fields.")
      .def(
          "get_reservation",
          [](const EngineHandle& self, TenantId tenant, ReservationId id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.get_reservation(p, tenant, id); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The reservation with this id (a lapsed hold reads as expired).")
      .def(
          "list_reservations",
          [](const EngineHandle& self, TenantId tenant, py::object resource, py::object pool,
             py::object start, py::object end, py::object statuses, py::object customer,
             py::object customer_id, py::object series, py::object service, py::object order,
             py::object after_id, py::object after_start, py::object limit, py::object who) {
            ReservationFilter f = reservation_filter(resource, pool, start, end, statuses, series,
                                                     service, order, after_id, after_start, limit);
            f.customer = to_optional_string(customer, "customer");
            f.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            const Principal& p = principal_of(who);
            return to_python(
                engine_call(self, [&](Engine& e) { return e.list_reservations(p, tenant, f); }));
          },
          arg("tenant"), py::kw_only(), arg("resource") = py::none(), arg("pool") = py::none(),
          arg("start") = py::none(), arg("end") = py::none(), arg("statuses") = py::tuple(),
          arg("customer") = py::none(), arg("customer_id") = py::none(), arg("series") = py::none(),
          arg("service") = py::none(), arg("order") = "by_id", arg("after_id") = 0,
          arg("after_start") = py::none(), arg("limit") = 100, arg("who") = py::none(),
          "The tenant's reservations, filtered: on a resource or from a pool, overlapping "
          "[start, end), with one of the statuses, of a customer (the free-text reference or "
          "the record), of a series, of a service. order \"by_id\" pages with after_id; "
          "\"by_start\" (start, then id) with after_start and after_id of the last row.")
      .def(
          "expire_holds",
          [](const EngineHandle& self, py::object limit, py::object who) {
            const int n = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return engine_call(self, [&](Engine& e) { return e.expire_holds(p, n); });
          },
          arg("limit") = 1000, py::kw_only(), arg("who") = py::none(),
          "Marks up to `limit` lapsed holds (all tenants) expired; returns how many. For "
          "a worker.");

  m.def(
      "verify_backup",
      [](py::object path) {
        const std::string file = to_string(path, "path");
        return to_python(released([&] { return verify_backup(file); }));
      },
      arg("path"),
      "Checks a backup file against its manifest (checksum, integrity, schema, row counts, "
      "audit chains and heads). Reads only. NotFoundError if the file or its manifest is "
      "missing; a damaged backup returns ok=False with its problems.");
  m.def(
      "restore_backup",
      [](py::object path, py::object target, bool overwrite) {
        const std::string from = to_string(path, "path");
        const std::string to = to_string(target, "target");
        RestoreOptions o;
        o.overwrite = overwrite;
        released([&] { return restore_backup(from, to, o); });
      },
      arg("path"), arg("target"), py::kw_only(), arg("overwrite") = false,
      "Verifies a backup and restores it into `target` atomically (the old file or the "
      "whole backup, never a mix). AlreadyExistsError for an existing target unless "
      "overwrite=True. Stop every process using the target first.");
  m.def(
      "apply_retention",
      [](py::object directory, py::object kind, py::object keep) {
        const std::string dir = to_string(directory, "directory");
        const BackupKind k = to_backup_kind(kind, "kind");
        const int n = to_int(keep, "keep");
        return to_python(released([&] { return apply_retention(dir, k, n); }));
      },
      arg("directory"), arg("kind"), arg("keep"),
      "Deletes the oldest backups of `kind` in `directory` beyond the newest `keep`; "
      "returns the deleted paths.");

  using OpsFacet = const OperationsFacet&;
  py::class_<OperationsFacet>(m, "Operations",
                              R"(The audit trail, health, backups, read-only mode, heartbeats,
statistics and metrics of an engine (engine.operations). Every call takes who= (default: the
system principal) and raises like the engine's own calls.)")
      .def(
          "storage_info",
          [](OpsFacet f) { return to_python(f.handle().get()->operations().storage_info()); },
          "The store's dialect, schema version and location (never a password).")

      // --- Audit trail ---
      .def(
          "audit_records",
          [](OpsFacet f, TenantId tenant, py::object actor, py::object target, py::object action,
             py::object outcome, py::object start, py::object end, py::object after_seq,
             py::object limit, py::object who) {
            AuditQuery q;
            q.tenant = tenant;
            q.actor = to_optional_string(actor, "actor");
            q.target = to_optional_string(target, "target");
            q.action = to_optional_string(action, "action");
            if (!outcome.is_none()) q.outcome = to_audit_outcome(outcome, "outcome");
            q.from = to_optional_instant(start, "start");
            q.to = to_optional_instant(end, "end");
            q.after_seq = to_int64(after_seq, "after_seq");
            q.limit = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python(f.call([&](Operations& ops) { return ops.audit_records(p, q); }));
          },
          arg("tenant"), py::kw_only(), arg("actor") = py::none(), arg("target") = py::none(),
          arg("action") = py::none(), arg("outcome") = py::none(), arg("start") = py::none(),
          arg("end") = py::none(), arg("after_seq") = 0, arg("limit") = 1000,
          arg("who") = py::none(),
          "Records of the tenant's audit chain (0: the system chain) by seq, filtered: by "
          "actor, target, action (a prefix when it ends in '.'), outcome, at in [start, "
          "end); page with after_seq.")
      .def(
          "verify_audit",
          [](OpsFacet f, py::object tenant, py::object who) {
            std::optional<TenantId> chain;
            if (!tenant.is_none()) chain = TenantId{to_int64(tenant, "tenant")};
            const Principal& p = principal_of(who);
            return to_python(f.call([&](Operations& ops) { return ops.verify_audit(p, chain); }));
          },
          arg("tenant") = py::none(), py::kw_only(), arg("who") = py::none(),
          "Walks one audit chain (None: every chain) and reports the first broken link.")
      .def(
          "check_audit_heads",
          [](OpsFacet f, py::object heads, py::object who) {
            const auto known = to_audit_heads(heads, "heads");
            const Principal& p = principal_of(who);
            return to_python(
                f.call([&](Operations& ops) { return ops.check_audit_heads(p, known); }));
          },
          arg("heads"), py::kw_only(), arg("who") = py::none(),
          "Checks the chains against heads kept elsewhere (a backup manifest's audit_heads): "
          "each chain must still hold that record with that hash.")

      // --- Operations ---
      .def(
          "metrics_text",
          [](OpsFacet f) {
            std::shared_ptr<Engine> engine = f.handle().get();
            std::string text;
            {
              py::gil_scoped_release nogil;
              text = engine->operations().metrics()->exposition();
            }
            return from_string(text);
          },
          "The engine's metrics in the Prometheus text format (what a host serves at "
          "/metrics).")
      .def(
          "health",
          [](OpsFacet f, py::object options, py::object who) {
            const HealthOptions o = to_health_options(options, "options");
            const Principal& p = principal_of(who);
            return to_python(f.call([&](Operations& ops) { return ops.health(p, o); }));
          },
          arg("options") = py::none(), py::kw_only(), arg("who") = py::none(),
          "Storage, schema, read-only state, disk, last backup and heartbeats; overall ok, "
          "degraded or failing (an unreachable store is failing, not an exception).")
      .def(
          "database_stats",
          [](OpsFacet f, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(f.call([&](Operations& ops) { return ops.database_stats(p); }));
          },
          py::kw_only(), arg("who") = py::none(), "Row counts and sizes of every table.")
      .def(
          "set_read_only",
          [](OpsFacet f, bool on, py::object reason, py::object who) {
            const std::string why = to_string(reason, "reason");
            const Principal& p = principal_of(who);
            f.call([&](Operations& ops) { return ops.set_read_only(p, on, why); });
          },
          arg("on"), arg("reason") = "", py::kw_only(), arg("who") = py::none(),
          "Read-only mode on or off: while on, every call that would write raises "
          "UnavailableError naming the reason; reads go on. Per engine.")
      .def(
          "read_only_reason",
          [](OpsFacet f) -> py::object {
            const auto reason = f.handle().get()->operations().read_only_reason();
            return reason ? py::object(from_string(*reason)) : py::object(py::none());
          },
          "The reason read-only mode was switched on, or None while writable.")
      .def(
          "record_heartbeat",
          [](OpsFacet f, py::object component, py::object who) {
            const std::string name = to_string(component, "component");
            const Principal& p = principal_of(who);
            f.call([&](Operations& ops) { return ops.record_heartbeat(p, name); });
          },
          arg("component"), py::kw_only(), arg("who") = py::none(),
          "Records that `component` (\"worker\") is alive now; health() reports its age.")
      .def(
          "backup",
          [](OpsFacet f, py::object directory, py::object kind, py::object keep, bool verify,
             py::object who) {
            BackupOptions o;
            o.directory = to_string(directory, "directory");
            o.kind = to_backup_kind(kind, "kind");
            o.keep = to_int(keep, "keep");
            o.verify = verify;
            const Principal& p = principal_of(who);
            return to_python(f.call([&](Operations& ops) { return ops.backup(p, o); }));
          },
          arg("directory"), py::kw_only(), arg("kind") = "manual", arg("keep") = 0,
          arg("verify") = false, arg("who") = py::none(),
          "An online, consistent backup of the SQLite store into "
          "<directory>/<kind>/boka-<kind>-<YYYYMMDD-HHMMSS>.db with its manifest; applies "
          "retention (keep 0: the kind's default); verifies when verify=True (a backup that "
          "fails is kept: check result.verification.ok). NotSupportedError on other stores.");

  using Recurring = const SeriesFacet&;
  py::class_<SeriesFacet>(m, "RecurringBookings",
                          R"(Recurring series of an engine (engine.series): a first occurrence in
local wall time and an RRULE ("FREQ=WEEKLY;BYDAY=TU;COUNT=10"), booked as ordinary
reservations that name their series. Every call takes who= (default: the system principal)
and raises like the engine's own calls; docs/recurrence.md is the guide.)")
      .def(
          "book",
          [](Recurring f, TenantId tenant, py::object allocations, py::object first_date,
             py::object start_minute, py::object duration, py::object rule, py::object exdates,
             py::object mode, py::object hold_for, py::object idempotency_key, py::object customer,
             py::object customer_id, py::object metadata, bool override_rules, py::object who) {
            SeriesRequest req =
                series_request(allocations, first_date, start_minute, duration, rule, exdates);
            req.override_rules = override_rules;
            req.mode = from_python<SeriesMode>(mode, "mode");
            req.hold_for = to_optional_seconds(hold_for, "hold_for");
            req.idempotency_key = to_string(idempotency_key, "idempotency_key");
            req.customer = to_string(customer, "customer");
            req.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            req.metadata_json = to_metadata_json(metadata, "metadata");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](RecurringBookings& s) { return s.book(p, tenant, req); }));
          },
          arg("tenant"), arg("allocations"), arg("first_date"), arg("start_minute"),
          arg("duration"), arg("rule"), py::kw_only(), arg("exdates") = py::tuple(),
          arg("mode") = "all_or_nothing", arg("hold_for") = py::none(), arg("idempotency_key") = "",
          arg("customer") = "", arg("customer_id") = py::none(), arg("metadata") = py::none(),
          arg("override_rules") = false, arg("who") = py::none(),
          "Books every occurrence of the series (first_date at start_minute local, then as "
          "`rule` says, less the exdates) in one transaction: a SeriesBooking. mode "
          "\"all_or_nothing\" refuses the whole series with ConflictError naming every "
          "occurrence that does not fit (error.occurrences); \"skip_conflicts\" books the free "
          "ones and reports the others in `skipped` (and as EXDATEs of the series). A bad rule "
          "raises InvalidArgumentError naming the part (NotSupportedError for FREQ=YEARLY, "
          "BYHOUR, ...). A retry with the same idempotency_key returns the original booking. "
          "Each occurrence is bound by the per-customer limits unless override_rules (staff).")
      .def(
          "check",
          [](Recurring f, TenantId tenant, py::object allocations, py::object first_date,
             py::object start_minute, py::object duration, py::object rule, py::object exdates,
             py::object who) {
            const SeriesRequest req =
                series_request(allocations, first_date, start_minute, duration, rule, exdates);
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](RecurringBookings& s) { return s.check(p, tenant, req); }));
          },
          arg("tenant"), arg("allocations"), arg("first_date"), arg("start_minute"),
          arg("duration"), arg("rule"), py::kw_only(), arg("exdates") = py::tuple(),
          arg("who") = py::none(),
          "Which occurrences of the series would be booked now (free) and why the others "
          "would not (taken): a SeriesAvailability. Stores nothing.")
      .def(
          "get",
          [](Recurring f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](RecurringBookings& s) { return s.get(p, tenant, SeriesId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The Series with this id in the tenant.")
      .def(
          "occurrences",
          [](Recurring f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(f.call(
                [&](RecurringBookings& s) { return s.occurrences(p, tenant, SeriesId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Every reservation of the series (all statuses), by start.")
      .def(
          "confirm",
          [](Recurring f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                f.call([&](RecurringBookings& s) { return s.confirm(p, tenant, SeriesId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Confirms every held occurrence in one transaction; returns the series' "
          "reservations. A lapsed hold raises ConflictError naming it.")
      .def(
          "cancel",
          [](Recurring f, TenantId tenant, ReservationId reservation, py::object scope,
             bool override_rules, py::object who) {
            const SeriesScope sc = from_python<SeriesScope>(scope, "scope");
            const Principal& p = principal_of(who);
            const ChangeGuard guard{std::nullopt, override_rules};
            return to_python_struct(f.call(
                [&](RecurringBookings& s) { return s.cancel(p, tenant, reservation, sc, guard); }));
          },
          arg("tenant"), arg("reservation"), arg("scope"), py::kw_only(),
          arg("override_rules") = false, arg("who") = py::none(),
          "Cancels occurrences counted from `reservation` (an occurrence of a series): "
          "\"this_occurrence\" (its date becomes an EXDATE), \"this_and_following\" (the "
          "series ends with an UNTIL) or \"whole_series\" (every occurrence not yet started). "
          "A confirmed occurrence inside its cancel cutoff refuses the call unless "
          "override_rules (staff; audited). A SeriesChange.")
      .def(
          "reschedule",
          [](Recurring f, TenantId tenant, ReservationId reservation, py::object scope,
             py::object first_date, py::object start_minute, py::object duration, py::object rule,
             bool override_rules, py::object who) {
            const SeriesScope sc = from_python<SeriesScope>(scope, "scope");
            SeriesReschedule change;
            change.first_date = from_python<std::optional<LocalDate>>(first_date, "first_date");
            if (!start_minute.is_none()) change.start_minute = to_int(start_minute, "start_minute");
            change.duration = to_optional_seconds(duration, "duration");
            auto text = codec::rrule_text(change.rule);
            value_from_python(rule, "rule", text);
            const Principal& p = principal_of(who);
            const ChangeGuard guard{std::nullopt, override_rules};
            return to_python_struct(f.call([&](RecurringBookings& s) {
              return s.reschedule(p, tenant, reservation, sc, change, guard);
            }));
          },
          arg("tenant"), arg("reservation"), arg("scope"), py::kw_only(),
          arg("first_date") = py::none(), arg("start_minute") = py::none(),
          arg("duration") = py::none(), arg("rule") = py::none(), arg("override_rules") = false,
          arg("who") = py::none(),
          "Moves occurrences counted from `reservation` by `scope`, all or nothing: to "
          "first_date (default: the occurrence's own date) at start_minute for duration, as "
          "`rule` repeats (None keeps the series' value). this_and_following splits the "
          "series. A refusal is ConflictError naming every occurrence that does not fit. A "
          "SeriesChange.");

  using Queue = const WaitlistFacet&;
  py::class_<WaitlistFacet>(m, "Waitlist",
                            R"(The waitlist of an engine (engine.waitlist). A request that does not
fit joins it; when capacity frees, the engine offers it to the first waiting entry that fits, as
a hold in the entry's customer's name, inside the transaction that freed it. Every call takes
who= (default: the system principal) and raises like the engine's own calls;
docs/waitlist.md is the guide.)")
      .def(
          "join",
          [](Queue f, TenantId tenant, py::object allocations, py::object earliest_start,
             py::object latest_start, py::object duration, py::object expires_at,
             py::object customer, py::object customer_id, py::object priority, py::object metadata,
             py::object who) {
            WaitlistRequest req;
            req.allocations = to_requests(allocations, "allocations");
            req.earliest_start = to_instant(earliest_start, "earliest_start");
            req.latest_start = latest_start.is_none() ? req.earliest_start
                                                      : to_instant(latest_start, "latest_start");
            req.duration = to_seconds(duration, "duration");
            req.expires_at = to_optional_instant(expires_at, "expires_at");
            req.customer = to_string(customer, "customer");
            req.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            req.priority = to_int(priority, "priority");
            req.metadata_json = to_metadata_json(metadata, "metadata");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Waitlist& w) { return w.join(p, tenant, req); }));
          },
          arg("tenant"), arg("allocations"), arg("earliest_start"), py::kw_only(),
          arg("latest_start") = py::none(), arg("duration"), arg("expires_at") = py::none(),
          arg("customer") = "", arg("customer_id") = py::none(), arg("priority") = 0,
          arg("metadata") = py::none(), arg("who") = py::none(),
          "Joins the waitlist for any start in [earliest_start, latest_start] (latest_start "
          "None: exactly earliest_start), each for `duration`: a WaitlistEntry. If it fits "
          "right now it is offered at once (status OFFERED with its hold). expires_at: when it "
          "stops waiting (default latest_start). priority (-1000..1000): staff only.")
      .def(
          "get",
          [](Queue f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Waitlist& w) { return w.get(p, tenant, WaitlistEntryId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The entry with its place in the queue: a WaitlistPosition (position 0 when the "
          "entry is not waiting).")
      .def(
          "list",
          [](Queue f, TenantId tenant, py::object resource, py::object pool, py::object customer,
             py::object customer_id, py::object statuses, py::object limit, py::object who) {
            WaitlistFilter filter;
            if (!resource.is_none()) filter.resource = ResourceId{to_int64(resource, "resource")};
            if (!pool.is_none()) filter.pool = PoolId{to_int64(pool, "pool")};
            filter.customer = to_optional_string(customer, "customer");
            filter.customer_id = optional_id<CustomerId>(customer_id, "customer_id");
            filter.statuses = from_python<std::vector<WaitlistStatus>>(statuses, "statuses");
            filter.limit = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Waitlist& w) { return w.list(p, tenant, filter); }));
          },
          arg("tenant"), py::kw_only(), arg("resource") = py::none(), arg("pool") = py::none(),
          arg("customer") = py::none(), arg("customer_id") = py::none(),
          arg("statuses") = py::tuple(), arg("limit") = 100, arg("who") = py::none(),
          "The tenant's entries in queue order (priority, then joined_at, then id), filtered: "
          "naming a resource or a pool, of a customer (the free-text reference or the record), "
          "with one of the statuses.")
      .def(
          "cancel",
          [](Queue f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Waitlist& w) { return w.cancel(p, tenant, WaitlistEntryId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Leaves the queue (waiting or offered: the offered hold is cancelled and its "
          "capacity offered to the next entry). The WaitlistEntry.")
      .def(
          "accept",
          [](Queue f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python(
                f.call([&](Waitlist& w) { return w.accept(p, tenant, WaitlistEntryId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Confirms the entry's offer (as Engine.confirm on the offered hold): the confirmed "
          "Reservation. ConflictError when it holds no offer or the offer lapsed.")
      .def(
          "set_priority",
          [](Queue f, TenantId tenant, std::int64_t id, py::object priority, py::object who) {
            const int level = to_int(priority, "priority");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Waitlist& w) {
              return w.set_priority(p, tenant, WaitlistEntryId{id}, level);
            }));
          },
          arg("tenant"), arg("id"), arg("priority"), py::kw_only(), arg("who") = py::none(),
          "Staff: moves an entry up or down its queue (-1000..1000). The WaitlistEntry.")
      .def(
          "sweep",
          [](Queue f, py::object limit, py::object who) {
            const int n = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return f.call([&](Waitlist& w) { return w.sweep(p, n); });
          },
          arg("limit") = 1000, py::kw_only(), arg("who") = py::none(),
          "For a worker: marks waiting entries past their expiry expired and lapses offers "
          "past their window (their capacity passes on); returns how many entries changed.");

  using Catalog = const ServicesFacet&;
  py::class_<ServicesFacet>(m, "Services",
                            R"(Services of an engine (engine.services): appointment types that a
booking names instead of resources and a length (Engine.reserve(service=...),
Engine.availability(service=...)). Creating, updating and archiving need catalog:write; a
customer sees only services that are customer_bookable and not archived. Every call takes who=
(default: the system principal); docs/services.md is the guide.)")
      .def(
          "create",
          [](Catalog f, TenantId tenant, py::object name, py::object duration,
             py::object allocations, py::object description, py::object allowed_durations,
             py::object buffer_before, py::object buffer_after, py::object min_notice,
             py::object price_minor, py::object currency, py::object customer_bookable,
             py::object rules, py::object metadata, py::object who) {
            Service spec;
            spec.name = to_string(name, "name");
            spec.duration = to_seconds(duration, "duration");
            spec.allocations = to_requests(allocations, "allocations");
            spec.description = to_string(description, "description");
            spec.allowed_durations =
                from_python<std::vector<Seconds>>(allowed_durations, "allowed_durations");
            spec.buffer_before = to_seconds(buffer_before, "buffer_before");
            spec.buffer_after = to_seconds(buffer_after, "buffer_after");
            spec.min_notice = to_seconds(min_notice, "min_notice");
            spec.price_minor = from_python<std::optional<std::int64_t>>(price_minor, "price_minor");
            spec.currency = to_string(currency, "currency");
            spec.customer_bookable = from_python<bool>(customer_bookable, "customer_bookable");
            if (!rules.is_none()) spec.rules = from_python<BookingRules>(rules, "rules");
            spec.metadata_json = to_metadata_json(metadata, "metadata");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Services& s) { return s.create(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("name"), arg("duration"), arg("allocations"),
          arg("description") = "", arg("allowed_durations") = py::tuple(),
          arg("buffer_before") = from_seconds(Seconds(0)),
          arg("buffer_after") = from_seconds(Seconds(0)),
          arg("min_notice") = from_seconds(Seconds(0)), arg("price_minor") = py::none(),
          arg("currency") = "", arg("customer_bookable") = true, arg("rules") = py::none(),
          arg("metadata") = py::none(), arg("who") = py::none(),
          "Creates a Service: a name, its duration (and other allowed_durations), what one "
          "booking takes (allocations of resources and pools), buffers and notice that tighten "
          "the resources' own, a price (price_minor in minor units of currency) and booking "
          "rules. Every field is checked (InvalidArgumentError naming it); nothing is stored "
          "on any error.")
      .def(
          "get",
          [](Catalog f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Services& s) { return s.get(p, tenant, ServiceId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The Service with this id (archived ones too).")
      .def(
          "list",
          [](Catalog f, TenantId tenant, bool include_archived, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(
                f.call([&](Services& s) { return s.list(p, tenant, include_archived); }));
          },
          arg("tenant"), py::kw_only(), arg("include_archived") = false, arg("who") = py::none(),
          "The tenant's services, by id.")
      .def(
          "update",
          [](Catalog f, TenantId tenant, py::object service, py::object who) {
            Service value;
            struct_from_python(service, "service", value, Mode::update);
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Services& s) { return s.update(p, tenant, value); }));
          },
          arg("tenant"), arg("service"), py::kw_only(), arg("who") = py::none(),
          "Replaces every field of a service; service.version must be the stored one (else "
          "ConflictError). Existing reservations keep the terms they were booked with.")
      .def(
          "archive",
          [](Catalog f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Services& s) { return s.archive(p, tenant, ServiceId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Archives a service: it takes no new bookings; its reservations keep naming it. "
          "Idempotent.");

  using Feed = const EventsFacet&;
  py::class_<EventsFacet>(m, "Events",
                          R"(The event feed of an engine (engine.events), boka's transactional
outbox: every change that matters to other systems (reservations, series, waitlist steps,
customers) writes an Event in its own transaction, so a rolled-back change leaves none and a
committed one always has one. Read in order with a cursor: pass the page's next_after back as
after. Reading needs events:read (admins, or an API key with that scope). Every call takes
who= (default: the system principal); docs/events.md is the guide.)")
      .def(
          "list",
          [](Feed f, TenantId tenant, std::int64_t after, int limit, py::object types,
             py::object subject, py::object who) {
            EventQuery q;
            q.after = after;
            q.limit = limit;
            if (!types.is_none()) q.types = from_python<std::vector<std::string>>(types, "types");
            q.subject = to_string(subject, "subject");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Events& e) { return e.list(p, tenant, q); }));
          },
          arg("tenant"), py::kw_only(), arg("after") = 0, arg("limit") = 100,
          arg("types") = py::none(), arg("subject") = "", arg("who") = py::none(),
          "The tenant's events after position `after`, oldest first (limit 1..1000), as an "
          "EventPage. types: exact names or \"family.*\"; subject: \"reservation:42\".")
      .def(
          "get",
          [](Feed f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Events& e) { return e.get(p, tenant, EventId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "One Event by id (NotFoundError if not the tenant's or pruned).")
      .def(
          "head",
          [](Feed f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return f.call([&](Events& e) { return e.head(p, tenant); });
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "The highest position of the tenant's feed (0 if none): where a consumer that wants "
          "only what happens from now on starts.")
      .def(
          "prune",
          [](Feed f, int limit, py::object who) {
            const Principal& p = principal_of(who);
            return f.call([&](Events& e) { return e.prune(p, limit); });
          },
          py::kw_only(), arg("limit") = 10000, arg("who") = py::none(),
          "Deletes up to `limit` events (all tenants) older than the engine's event_retention; "
          "returns how many. For the worker (system:operations).");

  using Cal = const FeedsFacet&;
  py::class_<FeedsFacet>(
      m, "CalendarFeeds",
      R"(iCalendar feeds of an engine (engine.feeds): a resource's, a customer's or
a user's bookings as RFC 5545 text behind a secret URL whose token is the capability (shown once,
revocable). docs/feeds.md is the guide.)")
      .def(
          "create",
          [](Cal f, TenantId tenant, py::object kind, std::int64_t subject, py::object name,
             py::object who) {
            const FeedKind k = from_python<FeedKind>(kind, "kind");
            const std::string n = to_string(name, "name");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](CalendarFeeds& c) { return c.create(p, tenant, k, subject, n); }));
          },
          arg("tenant"), py::kw_only(), arg("kind"), arg("subject"), arg("name") = "",
          arg("who") = py::none(), "A new feed; the CreatedFeed's token is shown only now.")
      .def(
          "list",
          [](Cal f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](CalendarFeeds& c) { return c.list(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none())
      .def(
          "revoke",
          [](Cal f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](CalendarFeeds& c) { return c.revoke(p, tenant, FeedId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "render",
          [](Cal f, const std::string& token) {
            return f.call([&](CalendarFeeds& c) { return c.render(token); });
          },
          arg("token"),
          "The feed's iCalendar text (NotFoundError for an unknown or revoked token).");

  using Links = const ManageLinksFacet&;
  py::class_<ManageLinksFacet>(
      m, "ManageLinks",
      R"(Manage links of an engine (engine.manage_links): a signed, revocable capability to one
reservation, for a customer without an account (the web app's /manage/<token>). Needs
EngineOptions.auth.encryption_key. docs/web.md is the guide.)")
      .def(
          "issue",
          [](Links l, TenantId tenant, std::int64_t reservation, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(l.call(
                [&](ManageLinks& x) { return x.issue(p, tenant, ReservationId{reservation}); }));
          },
          arg("tenant"), arg("reservation"), py::kw_only(), arg("who") = py::none(),
          "The reservation's ManageLink (reservations:all); the same token until revoked.")
      .def(
          "resolve",
          [](Links l, const std::string& token) {
            return to_python_struct(l.call([&](ManageLinks& x) { return x.resolve(token); }));
          },
          arg("token"),
          "The ManageLink a token names; UnauthenticatedError for any token that is not valid.")
      .def(
          "revoke",
          [](Links l, TenantId tenant, std::int64_t reservation, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(l.call(
                [&](ManageLinks& x) { return x.revoke(p, tenant, ReservationId{reservation}); }));
          },
          arg("tenant"), arg("reservation"), py::kw_only(), arg("who") = py::none(),
          "Ends every earlier link of the reservation; returns the new ManageLink (audited).");

  using Hooks = const WebhooksFacet&;
  py::class_<WebhooksFacet>(m, "Webhooks",
                            R"(Signed webhooks of an engine (engine.webhooks): endpoints receive the
tenant's events (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature), at least
once, in order per subject, retried with backoff, then dead-lettered; replays send them again.
Managing needs webhooks:manage (admins) and an encryption key (AuthOptions.encryption_key).
deliver() is the worker's round. Every call takes who= (default: the system principal);
docs/webhooks.md is the guide.)")
      .def(
          "create_endpoint",
          [](Hooks f, TenantId tenant, py::object url, py::object event_types,
             py::object description, bool active, py::object who) {
            WebhookEndpoint spec;
            spec.url = to_string(url, "url");
            spec.event_types = from_python<std::vector<std::string>>(event_types, "event_types");
            spec.description = to_string(description, "description");
            spec.active = active;
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Webhooks& w) { return w.create_endpoint(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("url"), arg("event_types") = py::tuple(),
          arg("description") = "", arg("active") = true, arg("who") = py::none(),
          "Creates an endpoint; returns a CreatedWebhookEndpoint whose secret is shown only now.")
      .def(
          "get_endpoint",
          [](Hooks f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call(
                [&](Webhooks& w) { return w.get_endpoint(p, tenant, WebhookEndpointId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "list_endpoints",
          [](Hooks f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Webhooks& w) { return w.list_endpoints(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none())
      .def(
          "update_endpoint",
          [](Hooks f, TenantId tenant, py::object endpoint, py::object who) {
            WebhookEndpoint value;
            struct_from_python(endpoint, "endpoint", value, Mode::update);
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Webhooks& w) { return w.update_endpoint(p, tenant, value); }));
          },
          arg("tenant"), arg("endpoint"), py::kw_only(), arg("who") = py::none(),
          "Replaces url, event_types, description and active (version must be current).")
      .def(
          "delete_endpoint",
          [](Hooks f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            f.call([&](Webhooks& w) -> Result<bool> {
              BOKA_RETURN_IF_ERROR(w.delete_endpoint(p, tenant, WebhookEndpointId{id}));
              return true;
            });
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "rotate_secret",
          [](Hooks f, TenantId tenant, std::int64_t id, py::object overlap, py::object who) {
            const Seconds o = to_optional_seconds(overlap, "overlap").value_or(Seconds(86400));
            const Principal& p = principal_of(who);
            return to_python_struct(f.call(
                [&](Webhooks& w) { return w.rotate_secret(p, tenant, WebhookEndpointId{id}, o); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("overlap") = py::none(),
          arg("who") = py::none(),
          "A new secret; the old one keeps signing for overlap (default one day, at most 7).")
      .def(
          "list_deliveries",
          [](Hooks f, TenantId tenant, py::object endpoint, py::object status, py::object event,
             std::int64_t before_id, int limit, py::object who) {
            DeliveryFilter filter;
            filter.endpoint = optional_id<WebhookEndpointId>(endpoint, "endpoint");
            if (!status.is_none()) {
              filter.status = from_python<DeliveryStatus>(status, "status");
            }
            filter.event = optional_id<EventId>(event, "event");
            filter.before_id = WebhookDeliveryId{before_id};
            filter.limit = limit;
            const Principal& p = principal_of(who);
            return to_python_list(
                f.call([&](Webhooks& w) { return w.list_deliveries(p, tenant, filter); }));
          },
          arg("tenant"), py::kw_only(), arg("endpoint") = py::none(), arg("status") = py::none(),
          arg("event") = py::none(), arg("before_id") = 0, arg("limit") = 100,
          arg("who") = py::none(), "Deliveries, newest first.")
      .def(
          "get_delivery",
          [](Hooks f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call(
                [&](Webhooks& w) { return w.get_delivery(p, tenant, WebhookDeliveryId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "list_attempts",
          [](Hooks f, TenantId tenant, std::int64_t delivery, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Webhooks& w) {
              return w.list_attempts(p, tenant, WebhookDeliveryId{delivery});
            }));
          },
          arg("tenant"), arg("delivery"), py::kw_only(), arg("who") = py::none())
      .def(
          "replay",
          [](Hooks f, TenantId tenant, std::int64_t endpoint, std::int64_t event, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Webhooks& w) {
              return w.replay(p, tenant, WebhookEndpointId{endpoint}, EventId{event});
            }));
          },
          arg("tenant"), arg("endpoint"), arg("event"), py::kw_only(), arg("who") = py::none(),
          "Sends a kept event to the endpoint again, under the same webhook-id.")
      .def(
          "replay_dead",
          [](Hooks f, TenantId tenant, std::int64_t endpoint, py::object who) {
            const Principal& p = principal_of(who);
            return f.call(
                [&](Webhooks& w) { return w.replay_dead(p, tenant, WebhookEndpointId{endpoint}); });
          },
          arg("tenant"), arg("endpoint"), py::kw_only(), arg("who") = py::none())
      .def(
          "deliver",
          [](Hooks f, int limit, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Webhooks& w) { return w.deliver(p, limit); }));
          },
          py::kw_only(), arg("limit") = 100, arg("who") = py::none(),
          "One round of the worker: schedules new events, then attempts what is due (blocks "
          "for the HTTP calls). Needs system:operations.");

  using Post = const MailFacet&;
  py::class_<MailFacet>(m, "Mail", R"(Customer email of an engine (engine.mail): confirmations,
cancellations, reschedules and reminders in the customer's language and zone, with the booking
as an .ics attachment, written by the worker's round from the event feed and submitted over SMTP
(EngineOptions mail=MailOptions(...)). Settings, previews and messages need mail:manage (admins);
send needs system:operations. docs/mail.md is the guide.)")
      .def(
          "settings",
          [](Post f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Mail& mail) { return mail.settings(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "The tenant's MailSettings (the defaults, version 0, until first saved).")
      .def(
          "update_settings",
          [](Post f, TenantId tenant, py::object settings, py::object who) {
            MailSettings value;
            struct_from_python(settings, "settings", value, Mode::update);
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Mail& mail) { return mail.update_settings(p, tenant, value); }));
          },
          arg("tenant"), arg("settings"), py::kw_only(), arg("who") = py::none(),
          "Replaces the settings (version must be current); a template that does not parse "
          "raises InvalidArgumentError naming it.")
      .def(
          "preview",
          [](Post f, TenantId tenant, py::object kind, std::int64_t reservation,
             py::object settings, py::object who) {
            const MailKind k = from_python<MailKind>(kind, "kind");
            std::optional<MailSettings> value;
            if (!settings.is_none()) {
              value.emplace();
              struct_from_python(settings, "settings", *value, Mode::update);
            }
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Mail& mail) {
              return mail.preview(p, tenant, k, ReservationId{reservation}, value);
            }));
          },
          arg("tenant"), py::kw_only(), arg("kind"), arg("reservation"),
          arg("settings") = py::none(), arg("who") = py::none(),
          "The EmailContent the reservation's customer would get (with `settings` instead of "
          "the stored ones when given).")
      .def(
          "list",
          [](Post f, TenantId tenant, py::object status, py::object kind, py::object reservation,
             py::object customer, std::int64_t before_id, int limit, py::object who) {
            EmailFilter filter;
            if (!status.is_none()) filter.status = from_python<EmailStatus>(status, "status");
            if (!kind.is_none()) filter.kind = from_python<MailKind>(kind, "kind");
            filter.reservation = optional_id<ReservationId>(reservation, "reservation");
            filter.customer = optional_id<CustomerId>(customer, "customer");
            filter.before_id = EmailId{before_id};
            filter.limit = limit;
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Mail& mail) { return mail.list(p, tenant, filter); }));
          },
          arg("tenant"), py::kw_only(), arg("status") = py::none(), arg("kind") = py::none(),
          arg("reservation") = py::none(), arg("customer") = py::none(), arg("before_id") = 0,
          arg("limit") = 100, arg("who") = py::none(), "Messages, newest first.")
      .def(
          "get",
          [](Post f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Mail& mail) { return mail.get(p, tenant, EmailId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "content",
          [](Post f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Mail& mail) { return mail.content(p, tenant, EmailId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The EmailContent as sent (blank once its customer was erased).")
      .def(
          "retry",
          [](Post f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Mail& mail) { return mail.retry(p, tenant, EmailId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Makes a dead or skipped message pending again.")
      .def(
          "send",
          [](Post f, int limit, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Mail& mail) { return mail.send(p, limit); }));
          },
          py::kw_only(), arg("limit") = 100, arg("who") = py::none(),
          "One round of the worker: writes the messages of new events and due reminders, then "
          "submits what is due (blocks for the SMTP sessions). Needs system:operations.");

  using Pay = const PaymentsFacet&;
  py::class_<PaymentsFacet>(m, "Payments", R"(Payment state of an engine (engine.payments): a
tenant's settings with the provider's signing secret, the provider's signed notifications
(Stripe's scheme) that move reservations' payment_status and confirm paid holds, and payments
staff record by hand. docs/payments.md is the guide.)")
      .def(
          "settings",
          [](Pay f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Payments& x) { return x.settings(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "The tenant's PaymentSettings (needs payments:manage).")
      .def(
          "update_settings",
          [](Pay f, TenantId tenant, py::object settings, py::object signing_secret,
             py::object who) {
            PaymentSettings value;
            struct_from_python(settings, "settings", value, Mode::update);
            const std::optional<std::string> secret =
                to_optional_string(signing_secret, "signing_secret");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Payments& x) { return x.update_settings(p, tenant, value, secret); }));
          },
          arg("tenant"), arg("settings"), py::kw_only(), arg("signing_secret") = py::none(),
          arg("who") = py::none(),
          "Replaces enabled, payment_window and tolerance (version must be current); "
          "signing_secret, when given, replaces the provider's secret (stored sealed).")
      .def(
          "handle_notification",
          [](Pay f, TenantId tenant, py::object signature_header, py::object body) {
            const std::string header = to_string(signature_header, "signature_header");
            std::string raw;
            if (py::isinstance<py::bytes>(body)) {
              raw = body.cast<std::string>();
            } else {
              raw = to_string(body, "body");
            }
            return to_python_struct(
                f.call([&](Payments& x) { return x.handle_notification(tenant, header, raw); }));
          },
          arg("tenant"), py::kw_only(), arg("signature_header"), arg("body"),
          "A provider notification as received (the Stripe-Signature header, the raw body as "
          "bytes or str): a PaymentNotice. A missing, wrong or stale signature raises "
          "PermissionDeniedError.")
      .def(
          "record",
          [](Pay f, TenantId tenant, std::int64_t reservation, py::object to, py::object reference,
             py::object who) {
            const PaymentStatus status = from_python<PaymentStatus>(to, "to");
            const std::string ref = to_string(reference, "reference");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Payments& x) {
              return x.record(p, tenant, ReservationId{reservation}, status, ref);
            }));
          },
          arg("tenant"), arg("reservation"), py::kw_only(), arg("to"), arg("reference") = "",
          arg("who") = py::none(),
          "Records a payment made outside the provider (paid, refunded or failed); a paid "
          "live hold is confirmed. The Reservation.");

  using People = const CustomersFacet&;
  py::class_<CustomersFacet>(m, "Customers",
                             R"(Customer records of an engine (engine.customers). Reservations,
series and waitlist entries name one by customer_id. Staff (customers:manage) read and change
every customer of the tenant; a customer-role user reads and updates only the record linked to
them (and exports it); admins (customers:privacy) export and erase any. Every change is audited
without personal values. Every call takes who= (default: the system principal);
docs/customers.md is the guide.)")
      .def(
          "create",
          [](People f, TenantId tenant, py::object display_name, py::object email, py::object phone,
             py::object locale, py::object time_zone, py::object notes, py::object external_ref,
             py::object user, py::object who) {
            Customer spec;
            spec.display_name = to_string(display_name, "display_name");
            spec.email = to_string(email, "email");
            spec.phone = to_string(phone, "phone");
            spec.locale = to_string(locale, "locale");
            spec.time_zone = to_string(time_zone, "time_zone");
            spec.notes = to_string(notes, "notes");
            spec.external_ref = to_string(external_ref, "external_ref");
            spec.user = optional_id<UserId>(user, "user");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.create(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("display_name"), arg("email") = "", arg("phone") = "",
          arg("locale") = "", arg("time_zone") = "", arg("notes") = "", arg("external_ref") = "",
          arg("user") = py::none(), arg("who") = py::none(),
          "Creates a Customer. The email (stored lower-case), external_ref and user (a "
          "customer-role user who is this customer) are unique among the tenant's live "
          "customers (AlreadyExistsError).")
      .def(
          "get",
          [](People f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.get(p, tenant, CustomerId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "The Customer with this id (merged and erased records too).")
      .def(
          "get_by_user",
          [](People f, TenantId tenant, std::int64_t user, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.get_by_user(p, tenant, UserId{user}); }));
          },
          arg("tenant"), arg("user"), py::kw_only(), arg("who") = py::none(),
          "The Customer linked to `user` (NotFoundError if none).")
      .def(
          "get_by_email",
          [](People f, TenantId tenant, const std::string& email, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.get_by_email(p, tenant, email); }));
          },
          arg("tenant"), arg("email"), py::kw_only(), arg("who") = py::none(),
          "The live Customer with this email, in any case (NotFoundError if none).")
      .def(
          "list",
          [](People f, TenantId tenant, py::object query, bool include_inactive,
             py::object after_id, py::object limit, py::object who) {
            CustomerFilter filter;
            filter.query = to_string(query, "query");
            filter.include_inactive = include_inactive;
            filter.after_id = CustomerId{to_int64(after_id, "after_id")};
            filter.limit = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Customers& c) { return c.list(p, tenant, filter); }));
          },
          arg("tenant"), py::kw_only(), arg("query") = "", arg("include_inactive") = false,
          arg("after_id") = 0, arg("limit") = 100, arg("who") = py::none(),
          "The tenant's customers by id: query is a case-insensitive prefix of the display "
          "name, of a word of it, or of the email (\"\": all); include_inactive adds merged and "
          "erased records; page with after_id (limit 1..1000).")
      .def(
          "update",
          [](People f, TenantId tenant, py::object customer, py::object who) {
            Customer value;
            struct_from_python(customer, "customer", value, Mode::update);
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.update(p, tenant, value); }));
          },
          arg("tenant"), arg("customer"), py::kw_only(), arg("who") = py::none(),
          "Replaces the personal fields and the user link; customer.version must be the stored "
          "one. A merged or erased record cannot be changed (ConflictError).")
      .def(
          "bookings",
          [](People f, TenantId tenant, std::int64_t id, py::object resource, py::object pool,
             py::object start, py::object end, py::object statuses, py::object series,
             py::object service, py::object order, py::object after_id, py::object after_start,
             py::object limit, py::object who) {
            const ReservationFilter filter =
                reservation_filter(resource, pool, start, end, statuses, series, service, order,
                                   after_id, after_start, limit);
            const Principal& p = principal_of(who);
            return to_python(f.call(
                [&](Customers& c) { return c.bookings(p, tenant, CustomerId{id}, filter); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("resource") = py::none(),
          arg("pool") = py::none(), arg("start") = py::none(), arg("end") = py::none(),
          arg("statuses") = py::tuple(), arg("series") = py::none(), arg("service") = py::none(),
          arg("order") = "by_id", arg("after_id") = 0, arg("after_start") = py::none(),
          arg("limit") = 100, arg("who") = py::none(),
          "The customer's reservations, filtered as Engine.list_reservations filters.")
      .def(
          "merge",
          [](People f, TenantId tenant, std::int64_t kept, std::int64_t absorbed, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Customers& c) {
              return c.merge(p, tenant, CustomerId{kept}, CustomerId{absorbed});
            }));
          },
          arg("tenant"), arg("kept"), arg("absorbed"), py::kw_only(), arg("who") = py::none(),
          "Moves every reservation, series and waitlist entry of `absorbed` to `kept` in one "
          "transaction, fills kept's empty fields from absorbed's and leaves absorbed a "
          "tombstone (merged_into = kept). Returns kept as it is now.")
      .def(
          "export_data",
          [](People f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            const std::string text =
                f.call([&](Customers& c) { return c.export_data(p, tenant, CustomerId{id}); });
            return from_metadata_json(text);
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Everything boka holds about the customer, as a dict: the record, every reservation "
          "(with notes and metadata), series and waitlist entry naming it, and the audit "
          "records about it (\"format\": \"boka.customer-export/1\"). Audited.")
      .def(
          "erase",
          [](People f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Customers& c) { return c.erase(p, tenant, CustomerId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Removes the customer's personal data for good: the record's personal fields and "
          "user link are emptied (erased_at set); their reservations, series and waitlist "
          "entries lose their free-text customer reference, notes and metadata but keep their "
          "times, resources, status, service and price. Idempotent. A linked user account is "
          "not touched (Auth).");

  using Facet = const AuthFacet&;
  py::class_<AuthFacet>(m, "Auth", R"(Users, logins, sessions, TOTP MFA and API keys of an engine
(engine.auth). A login or an API key gives a Principal to pass as `who` to any call, so a
script can act as a user or a key; docs/auth.md is the guide.)")
      // --- users
      .def(
          "create_user",
          [](Facet f, TenantId tenant, py::object email, py::object password,
             py::object display_name, py::object role, py::object who) {
            NewUser spec;
            spec.email = to_string(email, "email");
            spec.password = to_string(password, "password");
            spec.display_name = to_string(display_name, "display_name");
            spec.role = from_python<Role>(role, "role");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.create_user(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("email"), arg("password"), arg("display_name") = "",
          arg("role") = "customer", arg("who") = py::none(),
          "Creates a user (users:manage in the tenant; admin roles: a superadmin).")
      .def(
          "get_user",
          [](Facet f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.get_user(p, tenant, UserId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      .def(
          "list_users",
          [](Facet f, TenantId tenant, std::int64_t after_id, int limit, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(
                f.call([&](Auth& a) { return a.list_users(p, tenant, UserId{after_id}, limit); }));
          },
          arg("tenant"), py::kw_only(), arg("after_id") = 0, arg("limit") = 1000,
          arg("who") = py::none(), "Users with id > after_id, by id (limit 1..10000).")
      .def(
          "set_user_role",
          [](Facet f, TenantId tenant, std::int64_t id, py::object role, py::object who) {
            const Role r = from_python<Role>(role, "role");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.set_user_role(p, tenant, UserId{id}, r); }));
          },
          arg("tenant"), arg("id"), arg("role"), py::kw_only(), arg("who") = py::none())
      .def(
          "set_user_state",
          [](Facet f, TenantId tenant, std::int64_t id, py::object state, py::object who) {
            const UserState st = from_python<UserState>(state, "state");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.set_user_state(p, tenant, UserId{id}, st); }));
          },
          arg("tenant"), arg("id"), arg("state"), py::kw_only(), arg("who") = py::none())
      .def(
          "change_password",
          [](Facet f, py::object current, py::object replacement, py::object who) {
            const std::string c = to_string(current, "current");
            const std::string n = to_string(replacement, "new");
            const Principal& p = principal_of(who);
            f.call([&](Auth& a) { return a.change_password(p, c, n); });
          },
          arg("current"), arg("new"), py::kw_only(), arg("who"),
          "Changes the caller's own password; the user's other sessions end.")
      // --- sessions
      .def(
          "login",
          [](Facet f, TenantId tenant, py::object email, py::object password, py::object mfa_code,
             py::object source) {
            LoginRequest l;
            l.tenant = tenant;
            l.email = to_string(email, "email");
            l.password = to_string(password, "password");
            l.mfa_code = to_string(mfa_code, "mfa_code");
            l.source = to_string(source, "source");
            return to_python_struct(f.call([&](Auth& a) { return a.login(l); }));
          },
          arg("tenant"), arg("email"), arg("password"), py::kw_only(), arg("mfa_code") = "",
          arg("source") = "",
          "A SessionGrant: the token (shown once) and grant.principal to act as. A user with "
          "MFA who gives no mfa_code gets an mfa_pending session that can only verify_mfa or "
          "log out. Any failure is UnauthenticatedError \"invalid email or password\".")
      .def(
          "verify_mfa",
          [](Facet f, py::object token, py::object code, py::object source) {
            const std::string t = to_string(token, "token");
            const std::string c = to_string(code, "code");
            const std::string s = to_string(source, "source");
            return to_python_struct(f.call([&](Auth& a) { return a.verify_mfa(t, c, s); }));
          },
          arg("token"), arg("code"), py::kw_only(), arg("source") = "",
          "Passes MFA for a pending session with a TOTP or recovery code: a new SessionGrant.")
      .def(
          "authenticate_session",
          [](Facet f, py::object token) {
            const std::string t = to_string(token, "token");
            return f.call([&](Auth& a) { return a.authenticate_session(t); });
          },
          arg("token"), "The principal a session token stands for (UnauthenticatedError if none).")
      .def(
          "authenticate_api_key",
          [](Facet f, py::object key, py::object source) {
            const std::string k = to_string(key, "key");
            const std::string s = to_string(source, "source");
            return f.call([&](Auth& a) { return a.authenticate_api_key(k, s); });
          },
          arg("key"), py::kw_only(), arg("source") = "",
          "The principal an API key stands for (UnauthenticatedError if none).")
      .def(
          "logout",
          [](Facet f, py::object who) {
            const Principal& p = principal_of(who);
            f.call([&](Auth& a) { return a.logout(p); });
          },
          py::kw_only(), arg("who"), "Ends the caller's own session.")
      .def(
          "list_sessions",
          [](Facet f, TenantId tenant, py::object user, py::object who) {
            std::optional<UserId> whose;
            if (!user.is_none()) whose = UserId{to_int64(user, "user")};
            const Principal& p = principal_of(who);
            return to_python_list(
                f.call([&](Auth& a) { return a.list_sessions(p, tenant, whose); }));
          },
          arg("tenant"), py::kw_only(), arg("user") = py::none(), arg("who") = py::none(),
          "Live sessions of `user` (None: every user the caller may manage).")
      .def(
          "end_session",
          [](Facet f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            f.call([&](Auth& a) { return a.end_session(p, tenant, SessionId{id}); });
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none())
      // --- TOTP MFA
      .def(
          "begin_totp_enrollment",
          [](Facet f, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Auth& a) { return a.begin_totp_enrollment(p); }));
          },
          py::kw_only(), arg("who"),
          "A TotpEnrollment for the caller (NotSupportedError without an encryption key).")
      .def(
          "confirm_totp_enrollment",
          [](Facet f, py::object code, py::object who) {
            const std::string c = to_string(code, "code");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.confirm_totp_enrollment(p, c); }));
          },
          arg("code"), py::kw_only(), arg("who"),
          "Enables MFA with a current code: MfaEnabled, a new MFA-passed session with its "
          "principal and the recovery codes; every other session of the user ends.")
      .def(
          "disable_totp",
          [](Facet f, py::object password, py::object who) {
            const std::string pw = to_string(password, "password");
            const Principal& p = principal_of(who);
            f.call([&](Auth& a) { return a.disable_totp(p, pw); });
          },
          arg("password"), py::kw_only(), arg("who"))
      // --- API keys
      .def(
          "create_api_key",
          [](Facet f, TenantId tenant, py::object name, py::object scopes, py::object expires_in,
             py::object who) {
            NewApiKey spec;
            spec.name = to_string(name, "name");
            auto scope_names = codec::permissions(spec.scopes);
            value_from_python(scopes, "scopes", scope_names);
            spec.expires_in = to_optional_seconds(expires_in, "expires_in");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.create_api_key(p, tenant, spec); }));
          },
          arg("tenant"), py::kw_only(), arg("name"), arg("scopes"), arg("expires_in") = py::none(),
          arg("who") = py::none(),
          "A CreatedApiKey: the key's record and its secret `key`, shown once (keys:manage; "
          "scopes within the creator's permissions).")
      .def(
          "list_api_keys",
          [](Facet f, TenantId tenant, std::int64_t after_id, int limit, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(f.call(
                [&](Auth& a) { return a.list_api_keys(p, tenant, ApiKeyId{after_id}, limit); }));
          },
          arg("tenant"), py::kw_only(), arg("after_id") = 0, arg("limit") = 1000,
          arg("who") = py::none())
      .def(
          "revoke_api_key",
          [](Facet f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.revoke_api_key(p, tenant, ApiKeyId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Revokes a key and the keys created with it; returns it with revoked_at set.")
      .def(
          "generate_emergency_key",
          [](Facet f, TenantId tenant, py::object lifetime, py::object who) {
            const auto life = to_optional_seconds(lifetime, "lifetime");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.generate_emergency_key(p, tenant, life); }));
          },
          arg("tenant"), py::kw_only(), arg("lifetime") = py::none(), arg("who") = py::none(),
          "A superadmin CreatedApiKey in the tenant with every permission (emergency=True; "
          "the secret `key` shown once), expiring after `lifetime` (None: the engine's "
          "emergency_key_lifetime; at most 24 h). Its creation and every use are security "
          "events. The system principal or a superadmin with MFA.")
      .def(
          "rotate_encryption_key",
          [](Facet f, py::object limit, py::object who) {
            const int n = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Auth& a) { return a.rotate_encryption_key(p, n); }));
          },
          arg("limit") = 1000, py::kw_only(), arg("who") = py::none(),
          "Re-seals under the current encryption key the TOTP secrets an older key sealed (one "
          "of AuthOptions.previous_encryption_keys), at most `limit` users (1..100000): a "
          "KeyRotation. Call again until remaining is 0. System-wide (system:operations).")
      // --- users, sessions and reports across the tenant
      .def(
          "find_user_by_email",
          [](Facet f, TenantId tenant, py::object email, py::object who) {
            const std::string e = to_string(email, "email");
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.find_user_by_email(p, tenant, e); }));
          },
          arg("tenant"), arg("email"), py::kw_only(), arg("who") = py::none(),
          "The user with this email in the tenant (NotFoundError if none; users:manage).")
      .def(
          "end_user_sessions",
          [](Facet f, TenantId tenant, std::int64_t user, py::object who) {
            const Principal& p = principal_of(who);
            return f.call([&](Auth& a) { return a.end_user_sessions(p, tenant, UserId{user}); });
          },
          arg("tenant"), arg("user"), py::kw_only(), arg("who") = py::none(),
          "Ends every session of one user (their own, or users:manage); returns how many.")
      .def(
          "force_logout_all",
          [](Facet f, py::object tenant, py::object who) {
            std::optional<TenantId> which;
            if (!tenant.is_none()) which = TenantId{to_int64(tenant, "tenant")};
            const Principal& p = principal_of(who);
            return f.call([&](Auth& a) { return a.force_logout_all(p, which); });
          },
          arg("tenant") = py::none(), py::kw_only(), arg("who") = py::none(),
          "Ends every session of the tenant (None: of every tenant, a superadmin or the "
          "system) except the caller's own; returns how many.")
      .def(
          "cleanup_sessions",
          [](Facet f, py::object limit, py::object who) {
            const int n = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return f.call([&](Auth& a) { return a.cleanup_sessions(p, n); });
          },
          arg("limit") = 10000, py::kw_only(), arg("who") = py::none(),
          "Deletes up to `limit` expired or revoked sessions (all tenants); returns how many. "
          "For a worker (system:operations).")
      .def(
          "count_active_sessions",
          [](Facet f, py::object who) {
            const Principal& p = principal_of(who);
            return f.call([&](Auth& a) { return a.count_active_sessions(p); });
          },
          py::kw_only(), arg("who") = py::none(),
          "The sessions live now in every tenant (system:operations).")
      .def(
          "security_events",
          [](Facet f, TenantId tenant, py::object start, py::object end, py::object kind,
             py::object limit, py::object who) {
            const Instant from = to_instant(start, "start");
            const Instant to = to_instant(end, "end");
            const std::string k = to_string(kind, "kind");
            const int n = to_int(limit, "limit");
            const Principal& p = principal_of(who);
            return to_python_list(
                f.call([&](Auth& a) { return a.security_events(p, tenant, from, to, k, n); }));
          },
          arg("tenant"), arg("start"), arg("end"), py::kw_only(), arg("kind") = "",
          arg("limit") = 1000, arg("who") = py::none(),
          "The tenant's SecurityEvents with start <= at < end, oldest first, of one kind "
          "(\"login_failed\"; \"\": every kind), at most `limit` (1..100000). security:read.")
      .def(
          "locked_accounts",
          [](Facet f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Auth& a) { return a.locked_accounts(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "The tenant's users locked now by failed logins (security:read).")
      .def(
          "mfa_stats",
          [](Facet f, TenantId tenant, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(f.call([&](Auth& a) { return a.mfa_stats(p, tenant); }));
          },
          arg("tenant"), py::kw_only(), arg("who") = py::none(),
          "MfaStats: how many active and locked users have MFA, in total and per role "
          "(security:read).")
      .def(
          "list_admins",
          [](Facet f, py::object tenant, py::object who) {
            std::optional<TenantId> which;
            if (!tenant.is_none()) which = TenantId{to_int64(tenant, "tenant")};
            const Principal& p = principal_of(who);
            return to_python_list(f.call([&](Auth& a) { return a.list_admins(p, which); }));
          },
          arg("tenant") = py::none(), py::kw_only(), arg("who") = py::none(),
          "Admins and superadmins of the tenant (None: of every tenant, a superadmin or the "
          "system). users:manage.")
      .def(
          "revoke_admin",
          [](Facet f, TenantId tenant, std::int64_t id, py::object who) {
            const Principal& p = principal_of(who);
            return to_python_struct(
                f.call([&](Auth& a) { return a.revoke_admin(p, tenant, UserId{id}); }));
          },
          arg("tenant"), arg("id"), py::kw_only(), arg("who") = py::none(),
          "Demotes an admin or superadmin to staff and ends their sessions; returns the user "
          "(a superadmin or the system; ConflictError if the user is not an admin).");
}
