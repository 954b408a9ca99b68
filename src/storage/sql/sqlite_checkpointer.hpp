// The SQLite store's WAL checkpoints, run on a thread of their own (docs/architecture.md,
// "SQLite store"): copying the WAL back into the database file and syncing that file is
// the one part of a commit whose cost grows with what earlier commits wrote, and a writer
// that happened to cross the threshold paid it inside its commit (a checkpoint of 16 MiB
// made the p99 of bookings over HTTP 9x their median).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace sqlite_api {
struct sqlite3;
}

namespace boka::detail {

class WalCheckpointer {
 public:
  // WAL size (pages) at which the thread checkpoints, and at which a committing writer does
  // it itself because the thread has fallen behind (long readers pin the WAL's frames).
  static constexpr int kWakePages = 4096;
  static constexpr int kInlinePages = 4 * kWakePages;
  // What is left after the thread's pass, at most, for a committing writer to copy (its
  // checkpoint is what lets the next writer restart the WAL from its start).
  static constexpr int kTailPages = 512;

  // Starts the thread, with its own connection to `path` (opened read-write, synchronous
  // as `full_sync`). The connections that commit must call watch() on their handle.
  WalCheckpointer(std::string path, bool full_sync);
  // Stops the thread and closes its connection: destroy after every watched connection is
  // closed or will commit no more.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Replaces `db`'s automatic checkpoints (sqlite3_wal_autocheckpoint) with this thread's:
  // after each commit on `db` the hook wakes the thread once the WAL holds kWakePages.
  // `db` must not outlive this object.
  void watch(sqlite_api::sqlite3* db);

 private:
  static int on_commit(void* self, sqlite_api::sqlite3* db, const char* schema, int pages);
  void run();

  std::string path_;
  bool full_sync_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  bool running_ = false;  // a pass is under way
  int backfilled_ = 0;    // WAL frames copied by the last pass; 0 after a restart
  std::thread thread_;
};

}  // namespace boka::detail
