// Fuzz target: schedule and policy documents (the JSON of boka.h and the HTTP host) put to
// work: a schedule and a resource read from hostile text, created in an engine (memory
// store), then asked for availability, and the answers checked against reserve.
//
// Input: byte 0 seeds the question (duration, window, slot picks); the rest is the
// schedule document, a NUL byte, and the resource document. Properties, beyond "no crash":
//  - a document the codec reads is either accepted by the engine or refused with
//    invalid_argument (or not_found for a reference), never another error;
//  - every slot lies in the asked window, in strictly increasing order, on the resource;
//  - availability and reserve agree: reserving a slot it offers succeeds, and reserving a
//    grid start it did not offer in the window is refused.
// The engine lives across inputs (a tenant per input) and is replaced every
// kInputsPerEngine inputs.
#include <memory>
#include <set>
#include <string>

#include "boka/boka.hpp"
#include "fuzz_support.hpp"
#include "json_codec.hpp"

using namespace boka;

namespace {

constexpr int kInputsPerEngine = 1000;
constexpr std::int64_t kNow = 1767571200;  // 2026-01-05T00:00:00Z

struct World {
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
  int inputs = 0;
  long long tenants = 0;
};
World* world = nullptr;

Instant at(std::int64_t s) { return Instant(Seconds(s)); }
std::int64_t unix_of(Instant t) { return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count(); }

void allowed(const Status& st, const char* what) {
  FUZZ_CHECK(st.code() == Code::invalid_argument || st.code() == Code::not_found,
             std::string(what) + ": " + code_name(st.code()) + " " + st.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (world == nullptr) world = new World;  // lives as long as the process
  if (!world->engine || ++world->inputs > kInputsPerEngine) {
    world->clock = std::make_shared<ManualClock>(at(kNow));
    EngineOptions options;
    options.clock = world->clock;
    world->engine = std::move(Engine::open("memory:", options).value());
    world->inputs = 0;
  }
  Engine& engine = *world->engine;
  world->clock->set(at(kNow));
  const std::uint8_t seed = data[0];
  const std::string text(boka::fuzz::as_text(data + 1, size - 1));
  const auto nul = text.find('\0');
  const std::string schedule_text = text.substr(0, nul);
  const std::string resource_text = nul == std::string::npos ? "{}" : text.substr(nul + 1);

  Schedule schedule;
  Resource resource;
  try {
    schedule = codec::schedule_from_json(codec::parse_text(schedule_text, "schedule"),
                                         codec::Mode::create);
    resource = codec::resource_from_json(codec::parse_text(resource_text, "resource"),
                                         codec::Mode::create);
  } catch (const codec::InputError&) {
    return 0;
  }
  const auto sys = Principal::system();
  Tenant t;
  t.name = "t" + std::to_string(world->tenants++);
  const TenantId tenant = engine.create_tenant(sys, t).value().id;
  auto made_schedule = engine.create_schedule(sys, tenant, schedule);
  if (!made_schedule.ok()) {
    allowed(made_schedule.status(), "create_schedule");
    return 0;
  }
  resource.schedule = made_schedule->id;
  resource.capacity = std::min(resource.capacity, 3);
  auto made = engine.create_resource(sys, tenant, resource);
  if (!made.ok()) {
    allowed(made.status(), "create_resource");
    return 0;
  }

  AvailabilityQuery q;
  q.requests = {AllocationRequest::of_resource(made->id)};
  q.from = at(kNow + 3600 * (seed % 48));
  q.to = q.from + Seconds(86400 * (1 + seed % 3));
  q.duration = made->policy.slot_step * (1 + (seed >> 4) % 3);
  auto slots = engine.availability(sys, tenant, q);
  if (!slots.ok()) {
    allowed(slots.status(), "availability");
    return 0;
  }
  std::set<std::int64_t> offered;
  for (std::size_t i = 0; i < slots->size(); ++i) {
    const Slot& s = (*slots)[i];
    FUZZ_CHECK(s.start >= q.from && s.start < q.to, "a slot outside the window");
    FUZZ_CHECK(s.end == s.start + q.duration, "a slot of another length");
    FUZZ_CHECK(i == 0 || (*slots)[i - 1].start < s.start, "slots out of order");
    FUZZ_CHECK(s.resources.size() == 1 && s.resources[0] == made->id, "a slot on another resource");
    offered.insert(unix_of(s.start));
  }
  // Offered starts can be booked (each released again before the next try).
  int tried = 0;
  for (std::int64_t start : offered) {
    if (tried++ == 3) break;
    ReserveRequest req;
    req.allocations = q.requests;
    req.start = at(start);
    req.end = req.start + q.duration;
    auto r = engine.reserve(sys, tenant, req);
    FUZZ_CHECK(r.ok(), "an offered slot was refused: " + r.status().message());
    FUZZ_CHECK(engine.cancel(sys, tenant, r->id).ok(), "cancel");
  }
  // Starts on the hour that were not offered cannot be booked.
  for (std::int64_t start = unix_of(q.from); start < unix_of(q.to); start += 3600 * (1 + seed % 5)) {
    if (offered.count(start)) continue;
    ReserveRequest req;
    req.allocations = q.requests;
    req.start = at(start);
    req.end = req.start + q.duration;
    auto r = engine.reserve(sys, tenant, req);
    FUZZ_CHECK(!r.ok(), "a start availability did not offer was booked: " +
                            codec::format_utc(req.start));
  }
  return 0;
}
