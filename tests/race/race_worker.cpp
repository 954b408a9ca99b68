// One process of the multi-process race test:
//   boka_race_worker <sqlite-uri> <tenant> <resource,resource,...> <seed> <count> <out-file>
// Writes the acknowledged reservation ids to out-file, one per line.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "race_common.hpp"

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: boka_race_worker uri tenant resources seed count out\n");
    return 2;
  }
  auto engine = boka::Engine::open(argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().to_string().c_str());
    return 1;
  }
  std::vector<boka::ResourceId> resources;
  std::stringstream list(argv[3]);
  for (std::string item; std::getline(list, item, ',');) resources.push_back(std::stoll(item));
  auto ids = boka::race::book_randomly(**engine, std::stoll(argv[2]), resources,
                                       std::stoull(argv[4]), std::stoi(argv[5]));
  std::ofstream out(argv[6]);
  for (auto id : ids) out << id << "\n";
  return out.good() ? 0 : 1;
}
