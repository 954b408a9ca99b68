// boka-server's web app (docs/web.md): the pages and their files, the public booking API an
// anonymous visitor uses, the browser session (cookie and CSRF token), and the admin routes
// the staff and admin pages need beyond the API's others.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_internal.hpp"
#include "web.hpp"

namespace boka::server {

namespace {

// No inline script or style anywhere: every page loads its code and styles from /assets.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'";

// The __Host- prefix: browsers take the cookie only with Secure, Path=/ and no Domain, so no
// subdomain (or plain-HTTP page) can plant or overwrite it.
constexpr const char* kSessionCookie = "__Host-boka_session";

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

const char* content_type_of(const std::string& name) {
  const auto dot = name.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  return "application/octet-stream";
}

std::optional<std::string> read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

// ---- the browser session --------------------------------------------------------------------

std::string csrf_token_for(const std::string& session_token) {
  // Derived, not stored: any server of the deployment checks it without shared state, and
  // only a page that could read the answer of a same-origin request can know it.
  const std::string input = "boka-csrf/1\n" + session_token;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return hex(digest, length);
}

bool csrf_token_matches(const std::string& session_token, const std::string& given) {
  const std::string wanted = csrf_token_for(session_token);
  return !wanted.empty() && wanted.size() == given.size() &&
         CRYPTO_memcmp(wanted.data(), given.data(), wanted.size()) == 0;
}

std::optional<std::string> session_cookie(const Request& req) {
  const std::string* header = req.header("Cookie");
  if (header == nullptr) return std::nullopt;
  const std::string& all = *header;
  for (std::size_t at = 0; at < all.size();) {
    const auto end = all.find(';', at);
    std::string item = all.substr(at, end == std::string::npos ? std::string::npos : end - at);
    item.erase(0, item.find_first_not_of(' '));
    const auto eq = item.find('=');
    if (eq != std::string::npos && item.substr(0, eq) == kSessionCookie) {
      std::string value = item.substr(eq + 1);
      if (value.empty() || value.size() > 300) return std::nullopt;
      return value;
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

void set_session_cookie(Response& res, const std::string& token) {
  res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                   "; Path=/; HttpOnly; Secure; SameSite=Strict");
  res.set_header("X-CSRF-Token", csrf_token_for(token));
}

void clear_session_cookie(Response& res) {
  res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                   "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}

std::string business_slug(std::string_view name) {
  std::string out;
  bool dash = false;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(ch)));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (dash && !out.empty()) out.push_back('-');
      dash = false;
      out.push_back(static_cast<char>(c));
    } else {
      dash = true;
    }
    if (out.size() >= 64) break;
  }
  return out;
}

// ---- pages and their files -------------------------------------------------------------------

void Api::install_web() {
  if (config_.web_dir.empty()) return;
  const std::filesystem::path root(config_.web_dir);
  const Io page_io{kNone, Json{{"type", "string"}}, 200, false, "text/html"};
  // Pages: the same file whatever the slug or token after it; the page reads it from the
  // address. Private pages (staff, admin, a manage link) must never be cached or leak their
  // address to another site: no-store comes from finish(), no-referrer from here.
  const auto page = [this, root, page_io](const std::string& pattern, const std::string& name,
                                          const std::string& file) {
    route("GET", pattern, name, Auth::none, page_io, [root, file](Context& c) {
      const auto body = read_whole(root / file);
      if (!body) {
        c.problem(404, "not_found", "the web app is not installed (BOKA_WEB_DIR)");
        return;
      }
      c.res.status = 200;
      c.res.set_content(*body, content_type_of(file));
      c.res.set_header("Content-Security-Policy", kContentSecurityPolicy);
      c.res.set_header("X-Content-Type-Options", "nosniff");
      c.res.set_header("Referrer-Policy", "no-referrer");
      c.res.set_header("X-Frame-Options", "DENY");
      c.res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    });
  };
  page("/", "web.index", "index.html");
  page("/book/([a-z0-9-]{1,64})", "web.book", "book.html");
  page("/manage/([A-Za-z0-9_-]{1,200})", "web.manage", "manage.html");
  page("/staff", "web.staff", "staff.html");
  page("/staff/([a-z0-9-]{1,64})", "web.staff", "staff.html");
  page("/admin", "web.admin", "admin.html");
  page("/admin/([a-z0-9-]{1,64})", "web.admin", "admin.html");
  // Files: a name of plain characters in the one directory, so no path can leave it.
  route("GET", R"(/assets/([A-Za-z0-9_-]{1,64}\.(?:js|css|svg|png|ico)))", "web.asset", Auth::none,
        {kNone, Json{{"type", "string"}}, 200, false, "text/plain"}, [root](Context& c) {
          const std::string name = c.req.captures.at(1);
          const auto body = read_whole(root / "assets" / name);
          if (!body) {
            c.problem(404, "not_found", "no such file");
            return;
          }
          c.res.status = 200;
          c.res.set_content(*body, content_type_of(name));
          c.res.set_header("X-Content-Type-Options", "nosniff");
          // Revalidated on each use: a deployment that changes a file is seen at once.
          c.res.set_header("Cache-Control", "no-cache");
        });
}

// ---- the public booking API -------------------------------------------------------------------

namespace {

// A business as its public page knows it.
struct Business {
  Tenant tenant;
  std::string slug;
  std::string zone;
};

std::optional<Business> find_business(Engine& engine, const std::string& slug) {
  auto tenants = engine.list_tenants(Principal::system());
  if (!tenants.ok()) throw StatusError(tenants.status());
  for (const Tenant& t : *tenants) {
    if (t.archived_at || business_slug(t.name) != slug) continue;
    Business b{t, slug, "UTC"};
    // The zone the business books in: that of its first bookable service's first resource
    // (or pool member), else of its first resource.
    std::optional<ResourceId> first;
    auto services = engine.services().list(Principal::system(), t.id);
    if (services.ok()) {
      for (const Service& s : *services) {
        if (!s.customer_bookable || s.allocations.empty()) continue;
        const AllocationRequest& a = s.allocations.front();
        if (a.resource) {
          first = *a.resource;
        } else if (a.pool) {
          auto pool = engine.get_pool(Principal::system(), t.id, *a.pool);
          if (pool.ok() && !pool->members.empty()) first = pool->members.front();
        }
        if (first) break;
      }
    }
    if (first) {
      auto r = engine.get_resource(Principal::system(), t.id, *first);
      if (r.ok()) b.zone = r->zone;
    } else {
      auto resources = engine.list_resources(Principal::system(), t.id);
      if (resources.ok() && !resources->empty()) b.zone = resources->front().zone;
    }
    return b;
  }
  return std::nullopt;
}

Business business_or_404(Engine& engine, const std::string& slug) {
  auto b = find_business(engine, slug);
  if (!b) throw StatusError(NotFound("there is no booking page at this address"));
  return *b;
}

template <typename T>
T value_or_throw(Result<T> r) {
  if (!r.ok()) throw StatusError(r.status());
  return std::move(*r);
}

// A service visitors may book, or 404 (an internal service is not even named).
Service public_service(Engine& engine, TenantId tenant, ServiceId id) {
  auto s = engine.services().get(Principal::system(), tenant, id);
  if (!s.ok() || !s->customer_bookable || s->archived_at) {
    throw StatusError(NotFound("service " + std::to_string(id) + " is not offered here"));
  }
  return *s;
}

// The tenant's payment settings when it takes payments, else nullopt.
std::optional<PaymentSettings> payments_on(Engine& engine, TenantId tenant) {
  auto p = engine.payments().settings(Principal::system(), tenant);
  if (!p.ok() || !p->enabled) return std::nullopt;
  return *p;
}

// What an anonymous visitor is told of a refusal: never the other reservations a conflict
// names, and never how many bookings a customer record holds (a visitor who typed someone
// else's email would learn it).
template <typename T>
T public_or_throw(Result<T> r) {
  if (r.ok()) return std::move(*r);
  const Status& st = r.status();
  if (st.code() != Code::conflict) throw StatusError(st);
  const ConflictInfo* info = st.conflict();
  if (info != nullptr &&
      (info->rule == "max_active_per_customer" || info->rule == "max_per_customer_per_day")) {
    throw StatusError(ConflictError(
        "the business's booking limits do not allow another booking for this email address now"));
  }
  throw StatusError(ConflictError(st.message()));  // the message, without ConflictInfo
}

// The key the per-email limit counts under: the address in lower case without a "+tag",
// so jane+1@ and jane+2@ share Jane's allowance.
std::string email_key(const std::string& email) {
  std::string e = lowercase(email);
  const auto at = e.rfind('@');
  if (at == std::string::npos) return e;
  const auto plus = e.find('+');
  if (plus != std::string::npos && plus < at) e.erase(plus, at - plus);
  return "email " + e;
}

// The name the visitor typed, kept in the reservation's metadata: the manage page shows it,
// never the customer record's (which another visitor's email may have matched).
constexpr const char* kVisitorName = "visitor_name";

std::string visitor_name_of(const Reservation& r) {
  try {
    const Json m = codec::parse_text(r.metadata_json, "metadata");
    if (m.is_object() && m.contains(kVisitorName) && m.at(kVisitorName).is_string()) {
      return m.at(kVisitorName).get<std::string>();
    }
  } catch (const std::exception&) {
  }
  return {};
}

void check_visitor_text(const std::string& value, const char* field, std::size_t min,
                        std::size_t max) {
  if (value.size() < min || value.size() > max) {
    throw InputError(std::string(field) + ": must be " + std::to_string(min) + ".." +
                     std::to_string(max) + " bytes");
  }
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
      throw InputError(std::string(field) + ": must not hold control characters");
    }
  }
}

// The deadline a cutoff sets for a booking: the strictest of the tenant's, its service's and
// its resources' rules (boka/rules.hpp), as the engine applies them.
std::optional<Instant> deadline_of(Engine& engine, const Reservation& r, const Tenant& tenant,
                                   bool cancel) {
  const auto pick = [cancel](const BookingRules& rules) {
    return cancel ? rules.cancel_cutoff : rules.reschedule_cutoff;
  };
  Seconds cutoff = pick(tenant.rules);
  if (r.service) {
    auto s = engine.services().get(Principal::system(), r.tenant, *r.service);
    if (s.ok()) cutoff = std::max(cutoff, pick(s->rules));
  }
  for (const Allocation& a : r.allocations) {
    auto res = engine.get_resource(Principal::system(), r.tenant, a.resource);
    if (res.ok()) cutoff = std::max(cutoff, pick(res->rules));
  }
  if (cutoff.count() == 0) return std::nullopt;
  return r.start - cutoff;
}

std::string state_of(const Reservation& r) {
  if (r.status == ReservationStatus::held && r.payment_status == PaymentStatus::pending) {
    return "awaiting_payment";
  }
  return status_name(r.status);
}

}  // namespace

codec::PublicBooking Api::public_booking(const Reservation& r, const std::string& token) {
  codec::PublicBooking out;
  out.token = token;
  out.manage_path = "/manage/" + token;
  out.state = state_of(r);
  auto tenant = value_or_throw(engine_.get_tenant(Principal::system(), r.tenant));
  out.business_name = tenant.name;
  out.business_slug = business_slug(tenant.name);
  bool bookable = false;  // moving it needs the public page to offer its service
  if (r.service) {
    out.service = *r.service;
    auto s = engine_.services().get(Principal::system(), r.tenant, *r.service);
    if (s.ok()) {
      out.service_name = s->name;
      bookable = s->customer_bookable && !s->archived_at;
    }
  }
  out.start = r.start;
  out.end = r.end;
  out.time_zone = r.zone;
  out.hold_expires_at = r.hold_expires_at;
  out.customer_name = visitor_name_of(r);
  out.notes = r.notes;
  out.price = r.price_minor;
  out.currency = r.currency;
  const Instant now = SystemClock().now();
  const bool active =
      r.status == ReservationStatus::held || r.status == ReservationStatus::confirmed;
  out.cancel_deadline = deadline_of(engine_, r, tenant, true);
  out.reschedule_deadline = deadline_of(engine_, r, tenant, false);
  out.can_cancel = active && r.start > now && (!out.cancel_deadline || now < *out.cancel_deadline);
  out.can_reschedule = bookable && r.status == ReservationStatus::confirmed && r.start > now &&
                       (!out.reschedule_deadline || now < *out.reschedule_deadline);
  return out;
}

// The customer record for a visitor's email: the live one with that address, else a new one.
CustomerId Api::visitor_customer(TenantId tenant, const std::string& name, const std::string& email,
                                 const std::string& phone, const std::string& zone,
                                 const std::string& locale, const Principal& who) {
  const std::string wanted = lowercase(email);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto found = engine_.customers().get_by_email(Principal::system(), tenant, wanted);
    if (found.ok()) return found->id;
    if (found.status().code() != Code::not_found) throw StatusError(found.status());
    Customer spec;
    spec.display_name = name;
    spec.email = wanted;
    spec.phone = phone;
    spec.time_zone = zone;
    spec.locale = locale;
    auto made = engine_.customers().create(who, tenant, spec);
    if (made.ok()) return made->id;
    // Another request made it meanwhile: read it on the second pass.
    if (made.status().code() != Code::already_exists) throw StatusError(made.status());
  }
  throw StatusError(Unavailable("the customer record keeps changing; retry"));
}

bool Api::visitor_allowed(Context& c, Limit& limit, const std::string& key, const char* what) {
  double retry = 0;
  if (limit.allow(key, &retry)) return true;
  c.problem(429, "rate_limited", std::string("too many ") + what + "; please try again later");
  c.res.set_header("Retry-After",
                   std::to_string(std::max(1L, static_cast<long>(std::ceil(retry)))));
  return false;
}

void Api::install_public() {
  const std::string B = R"(/api/public/businesses/([a-z0-9-]{1,64}))";
  const std::string K = R"(/api/public/bookings/([A-Za-z0-9_-]{1,200}))";

  route("GET", B, "public.business", Auth::none, {kNone, doc<codec::PublicBusiness>()},
        [this](Context& c) {
          const Business b = business_or_404(engine_, c.req.captures.at(1));
          codec::PublicBusiness out;
          out.slug = b.slug;
          out.name = b.tenant.name;
          out.tenant = b.tenant.id;
          out.time_zone = b.zone;
          out.hold = std::min(Seconds(config_.public_hold_seconds), b.tenant.max_hold);
          const bool pay = payments_on(engine_, b.tenant.id).has_value();
          for (const Service& s :
               value_or_throw(engine_.services().list(Principal::system(), b.tenant.id))) {
            if (!s.customer_bookable || s.archived_at) continue;
            codec::PublicService p;
            p.id = s.id;
            p.name = s.name;
            p.description = s.description;
            p.duration = s.duration;
            p.durations.push_back(s.duration);
            for (Seconds d : s.allowed_durations) {
              if (d != s.duration) p.durations.push_back(d);
            }
            p.price = s.price_minor;
            p.currency = s.currency;
            p.payment_required = pay && s.price_minor.value_or(0) > 0;
            out.services.push_back(std::move(p));
          }
          c.send(200, codec::to_json(out));
        });

  route("GET", B + "/slots", "public.slots", Auth::none, {kNone, doc<codec::PublicSlots>()},
        [this](Context& c) {
          const Business b = business_or_404(engine_, c.req.captures.at(1));
          const auto service_id = query_int(c.req, "service");
          if (!service_id) throw InputError("query service: required (a service id)");
          const Service s = public_service(engine_, b.tenant.id, ServiceId{*service_id});
          const std::string* from_text = c.req.param("from");
          const std::string* to_text = c.req.param("to");
          if (from_text == nullptr || to_text == nullptr) {
            throw InputError("query from and to: required (RFC 3339 instants)");
          }
          AvailabilityQuery q;
          q.service = s.id;
          q.from = codec::parse_time(*from_text, "query from");
          q.to = codec::parse_time(*to_text, "query to");
          if (q.to <= q.from || q.to - q.from > Seconds(31LL * 86400)) {
            throw InputError("query to: must be after from, at most 31 days later");
          }
          if (auto d = query_int(c.req, "duration"); d && *d > 0) q.duration = Seconds(*d);
          q.limit = AvailabilityQuery::kMaxSlots;
          codec::PublicSlots out;
          out.service = s.id;
          out.time_zone = b.zone;
          out.from = q.from;
          out.to = q.to;
          for (const Slot& slot :
               value_or_throw(engine_.availability(Principal::system(), b.tenant.id, q))) {
            out.starts.push_back(slot.start);
            if (!slot.zone.empty()) out.time_zone = slot.zone;
          }
          c.send(200, codec::to_json(out));
        });

  route("POST", B + "/holds", "public.hold", Auth::none,
        {doc<codec::PublicHoldRequest>(Form::input), doc<codec::PublicBooking>(), 201},
        [this](Context& c) {
          const Business b = business_or_404(engine_, c.req.captures.at(1));
          const auto wanted = c.body_as<codec::PublicHoldRequest>("hold");
          const Service s = public_service(engine_, b.tenant.id, wanted.service);
          if (!visitor_allowed(c, public_per_address_, client_bucket(c.client),
                               "bookings from this address")) {
            return;
          }
          if (config_.encryption_key.empty()) {
            // Checked before the time is taken: without a key there is no manage link.
            throw StatusError(NotSupported(
                "public booking needs manage links, which need ENCRYPTION_KEY on the server"));
          }
          const Principal visitor = Principal::system().with_source("web " + c.client);
          ReserveRequest r;
          r.service = s.id;
          r.start = wanted.start;
          if (wanted.duration > Seconds(0)) r.end = wanted.start + wanted.duration;
          // A service paid online is held for the payment window (the visitor pays after the
          // form), any other only while the form is filled in.
          const auto payments = payments_on(engine_, b.tenant.id);
          const bool pay = payments && s.price_minor.value_or(0) > 0;
          r.hold_for =
              std::min(pay ? payments->payment_window : Seconds(config_.public_hold_seconds),
                       b.tenant.max_hold);
          r.metadata_json = R"({"source":"web"})";
          auto held = engine_.reserve(visitor, b.tenant.id, r);
          if (!held.ok() && held.status().code() == Code::conflict) {
            // Someone was quicker: say so plainly, and offer the next start that is free now.
            AvailabilityQuery q;
            q.service = s.id;
            q.duration = wanted.duration;
            q.from = wanted.start + Seconds(1);
            q.to = wanted.start + Seconds(31LL * 86400);
            q.limit = 1;
            Json p = problem_document(409, "conflict",
                                      "just taken: someone else booked this time a moment ago");
            auto next = engine_.availability_page(Principal::system(), b.tenant.id, q);
            if (next.ok() && !next->slots.empty()) {
              p["next_start"] = codec::format_utc(next->slots.front().start);
            }
            c.res.status = 409;
            c.res.set_content(codec::dump(p), "application/problem+json");
            return;
          }
          const Reservation hold = public_or_throw(std::move(held));
          auto link = engine_.manage_links().issue(visitor, b.tenant.id, hold.id);
          if (!link.ok()) {
            // No link, no way for the visitor to finish: give the time back at once.
            (void)engine_.cancel(visitor, b.tenant.id, hold.id);
            throw StatusError(link.status());
          }
          c.send(201, codec::to_json(public_booking(hold, link->token)));
        });

  // The booking a manage link names, or 401 for any link that is not (still) valid.
  const auto booking_of = [this](Context& c) {
    const auto link = value_or_throw(engine_.manage_links().resolve(c.req.captures.at(1)));
    auto r =
        value_or_throw(engine_.get_reservation(Principal::system(), link.tenant, link.reservation));
    return std::pair{link, r};
  };

  route("GET", K, "public.booking", Auth::none, {kNone, doc<codec::PublicBooking>()},
        [this, booking_of](Context& c) {
          const auto [link, r] = booking_of(c);
          c.send(200, codec::to_json(public_booking(r, link.token)));
        });

  route("POST", K + "/confirm", "public.confirm", Auth::none,
        {doc<codec::PublicDetails>(Form::input), doc<codec::PublicBooking>()},
        [this, booking_of](Context& c) {
          const auto details = c.body_as<codec::PublicDetails>("details");
          check_visitor_text(details.name, "details.name", 1, 200);
          check_visitor_text(details.email, "details.email", 3, 254);
          check_visitor_text(details.phone, "details.phone", 0, 50);
          check_visitor_text(details.notes, "details.notes", 0, 2000);
          if (details.email.find('@') == std::string::npos) {
            throw InputError("details.email: must be an email address");
          }
          const auto [link, r] = booking_of(c);
          const Principal visitor = Principal::system().with_source("web " + c.client);
          if (r.status == ReservationStatus::confirmed ||
              (r.status == ReservationStatus::held && r.payment_status == PaymentStatus::pending &&
               r.customer_id)) {
            // Submitted twice (a double click, a retry after a lost answer): the same answer.
            c.send(200, codec::to_json(public_booking(r, link.token)));
            return;
          }
          if (r.status == ReservationStatus::held && r.customer_id) {
            // The details went in but the confirmation did not (a retry after a failure
            // between the two): finish it.
            auto done =
                public_or_throw(engine_.confirm(visitor, link.tenant, link.reservation, r.version));
            c.send(200, codec::to_json(public_booking(done, link.token)));
            return;
          }
          if (r.status != ReservationStatus::held) {
            throw StatusError(ConflictError(
                "your hold on this time ran out before the booking was finished; please choose "
                "a time again"));
          }
          if (!visitor_allowed(c, public_per_email_, email_key(details.email),
                               "bookings for this email address")) {
            return;
          }
          // Only a zone and language the engine knows are kept; they only shape messages.
          const std::string zone = details.time_zone.size() <= 64 ? details.time_zone : "";
          const std::string locale = details.locale.size() <= 35 ? details.locale : "";
          CustomerId customer{};
          try {
            customer = visitor_customer(link.tenant, details.name, details.email, details.phone,
                                        zone, locale, visitor);
          } catch (const StatusError& e) {
            if (e.status.code() != Code::invalid_argument) throw;
            // A zone or language the engine does not know is no reason to refuse a booking.
            customer = visitor_customer(link.tenant, details.name, details.email, details.phone, "",
                                        "", visitor);
          }
          ReservationUpdate edit;
          edit.customer_id = customer;
          edit.notes = details.notes;
          Json metadata = Json::object();
          metadata["source"] = "web";
          metadata[kVisitorName] = details.name;
          edit.metadata_json = codec::dump(metadata);
          edit.guard.if_version = r.version;
          // The per-customer limits (boka/rules.hpp) apply here, where the customer is known.
          auto updated = public_or_throw(
              engine_.update_reservation(visitor, link.tenant, link.reservation, edit));
          if (updated.payment_status != PaymentStatus::pending) {
            updated = public_or_throw(
                engine_.confirm(visitor, link.tenant, link.reservation, updated.version));
          }
          c.send(200, codec::to_json(public_booking(updated, link.token)));
        });

  route("POST", K + "/cancel", "public.cancel", Auth::none, {kNone, doc<codec::PublicBooking>()},
        [this, booking_of](Context& c) {
          const auto [link, r] = booking_of(c);
          // What the page offers is what the server allows: not after the start (a missed
          // appointment is staff's to mark), not past the cutoff.
          if (!public_booking(r, link.token).can_cancel) {
            throw StatusError(ConflictError(
                "this booking can no longer be cancelled online; please contact the business"));
          }
          const Principal visitor = Principal::system().with_source("web " + c.client);
          ChangeGuard guard;
          guard.if_version = r.version;
          auto done = public_or_throw(engine_.cancel(visitor, link.tenant, r.id, guard));
          c.send(200, codec::to_json(public_booking(done, link.token)));
        });

  route("POST", K + "/reschedule", "public.reschedule", Auth::none,
        {doc<codec::PublicStart>(Form::input), doc<codec::PublicBooking>()},
        [this, booking_of](Context& c) {
          const auto wanted = c.body_as<codec::PublicStart>("reschedule");
          const auto [link, r] = booking_of(c);
          if (!public_booking(r, link.token).can_reschedule) {
            throw StatusError(ConflictError(
                "this booking can no longer be moved online; please contact the business"));
          }
          const Principal visitor = Principal::system().with_source("web " + c.client);
          ChangeGuard guard;
          guard.if_version = r.version;
          auto moved = public_or_throw(engine_.reschedule(visitor, link.tenant, r.id, wanted.start,
                                                          wanted.start + (r.end - r.start), guard));
          c.send(200, codec::to_json(public_booking(moved, link.token)));
        });

  route("POST", B + "/waitlist", "public.waitlist", Auth::none,
        {doc<codec::PublicWaitlistRequest>(Form::input), doc<codec::PublicWaitlistEntry>(), 201},
        [this](Context& c) {
          const Business b = business_or_404(engine_, c.req.captures.at(1));
          const auto wanted = c.body_as<codec::PublicWaitlistRequest>("waitlist");
          check_visitor_text(wanted.name, "waitlist.name", 1, 200);
          check_visitor_text(wanted.email, "waitlist.email", 3, 254);
          if (wanted.email.find('@') == std::string::npos) {
            throw InputError("waitlist.email: must be an email address");
          }
          const Service s = public_service(engine_, b.tenant.id, wanted.service);
          if (!visitor_allowed(c, public_per_address_, client_bucket(c.client),
                               "requests from this address") ||
              !visitor_allowed(c, public_per_email_, email_key(wanted.email),
                               "requests for this email address")) {
            return;
          }
          const Principal visitor = Principal::system().with_source("web " + c.client);
          WaitlistRequest w;
          w.allocations = s.allocations;
          w.duration = s.duration;
          w.earliest_start = wanted.earliest_start;
          w.latest_start = wanted.latest_start;
          w.customer_id =
              visitor_customer(b.tenant.id, wanted.name, wanted.email, "", "", "", visitor);
          w.metadata_json = R"({"source":"web","service":)" + std::to_string(s.id) + "}";
          const auto entry = public_or_throw(engine_.waitlist().join(visitor, b.tenant.id, w));
          codec::PublicWaitlistEntry out;
          out.id = entry.id;
          out.state = waitlist_status_name(entry.status);
          out.earliest_start = entry.earliest_start;
          out.latest_start = entry.latest_start;
          out.expires_at = entry.expires_at;
          auto where = engine_.waitlist().get(Principal::system(), b.tenant.id, entry.id);
          if (where.ok()) out.position = where->position;
          c.send(201, codec::to_json(out));
        });
}

// ---- what the staff and admin pages need besides the API's other routes -----------------------

void Api::install_admin_pages() {
  const auto T = std::string(R"(/api/tenants/(\d+))");

  route("GET", "/api/auth/me", "auth.me", Auth::required, {kNone, doc<User>()}, [this](Context& c) {
    if (c.who().kind() != Principal::Kind::user) {
      throw StatusError(NotFound("this credential is not a user's session"));
    }
    c.reply(engine_.auth().get_user(c.who(), c.who().tenant(), c.who().user()));
  });

  route("PUT", T + R"(/users/(\d+)/role)", "users.set_role", Auth::required,
        {doc<codec::RoleChange>(Form::input), doc<User>()}, [this](Context& c) {
          const auto change = c.body_as<codec::RoleChange>("role_change");
          const Role role = codec::role_from_text(change.role, "role_change.role");
          c.reply(engine_.auth().set_user_role(c.who(), c.id(1), c.id(2), role));
        });
  route("PUT", T + R"(/users/(\d+)/state)", "users.set_state", Auth::required,
        {doc<codec::StateChange>(Form::input), doc<User>()}, [this](Context& c) {
          const auto change = c.body_as<codec::StateChange>("state_change");
          const UserState state = codec::user_state_from_text(change.state, "state_change.state");
          c.reply(engine_.auth().set_user_state(c.who(), c.id(1), c.id(2), state));
        });

  // A booking's manage link, for staff to send it again, and revocation of a leaked one.
  route("POST", T + R"(/reservations/(\d+)/manage-link)", "reservations.manage_link",
        Auth::required, {kNone, doc<ManageLink>()},
        [this](Context& c) { c.reply(engine_.manage_links().issue(c.who(), c.id(1), c.id(2))); });
  route("POST", T + R"(/reservations/(\d+)/manage-link/revoke)", "reservations.revoke_manage_link",
        Auth::required, {kNone, doc<ManageLink>()},
        [this](Context& c) { c.reply(engine_.manage_links().revoke(c.who(), c.id(1), c.id(2))); });

  route("GET", "/api/admin/security/events", "admin.security_events", Auth::required,
        {kNone, list_of<SecurityEvent>()}, [this](Context& c) {
          const auto hours = query_int(c.req, "hours").value_or(24);
          if (hours < 1 || hours > 24 * 3660) throw InputError("query hours: must be 1..87840");
          const std::string* kind = c.req.param("kind");
          const Instant to = SystemClock().now() + Seconds(1);
          c.reply(engine_.auth().security_events(
              c.who(), c.admin_tenant(), to - Seconds(hours * 3600), to,
              kind != nullptr ? *kind : std::string(), page_limit(c.req, 1000)));
        });

  route("GET", "/api/admin/security/report", "admin.security_report", Auth::required,
        {kNone, doc<codec::SecurityReport>()}, [this](Context& c) {
          const auto days = query_int(c.req, "days").value_or(7);
          if (days < 1 || days > 3650) throw InputError("query days: must be 1..3650");
          const TenantId tenant = c.admin_tenant();
          codec::SecurityReport out;
          out.tenant = tenant;
          out.to = SystemClock().now() + Seconds(1);
          out.from = out.to - Seconds(days * 86400);
          auto& auth = engine_.auth();
          out.failed_logins =
              static_cast<int>(value_or_throw(auth.security_events(c.who(), tenant, out.from,
                                                                   out.to, "login_failed", 100000))
                                   .size());
          out.lockouts =
              static_cast<int>(value_or_throw(auth.security_events(c.who(), tenant, out.from,
                                                                   out.to, "lockout", 100000))
                                   .size());
          out.emergency_keys_used = static_cast<int>(
              value_or_throw(auth.security_events(c.who(), tenant, out.from, out.to,
                                                  "emergency_key_used", 100000))
                  .size());
          out.locked_accounts = value_or_throw(auth.locked_accounts(c.who(), tenant));
          out.mfa = value_or_throw(auth.mfa_stats(c.who(), tenant));
          out.admins = value_or_throw(auth.list_admins(c.who(), tenant));
          out.audit = value_or_throw(engine_.operations().verify_audit(c.who(), tenant));
          c.send(200, codec::to_json(out));
        });

  route("GET", T + "/audit", "audit.records", Auth::required, {kNone, list_of<AuditRecord>()},
        [this](Context& c) {
          AuditQuery q;
          q.tenant = c.id(1);
          q.after_seq = query_int(c.req, "after_seq").value_or(0);
          if (q.after_seq < 0) throw InputError("query after_seq: must be >= 0");
          q.limit = page_limit(c.req, 100);
          if (const std::string* action = c.req.param("action")) q.action = *action;
          c.reply(engine_.operations().audit_records(c.who(), q));
        });
  route("POST", T + "/audit/verify", "audit.verify", Auth::required,
        {kNone, doc<AuditVerification>()}, [this](Context& c) {
          c.reply(engine_.operations().verify_audit(c.who(), TenantId(c.id(1))));
        });

  route("GET", "/api/admin/backups", "admin.backups", Auth::required,
        {kNone, list_of<BackupManifest>()}, [this](Context& c) {
          // Listing reads files the operator keeps: the same permission as making them.
          auto health = engine_.operations().health(c.who());
          if (!health.ok()) throw StatusError(health.status());
          if (config_.backup_dir.empty()) {
            throw StatusError(NotSupported("this server keeps no backups (set BOKA_BACKUP_DIR)"));
          }
          Json out = Json::array();
          for (BackupKind kind :
               {BackupKind::manual, BackupKind::daily, BackupKind::weekly, BackupKind::monthly}) {
            auto paths = list_backups(config_.backup_dir, kind);
            if (!paths.ok()) continue;
            for (const std::string& path : *paths) {
              const auto text = read_whole(path + ".manifest.json");
              if (!text) continue;
              auto manifest = BackupManifest::from_json(*text);
              if (manifest.ok()) out.push_back(codec::to_json(*manifest));
            }
          }
          c.send(200, out);
        });
  route("POST", "/api/admin/backups", "admin.backup", Auth::required,
        {kNone, doc<BackupResult>(), 201}, [this](Context& c) {
          if (config_.backup_dir.empty()) {
            throw StatusError(NotSupported("this server keeps no backups (set BOKA_BACKUP_DIR)"));
          }
          BackupOptions o;
          o.directory = config_.backup_dir;
          o.kind = BackupKind::manual;
          o.verify = true;
          c.reply(engine_.operations().backup(c.who(), o), 201);
        });
}

}  // namespace boka::server

namespace boka::server {

void Api::reply_grant(Context& c, codec::Json grant) {
  const bool browser =
      c.via_cookie || (c.req.param("cookie") != nullptr &&
                       (*c.req.param("cookie") == "1" || *c.req.param("cookie") == "true"));
  if (browser && grant.contains("token") && grant.at("token").is_string()) {
    // The page never holds the token: it rides in an HttpOnly cookie scripts cannot read.
    set_session_cookie(c.res, grant.at("token").get<std::string>());
    grant["token"] = "";
  }
  c.send(200, grant);
}

}  // namespace boka::server
