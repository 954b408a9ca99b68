// A random engine program, read from bytes: the same bytes run the same calls on any
// engine, and the transcript of their answers is what two stores must agree on. Used by
// the differential fuzz target (engine_diff.cpp: the memory store against SQLite, and
// PostgreSQL when a server is named) and by its replay test on every store.
//
// One program runs in a tenant of its own, so a long-lived engine serves many programs.
// Ids never appear in a transcript: a reservation is named by the order in which the
// program first saw it and a resource by its index, so stores whose id counters differ
// (one consumed an id in a refused create, another did not) still compare equal.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "boka/boka.hpp"
#include "fuzz_support.hpp"

namespace boka::fuzz {

class EngineProgram {
 public:
  static constexpr int kMaxCalls = 48;

  // Runs the program of `data` on `engine` in a new tenant named `tenant_name`, with the
  // engine's clock `clock` (set to the program's start first). Returns the transcript.
  static std::string run(Engine& engine, ManualClock& clock, const std::string& tenant_name,
                         const std::uint8_t* data, std::size_t size) {
    EngineProgram p(engine, clock, data, size);
    return p.run_all(tenant_name);
  }

 private:
  EngineProgram(Engine& engine, ManualClock& clock, const std::uint8_t* data, std::size_t size)
      : engine_(engine), clock_(clock), in_(data, size) {}

  static constexpr std::int64_t kStart = 1767571200;  // 2026-01-05T00:00:00Z, a Monday

  static Instant at(std::int64_t unix_seconds) { return Instant(Seconds(unix_seconds)); }
  static std::int64_t unix_of(Instant t) {
    return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
  }

  std::string run_all(const std::string& tenant_name) {
    clock_.set(at(kStart));
    Tenant spec;
    spec.name = tenant_name;
    auto tenant = engine_.create_tenant(sys_, spec);
    if (!tenant.ok()) return "tenant " + std::string(code_name(tenant.status().code()));
    tenant_ = tenant->id;
    setup();
    for (int call = 0; call < kMaxCalls && in_.remaining_bytes() > 0; ++call) {
      step();
      out_ += "\n";
    }
    auto swept = engine_.expire_holds(sys_);
    out_ += std::string("sweep ") + (swept.ok() ? "ok" : code_name(swept.status().code())) + "\n";
    list();
    return out_;
  }

  // Three resources and a pool of two, shaped by the first bytes.
  void setup() {
    const Seconds steps[] = {Seconds(900), Seconds(1800), Seconds(3600)};
    for (int i = 0; i < 3; ++i) {
      Resource r;
      r.name = "r" + std::to_string(i);
      r.zone = i == 1 ? "America/New_York" : "Europe/Berlin";
      r.capacity = in_.ConsumeIntegralInRange(1, 3);
      r.policy.slot_step = steps[in_.ConsumeIntegralInRange(0, 2)];
      r.policy.buffer_after = Seconds(900 * in_.ConsumeIntegralInRange(0, 1));
      r.policy.buffer_before = Seconds(900 * in_.ConsumeIntegralInRange(0, 1));
      r.policy.min_notice = Seconds(3600 * in_.ConsumeIntegralInRange(0, 1));
      r.policy.daily_limit = in_.ConsumeIntegralInRange(0, 3);
      auto made = engine_.create_resource(sys_, tenant_, r);
      out_ += "resource " + std::string(made.ok() ? "ok" : code_name(made.status().code())) + "\n";
      if (made.ok()) resources_.push_back(made->id);
    }
    if (resources_.size() == 3) {
      Pool pool;
      pool.name = "p";
      pool.members = {resources_[2], resources_[0]};
      auto made = engine_.create_pool(sys_, tenant_, pool);
      if (made.ok()) pool_ = made->id;
    }
  }

  Instant start_time() {
    // Within the first two weeks, on a 15-minute grid, sometimes off it.
    std::int64_t t = kStart + 900 * in_.ConsumeIntegralInRange<std::int64_t>(0, 14 * 96);
    if (in_.ConsumeIntegralInRange(0, 15) == 0) t += in_.ConsumeIntegralInRange(1, 899);
    return at(t);
  }
  Seconds length() { return Seconds(900 * in_.ConsumeIntegralInRange(1, 12)); }

  std::vector<AllocationRequest> allocations() {
    std::vector<AllocationRequest> out;
    const int kind = in_.ConsumeIntegralInRange(0, 5);
    if (kind == 0 && pool_) {
      out.push_back(AllocationRequest::of_pool(*pool_, in_.ConsumeIntegralInRange(1, 2)));
    } else if (!resources_.empty()) {
      const auto i = in_.ConsumeIntegralInRange<std::size_t>(0, resources_.size() - 1);
      out.push_back(AllocationRequest::of_resource(resources_[i], in_.ConsumeIntegralInRange(1, 3)));
      if (kind == 1) {
        out.push_back(AllocationRequest::of_resource(resources_[(i + 1) % resources_.size()]));
      }
    }
    return out;
  }

  std::optional<ReservationId> some_reservation() {
    if (made_.empty()) return std::nullopt;
    return made_[in_.ConsumeIntegralInRange<std::size_t>(0, made_.size() - 1)];
  }

  int ordinal(ReservationId id) {
    auto [it, fresh] = ordinals_.emplace(id, static_cast<int>(ordinals_.size()));
    if (fresh) made_.push_back(id);
    return it->second;
  }
  std::string resource_name(ResourceId id) const {
    for (std::size_t i = 0; i < resources_.size(); ++i) {
      if (resources_[i] == id) return "r" + std::to_string(i);
    }
    return "r?";
  }

  std::string outcome(const Result<Reservation>& r) {
    if (!r.ok()) {
      std::string s = code_name(r.status().code());
      if (r.status().conflict() && r.status().conflict()->next_free_start) {
        s += "@" + std::to_string(unix_of(*r.status().conflict()->next_free_start));
      }
      return s;
    }
    return describe(*r);
  }
  std::string describe(const Reservation& r) {
    std::string s = "#" + std::to_string(ordinal(r.id)) + " " + status_name(r.status) + " " +
                    std::to_string(unix_of(r.start)) + ".." + std::to_string(unix_of(r.end)) +
                    " v" + std::to_string(r.version);
    for (const auto& a : r.allocations) {
      s += " " + resource_name(a.resource) + "x" + std::to_string(a.quantity) + (a.pool ? "p" : "");
    }
    return s;
  }

  void step() {
    switch (in_.ConsumeIntegralInRange(0, 11)) {
      case 0:
      case 1:
      case 2: {
        ReserveRequest req;
        req.allocations = allocations();
        req.start = start_time();
        req.end = req.start + length();
        if (in_.ConsumeBool()) req.hold_for = Seconds(300 * in_.ConsumeIntegralInRange(1, 6));
        if (in_.ConsumeIntegralInRange(0, 3) == 0) {
          req.idempotency_key = "k" + std::to_string(in_.ConsumeIntegralInRange(0, 3));
        }
        out_ += "reserve " + outcome(engine_.reserve(sys_, tenant_, req));
        break;
      }
      case 3:
        if (auto id = some_reservation()) {
          out_ += "confirm " + outcome(engine_.confirm(sys_, tenant_, *id));
        }
        break;
      case 4:
        if (auto id = some_reservation()) {
          out_ += "cancel " + outcome(engine_.cancel(sys_, tenant_, *id));
        }
        break;
      case 5:
        if (auto id = some_reservation()) {
          const Instant start = start_time();
          out_ += "move " + outcome(engine_.reschedule(sys_, tenant_, *id, start, start + length()));
        }
        break;
      case 6:
        if (auto id = some_reservation()) {
          ReservationUpdate update;
          if (in_.ConsumeBool()) update.notes = "n" + std::to_string(in_.ConsumeIntegral<int>());
          if (in_.ConsumeBool()) update.end = start_time() + length();
          out_ += "update " + outcome(engine_.update_reservation(sys_, tenant_, *id, update));
        }
        break;
      case 7:
        if (auto id = some_reservation()) {
          out_ += "get " + outcome(engine_.get_reservation(sys_, tenant_, *id));
        }
        break;
      case 8: {
        AvailabilityQuery q;
        q.requests = allocations();
        q.from = start_time();
        q.to = q.from + Seconds(86400 * in_.ConsumeIntegralInRange(1, 3));
        q.duration = length();
        if (in_.ConsumeBool()) q.step = Seconds(900 * in_.ConsumeIntegralInRange(1, 4));
        auto slots = engine_.availability(sys_, tenant_, q);
        out_ += "free ";
        if (!slots.ok()) {
          out_ += code_name(slots.status().code());
        } else {
          for (const auto& s : *slots) {
            out_ += std::to_string(unix_of(s.start));
            for (ResourceId r : s.resources) out_ += ":" + resource_name(r);
            out_ += ",";
          }
        }
        break;
      }
      case 9: {
        if (resources_.empty()) break;
        SeriesRequest req;
        req.allocations = {AllocationRequest::of_resource(
            resources_[in_.ConsumeIntegralInRange<std::size_t>(0, resources_.size() - 1)])};
        req.first_date = LocalDate{2026, 1, in_.ConsumeIntegralInRange(5, 18)};
        req.start_minute = 60 * in_.ConsumeIntegralInRange(0, 23);
        req.duration = length();
        const char* rules[] = {"FREQ=DAILY;COUNT=3", "FREQ=WEEKLY;COUNT=4",
                               "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6", "FREQ=DAILY;INTERVAL=2;COUNT=5"};
        req.rule = parse_rrule(rules[in_.ConsumeIntegralInRange(0, 3)]).value();
        req.mode = in_.ConsumeBool() ? SeriesMode::all_or_nothing : SeriesMode::skip_conflicts;
        auto booked = engine_.series().book(sys_, tenant_, req);
        out_ += "series ";
        if (!booked.ok()) {
          out_ += code_name(booked.status().code());
        } else {
          for (const auto& r : booked->reservations) out_ += describe(r) + ";";
          out_ += " skipped " + std::to_string(booked->skipped.size());
        }
        break;
      }
      case 10:
        clock_.advance(Seconds(60 * in_.ConsumeIntegralInRange(1, 240)));
        out_ += "tick";
        break;
      default:
        list();
        break;
    }
  }

  void list() {
    ReservationFilter filter;
    filter.order = ReservationOrder::by_start;
    auto rows = engine_.list_reservations(sys_, tenant_, filter);
    out_ += "list ";
    if (!rows.ok()) {
      out_ += code_name(rows.status().code());
      return;
    }
    // by_start orders ties by id, which may differ between stores: sort the descriptions.
    std::vector<std::string> lines;
    for (const auto& r : *rows) lines.push_back(describe(r));
    std::sort(lines.begin(), lines.end());
    for (const auto& l : lines) out_ += l + ";";
  }

  Engine& engine_;
  ManualClock& clock_;
  Choices in_;
  const Principal sys_ = Principal::system();
  TenantId tenant_{};
  std::vector<ResourceId> resources_;
  std::optional<PoolId> pool_;
  std::map<ReservationId, int> ordinals_;
  std::vector<ReservationId> made_;
  std::string out_;
};

}  // namespace boka::fuzz
