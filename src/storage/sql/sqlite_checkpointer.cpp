#include "storage/sql/sqlite_checkpointer.hpp"

#include <pthread.h>
#include <signal.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <utility>

namespace boka::detail {

using namespace sqlite_api;

WalCheckpointer::WalCheckpointer(std::string path, bool full_sync)
    : path_(std::move(path)), full_sync_(full_sync) {
  // A library's thread takes no signals: the host's handling (a thread in sigwait for
  // SIGTERM, say) must not find this one, where the default action would end the process.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WalCheckpointer::watch(sqlite3* db) { sqlite3_wal_hook(db, &WalCheckpointer::on_commit, this); }

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  bool finish_here = false;
  {
    std::lock_guard lock(me->mutex_);
    if (pages < kWakePages) {
      me->backfilled_ = 0;  // the WAL was restarted: what the thread copied is history
      return SQLITE_OK;
    }
    // The thread copies while writers append, so it ends a few commits behind the WAL's end,
    // and SQLite restarts the WAL only when a writer begins with every frame copied. This
    // writer holds the store's write turn, so no commit can come between a checkpoint here
    // and the next writer's begin: it copies the little that is left.
    // When writers append about as fast as the thread copies, its passes never get that
    // close; past twice the wake size this writer copies what the last pass left.
    finish_here = pages >= kInlinePages ||
                  (!me->running_ && me->backfilled_ > 0 &&
                   (pages - me->backfilled_ <= kTailPages || pages >= 2 * kWakePages));
    if (finish_here) {
      me->backfilled_ = 0;
    } else if (me->running_) {
      return SQLITE_OK;  // the commit after this pass decides: finish here, or another pass
    } else {
      me->wanted_ = true;
    }
  }
  if (finish_here) {
    // Also the bound when the thread has not kept up (a long reader pins frames, or the disk
    // is slow): the WAL is checkpointed the way SQLite's own automatic checkpoint would.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else {
    me->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  sqlite3* db = nullptr;
  // Opened lazily by the first checkpoint: most stores of tests and tools never need one.
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return wanted_ || stop_; });
    if (stop_) break;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    if (db == nullptr) {
      if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        // The checkpoint syncs the database file as the store's durability says.
        sqlite3_exec(db, full_sync_ ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     nullptr, nullptr, nullptr);
      } else {
        sqlite3_close_v2(db);  // frees the handle of a failed open; the next wake retries
        db = nullptr;
      }
    }
    // PASSIVE: copies what no reader still needs, without waiting for readers or blocking
    // writers; a writer restarts the WAL from its start once everything is copied. Failure
    // (another process checkpointing, say) leaves the frames for the next wake.
    int log_frames = 0, copied = 0;
    const int rc =
        db != nullptr ? sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE,
                                                  &log_frames, &copied)
                      : SQLITE_CANTOPEN;
    lock.lock();
    running_ = false;
    if (rc == SQLITE_OK) backfilled_ = copied;
  }
  lock.unlock();
  sqlite3_close_v2(db);
}

}  // namespace boka::detail
