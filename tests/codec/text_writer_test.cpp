// The direct text writer (codec::to_json_text) against the tree (dump(to_json)): the event
// payloads and HTTP answers written without a tree must be the same bytes, for every kind
// of value the field lists hold, awkward strings included.
#include <catch2/catch.hpp>

#include <random>

#include "json_codec.hpp"

using namespace boka;

namespace {

Instant at(std::int64_t unix_seconds) { return from_unix(unix_seconds); }

template <typename T>
void same_text(const T& value) {
  const std::string tree = codec::dump(codec::to_json(value));
  const std::string text = codec::to_json_text(value);
  CHECK(text == tree);
}

Reservation sample_reservation() {
  Reservation r;
  r.id = ReservationId{42};
  r.tenant = TenantId{7};
  r.status = ReservationStatus::held;
  r.start = at(1893488400);
  r.end = at(1893492000);
  r.zone = "Europe/Berlin";
  r.hold_expires_at = at(1893400000);
  Allocation a;
  a.resource = ResourceId{3};
  a.quantity = 2;
  a.pool = PoolId{9};
  r.allocations = {a, Allocation{ResourceId{4}, 1, std::nullopt}};
  r.idempotency_key = "order-77";
  r.customer = "Zoë \"Z\" O'Brien \\ \t\n\r\b\f \x01\x1f\x7f ✓ 𝄞";
  r.customer_id = CustomerId{5};
  r.notes = "";
  r.metadata_json = R"({"b": [1, 2.5, "x"], "a": {"nested": true}})";
  r.service = ServiceId{11};
  r.price_minor = 2500;
  r.currency = "EUR";
  r.payment_status = PaymentStatus::pending;
  r.buffer_before = Seconds{600};
  r.series = SeriesId{2};
  r.occurrence_date = LocalDate{2030, 1, 4};
  r.created_at = at(0);
  r.updated_at = at(253402300799);  // 9999-12-31T23:59:59Z
  r.version = 3;
  return r;
}

}  // namespace

TEST_CASE("text writer: a reservation with every field set is written as the tree writes it",
          "[codec]") {
  same_text(sample_reservation());
}

TEST_CASE("text writer: defaults, nulls and an empty zone", "[codec]") {
  same_text(Reservation{});
  Reservation r = sample_reservation();
  r.zone = "";             // no local times: null
  r.metadata_json = "{}";  // the fast path
  r.hold_expires_at.reset();
  r.customer_id.reset();
  same_text(r);
  r.zone = "Not/AZone";  // an unknown zone: null local times too
  same_text(r);
  r.zone = "Asia/Kolkata";  // a half-hour offset
  same_text(r);
  r.zone = "America/St_Johns";
  r.start = at(-2208988800);  // 1900: the zone's LMT offset has seconds
  same_text(r);
}

TEST_CASE("text writer: invalid UTF-8 is replaced as the tree replaces it", "[codec]") {
  Reservation r = sample_reservation();
  for (const std::string& bad :
       {std::string("\xff"), std::string("a\xc3"), std::string("\xed\xa0\x80"),
        std::string("\xe0\x80\xaf"), std::string("\xf4\x90\x80\x80"), std::string("ok\xc3\xa9\x80"),
        std::string("\xf0\x9f\x98"), std::string("\xc0\xaf")}) {
    r.notes = bad;
    same_text(r);
  }
}

TEST_CASE("text writer: random bytes in every string field", "[codec]") {
  std::mt19937_64 rng(20261206);
  std::uniform_int_distribution<int> len(0, 24), byte(0, 255), pick(0, 9);
  auto random_text = [&] {
    std::string s;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) {
      // Mostly printable ASCII, with control bytes, quotes and UTF-8 lead and trail bytes.
      const int kind = pick(rng);
      if (kind < 5) {
        s += static_cast<char>(0x20 + byte(rng) % 0x5f);
      } else if (kind == 5) {
        s += "\xc3\xa9";
      } else {
        s += static_cast<char>(byte(rng));
      }
    }
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    Reservation r = sample_reservation();
    r.customer = random_text();
    r.notes = random_text();
    r.idempotency_key = random_text();
    r.currency = random_text();
    same_text(r);
  }
}

TEST_CASE("text writer: the other documents of the event feed and the host", "[codec]") {
  Series s;
  s.id = SeriesId{3};
  s.tenant = TenantId{1};
  s.allocations = {AllocationRequest::of_resource(ResourceId{2})};
  s.first_date = LocalDate{2030, 1, 7};
  s.start_minute = 540;
  s.duration = Seconds{3600};
  s.zone = "Europe/Berlin";
  s.rule.frequency = Frequency::weekly;
  s.rule.count = 10;
  s.exdates = {LocalDate{2030, 1, 14}};
  s.customer = "Ada";
  s.created_at = s.updated_at = at(1893456000);
  same_text(s);

  WaitlistEntry w;
  w.id = WaitlistEntryId{8};
  w.allocations = {AllocationRequest::of_resource(ResourceId{2})};
  w.earliest_start = at(1893456000);
  w.latest_start = at(1893459600);
  w.duration = Seconds{1800};
  w.offer = ReservationId{4};
  w.offer_expires_at = at(1893457000);
  w.metadata_json = R"({"k":"v"})";
  same_text(w);

  Customer c;
  c.id = CustomerId{5};
  c.display_name = "Jörg";
  c.email = "jorg@example.com";
  c.user = UserId{9};
  c.erased_at = at(1893456000);
  same_text(c);

  Resource res;
  res.name = "Chair \"1\"";
  res.zone = "Europe/Berlin";
  same_text(res);
  same_text(Tenant{});
  same_text(Service{});
  same_text(Event{});

  AuditRecord a;
  a.detail_json = R"({"status":"confirmed","allocations":[{"resource":1,"quantity":1}]})";
  same_text(a);

  same_text(std::vector<Reservation>{sample_reservation(), Reservation{}});
  same_text(std::vector<Reservation>{});
}

// Local times come from a per-thread memo of the last zone and the stretch of constant
// offset it was in: slots across a DST change, and zones alternating, must still show each
// instant's own offset (values from the IANA rules: Berlin moves to +02:00 at 01:00Z on
// 2030-03-31, New York to -04:00 at 07:00Z on 2030-03-10).
TEST_CASE("text writer: local times across a DST change and alternating zones", "[codec]") {
  const std::int64_t change = 1901149200;  // 2030-03-31T01:00:00Z
  SlotPage page;
  for (std::int64_t t = change - 1800; t <= change + 1800; t += 900) {
    Slot s;
    s.start = at(t);
    s.end = at(t + 3600);
    s.zone = "Europe/Berlin";
    s.resources = {ResourceId{1}};
    page.slots.push_back(s);
  }
  Slot ny;
  ny.start = at(1899356400);  // 2030-03-10T07:00:00Z, the instant New York moves
  ny.end = at(1899356400 - 1);
  ny.zone = "America/New_York";
  page.slots.insert(page.slots.begin() + 2, ny);  // between two Berlin slots
  Slot unknown = ny;
  unknown.zone = "Mars/Olympus_Mons";
  page.slots.push_back(unknown);
  same_text(page);

  const std::string text = codec::to_json_text(page);
  auto has = [&](const std::string& s) {
    INFO(s);
    CHECK(text.find(s) != std::string::npos);
  };
  has(R"("start":"2030-03-31T00:30:00Z","end":"2030-03-31T01:30:00Z","zone":"Europe/Berlin",)"
      R"("local_start":"2030-03-31T01:30:00+01:00","local_end":"2030-03-31T03:30:00+02:00")");
  has(R"("local_start":"2030-03-31T01:45:00+01:00")");
  has(R"("local_start":"2030-03-31T03:00:00+02:00")");
  has(R"("local_start":"2030-03-31T03:30:00+02:00")");
  has(R"("local_start":"2030-03-10T03:00:00-04:00","local_end":"2030-03-10T01:59:59-05:00")");
  has(R"("zone":"Mars/Olympus_Mons","local_start":null,"local_end":null)");
  CHECK(codec::format_local(at(change - 1), "Europe/Berlin") == "2030-03-31T01:59:59+01:00");
  CHECK(codec::format_local(at(change), "Europe/Berlin") == "2030-03-31T03:00:00+02:00");
  CHECK(codec::format_local(at(change), "UTC") == "2030-03-31T01:00:00Z");
  CHECK_FALSE(codec::format_local(at(change), "").has_value());
}
