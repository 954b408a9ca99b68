// Runs the race worker (boka_race_worker) in several processes at once and collects the
// reservation ids each one saw acknowledged. Shared by the SQLite and PostgreSQL races.
#pragma once

#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "boka/ids.hpp"

extern char** environ;

namespace boka::race {

// `processes` workers, each booking `count` times from `threads` threads with its own
// seed (seed_base + i); output files are `scratch_prefix`.out<i> and removed afterwards.
inline std::vector<ReservationId> run_worker_processes(const std::string& uri, TenantId tenant,
                                                       const std::vector<ResourceId>& resources,
                                                       int processes, int threads, int count,
                                                       int seed_base,
                                                       const std::string& scratch_prefix) {
  std::string list;
  for (ResourceId r : resources) list += (list.empty() ? "" : ",") + std::to_string(r);
  std::vector<pid_t> pids;
  std::vector<std::string> outs;
  for (int i = 0; i < processes; ++i) {
    outs.push_back(scratch_prefix + ".out" + std::to_string(i));
    std::vector<std::string> args = {BOKA_RACE_WORKER,
                                     uri,
                                     std::to_string(tenant),
                                     list,
                                     std::to_string(seed_base + i),
                                     std::to_string(count),
                                     outs.back(),
                                     std::to_string(threads)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, BOKA_RACE_WORKER, nullptr, nullptr, argv.data(), environ) == 0);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::vector<ReservationId> acknowledged;
  for (const auto& out : outs) {
    std::ifstream in(out);
    for (std::int64_t id; in >> id;) acknowledged.push_back(ReservationId{id});
    std::remove(out.c_str());
  }
  return acknowledged;
}

}  // namespace boka::race
