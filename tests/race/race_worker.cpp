// One process of the multi-process race test:
//   boka_race_worker <uri> <tenant> <resource,resource,...> <seed> <count> <out-file> [threads]
// Books from `threads` threads (default 1) sharing one engine, and writes the acknowledged
// reservation ids to out-file, one per line. BOKA_RACE_MODE=waitlist runs the waitlist
// churn (race_common.hpp) instead; BOKA_RACE_MODE=limits the per-customer limit load for
// the customers listed in BOKA_RACE_CUSTOMERS.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "race_common.hpp"

int main(int argc, char** argv) {
  if (argc != 7 && argc != 8) {
    std::fprintf(stderr, "usage: boka_race_worker uri tenant resources seed count out [threads]\n");
    return 2;
  }
  auto engine = boka::Engine::open(argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().to_string().c_str());
    return 1;
  }
  std::vector<boka::ResourceId> resources;
  std::stringstream list(argv[3]);
  for (std::string item; std::getline(list, item, ',');)
    resources.push_back(boka::ResourceId{std::stoll(item)});
  const int threads = argc == 8 ? std::stoi(argv[7]) : 1;
  std::vector<std::vector<boka::ReservationId>> ids(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const boka::TenantId tenant{std::stoll(argv[2])};
      const std::uint64_t seed = std::stoull(argv[4]) * 100 + static_cast<unsigned>(t);
      // BOKA_RACE_MODE=waitlist: the waitlist churn instead of the booking load.
      const char* mode = std::getenv("BOKA_RACE_MODE");
      const std::string m = mode != nullptr ? mode : "";
      const int count = std::stoi(argv[5]);
      if (m == "waitlist") {
        ids[static_cast<std::size_t>(t)] =
            boka::race::churn_waitlist(**engine, tenant, resources, seed, count);
      } else if (m == "limits") {
        // BOKA_RACE_CUSTOMERS: the customer ids to book for, comma-separated.
        std::vector<boka::CustomerId> customers;
        const char* listed = std::getenv("BOKA_RACE_CUSTOMERS");
        std::stringstream ids_text(listed != nullptr ? listed : "");
        for (std::string item; std::getline(ids_text, item, ',');)
          customers.push_back(boka::CustomerId{std::stoll(item)});
        ids[static_cast<std::size_t>(t)] =
            boka::race::book_for_customers(**engine, tenant, resources, customers, seed, count);
      } else {
        ids[static_cast<std::size_t>(t)] =
            boka::race::book_randomly(**engine, tenant, resources, seed, count);
      }
    });
  }
  for (auto& w : workers) w.join();
  std::ofstream out(argv[6]);
  for (const auto& list : ids) {
    for (auto id : list) out << id << "\n";
  }
  return out.good() ? 0 : 1;
}
