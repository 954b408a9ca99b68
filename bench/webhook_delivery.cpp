// Webhook delivery throughput and end-to-end lag (docs/webhooks.md): books N reservations on
// a store, then runs delivery rounds (Webhooks::deliver, as boka-worker does) against a
// receiver on 127.0.0.1 (cpp-httplib, in process, answering 200 at once) until every event
// arrived. Reports deliveries per second over the rounds, and for each event the time from
// its booking's commit (reserve returned) to its arrival at the receiver.
//
//   webhook_delivery [store-uri] [reservations] [rate] [idle-ms]
//     (defaults: a temporary SQLite file, 2000, 0, 100)
//
// rate 0 (backlog): the bookings are all made first, then delivered: the throughput is the
// worker's sequential rate (one HTTP call at a time), and the lag includes waiting behind the
// backlog, so it grows with N.
// rate > 0 (steady): a thread books `rate` reservations a second while a worker thread runs
// rounds back to back, sleeping idle-ms when a round found nothing to do (boka-worker sleeps
// BOKA_WORKER_INTERVAL_SECONDS, which adds up to that to the lag): the lag is what a receiver
// sees under a sustained load.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "boka/boka.hpp"

using namespace boka;
using Steady = std::chrono::steady_clock;

namespace {
// The value, or a message and exit 1 (a benchmark has no one to return an error to).
template <typename T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "webhook_delivery: %s: %s\n", what, r.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}
}  // namespace

int main(int argc, char** argv) {
  const std::string temp =
      (std::filesystem::temp_directory_path() / "boka-webhook-bench.db").string();
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(temp + s);
  const std::string uri = argc > 1 ? argv[1] : "sqlite:" + temp;
  const int n = argc > 2 ? std::stoi(argv[2]) : 2000;
  const double rate = argc > 3 ? std::stod(argv[3]) : 0.0;
  const int idle_ms = argc > 4 ? std::stoi(argv[4]) : 100;

  std::mutex mutex;
  std::map<std::string, Steady::time_point> arrived;  // webhook-id -> when
  httplib::Server server;
  server.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    const auto now = Steady::now();
    std::lock_guard<std::mutex> lock(mutex);
    arrived.emplace(req.get_header_value("webhook-id"), now);
    res.status = 200;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  EngineOptions options;
  options.auth.encryption_key = std::string(32, 'k');
  options.webhooks.allow_addresses = "127.0.0.1/32";
  auto engine = must(Engine::open(uri, options), "open");
  const Principal& sys = Principal::system();
  const TenantId tenant =
      must(engine->create_tenant(sys, Tenant{TenantId{}, "bench"}), "tenant").id;
  Resource spec;
  spec.name = "room";
  spec.zone = "UTC";
  spec.capacity = 1000000;
  spec.policy.max_horizon = Seconds(3650LL * 86400);
  const ResourceId room = must(engine->create_resource(sys, tenant, spec), "resource").id;
  WebhookEndpoint endpoint;
  endpoint.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  must(engine->webhooks().create_endpoint(sys, tenant, endpoint), "endpoint");

  std::vector<Steady::time_point> committed;  // by event position order (one event each)
  // A whole hour tomorrow (on every resource's slot grid).
  const std::int64_t now_unix =
      std::chrono::duration_cast<Seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const Instant start = from_unix((now_unix / 3600 + 24) * 3600);
  const auto book = [&](int i) {
    ReserveRequest req;
    req.allocations = {AllocationRequest::of_resource(room)};
    req.start = start + Seconds(3600LL * (i % 1000));
    req.end = req.start + Seconds(3600);
    must(engine->reserve(sys, tenant, req), "reserve");
    committed.push_back(Steady::now());
  };
  int rounds = 0, delivered = 0;
  Steady::time_point t0;
  if (rate <= 0) {
    for (int i = 0; i < n; ++i) book(i);
    t0 = Steady::now();
    while (delivered < n) {
      const DeliveryRound r = must(engine->webhooks().deliver(sys, 1000), "deliver");
      delivered += r.delivered;
      ++rounds;
      if (r.attempted == 0) break;
    }
  } else {
    t0 = Steady::now();
    std::atomic<bool> booked{false};
    std::thread worker([&] {
      // Until every booking is made and delivered (or nothing more arrives after the last).
      while (delivered < n) {
        const bool done_booking = booked.load();
        const DeliveryRound r = must(engine->webhooks().deliver(sys, 1000), "deliver");
        delivered += r.delivered;
        ++rounds;
        if (r.attempted == 0) {
          if (done_booking) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
        }
      }
    });
    for (int i = 0; i < n; ++i) {
      std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Steady::duration>(
                                             std::chrono::duration<double>(i / rate)));
      book(i);
    }
    booked = true;
    worker.join();
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();

  // Each event's lag, by its position in the feed (its booking's order).
  EventQuery q;
  q.limit = 1000;
  std::vector<double> lags;
  for (;;) {
    const EventPage page = must(engine->events().list(sys, tenant, q), "events");
    for (const Event& e : page.events) {
      const auto got = arrived.find("evt_" + std::to_string(e.id));
      if (got == arrived.end() || lags.size() >= committed.size()) continue;
      lags.push_back(
          std::chrono::duration<double, std::milli>(got->second - committed[lags.size()]).count());
    }
    q.after = page.next_after;
    if (!page.more) break;
  }
  server.stop();
  listener.join();
  std::sort(lags.begin(), lags.end());
  const auto pct = [&](double p) {
    return lags.empty() ? 0.0 : lags[static_cast<std::size_t>(p * (lags.size() - 1))];
  };
  std::printf("store %s, %d reservations%s: %d delivered in %d rounds, %.2f s: %.0f deliveries/s\n",
              engine->operations().storage_info().dialect.c_str(), n,
              rate > 0 ? (" booked at " + std::to_string(static_cast<int>(rate)) + "/s").c_str()
                       : " booked first",
              delivered, rounds, seconds, delivered / seconds);
  std::printf("lag from commit to arrival (ms): p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", pct(0.5),
              pct(0.9), pct(0.99), pct(1.0));
  for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(temp + s);
  return delivered == n ? 0 : 1;
}
