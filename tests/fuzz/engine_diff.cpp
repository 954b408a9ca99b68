// Differential fuzz target: one random engine program (engine_program.hpp) on the memory
// store and on SQLite (a real file, durability=normal), and on PostgreSQL too when
// BOKA_FUZZ_POSTGRES_URI names a database the program may migrate and use (the replay test
// fuzz_replay_engine_diff_postgres sets it). The transcripts must be identical: every
// answer, every refusal code, every reservation's state, the same final list.
//
// The engines live across inputs (opening SQLite runs its migrations); each program runs
// in a tenant of its own. Every kProgramsPerEngine programs the engines are replaced and
// the SQLite file deleted, so memory and disk stay bounded.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine_program.hpp"
#include "fuzz_support.hpp"

using namespace boka;

namespace {

constexpr int kProgramsPerEngine = 500;

struct Store {
  std::string name;
  std::shared_ptr<ManualClock> clock;
  std::unique_ptr<Engine> engine;
};

struct Stores {
  std::vector<Store> all;
  std::string sqlite_path;
  int programs = 0;
  int generation = 0;
};

Stores* stores = nullptr;

Store open(const std::string& name, const std::string& uri) {
  Store s;
  s.name = name;
  s.clock = std::make_shared<ManualClock>(Instant(Seconds(1767571200)));
  EngineOptions options;
  options.clock = s.clock;
  auto engine = Engine::open(uri, options);
  FUZZ_CHECK(engine.ok(), name + ": " + engine.status().message());
  s.engine = std::move(*engine);
  return s;
}

void reopen(Stores& s) {
  s.all.clear();
  const char* dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  s.sqlite_path = std::string(dir) + "/boka-fuzz-diff-" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(s.sqlite_path + suffix);
  s.all.push_back(open("memory", "memory:"));
  s.all.push_back(open("sqlite", "sqlite:" + s.sqlite_path + "?durability=normal"));
  if (const char* pg = std::getenv("BOKA_FUZZ_POSTGRES_URI")) s.all.push_back(open("postgresql", pg));
  s.programs = 0;
  ++s.generation;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (stores == nullptr) stores = new Stores;  // lives as long as the process
  // PostgreSQL keeps every program's tenant (the database is the test's own, dropped with
  // the throwaway cluster), so it is never reopened: its ids simply keep counting.
  if (stores->all.empty() ||
      (stores->programs >= kProgramsPerEngine && !std::getenv("BOKA_FUZZ_POSTGRES_URI"))) {
    reopen(*stores);
  }
  const std::string tenant =
      "t" + std::to_string(stores->generation) + "-" + std::to_string(stores->programs++);
  std::string reference;
  for (auto& store : stores->all) {
    const std::string transcript =
        fuzz::EngineProgram::run(*store.engine, *store.clock, tenant, data, size);
    if (&store == &stores->all.front()) {
      reference = transcript;
    } else {
      FUZZ_CHECK(transcript == reference,
                 store.name + " differs from memory:\n--- memory\n" + reference + "--- " +
                     store.name + "\n" + transcript);
    }
  }
  return 0;
}
