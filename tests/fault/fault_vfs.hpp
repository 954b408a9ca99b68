// A test SQLite VFS that wraps the platform's default one ("unix") and fails I/O on purpose:
// the Nth write, sync or lock, a disk that fills up, and a power loss that reverts every
// write not yet followed by a sync. Registered as the process's default VFS, so every
// connection the library opens (SOCI's, the checkpointer's, a backup's) goes through it
// without any change to boka.
//
// Which threads a fault hits: all of them. The counters and the armed fault are global,
// not per thread, on purpose:
//  - the SQLite store runs a grouped writer's work on the group leader's thread, which can
//    be another caller's (docs/architecture.md, "SQLite store"), so "this thread's I/O"
//    would not be "this call's I/O";
//  - the store's other thread, the WAL checkpointer, does I/O only once the WAL passes
//    4,096 pages, which no sweep here reaches, so a single-threaded test still counts the
//    same operations on every run; and a fault in a checkpoint (on the thread or inline in
//    a commit's WAL hook) is a real fault after the commit point, which a test must accept;
//  - a power loss stops every thread's I/O at once.
// Tests arm a fault only while one thread at a time works on the store.
//
// Thread-safety: every member may be called from any thread. Counters and the armed fault
// are atomics; the power-loss journal has a mutex of its own.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace boka::fault {

// What a fault fails.
enum class FaultKind : int {
  none = 0,
  write = 1,  // xWrite: SQLITE_IOERR_WRITE unless another code is given
  sync = 2,   // xSync: SQLITE_IOERR_FSYNC
  lock = 3,   // xLock: SQLITE_IOERR_LOCK (or SQLITE_BUSY, which SQLite's busy handler retries)
  full = 4,   // a write that would grow the files past a byte budget: SQLITE_FULL
  // xShmLock taking a lock (WAL mode's read and write locks live in shared memory; the
  // file lock of xLock is taken once per connection there): SQLITE_IOERR_SHMLOCK or
  // SQLITE_BUSY.
  shm_lock = 5,
};
const char* fault_kind_name(FaultKind kind);

// Operations seen since the last reset_counts(), on every file and every thread.
struct IoCounts {
  std::int64_t writes = 0;
  std::int64_t syncs = 0;
  std::int64_t locks = 0;
  std::int64_t shm_locks = 0;
  // Bytes by which writes extended their files (what a full disk refuses), and the running
  // total of that growth before each growing write, in order: growth_before[i] is a budget
  // that makes the (i+1)th growing write the first to fail.
  std::int64_t grown_bytes = 0;
  std::vector<std::int64_t> growth_before;
};

class FaultVfs {
 public:
  // The process's one instance, registered as the default VFS on first use.
  static FaultVfs& instance();

  // Makes this VFS (true) or the wrapped platform VFS (false) the default for new
  // connections. Connections already open keep the VFS they were opened with.
  void make_default(bool shim);

  // Whether a sync reaches the disk (default true). Off, a sync is still counted, can still
  // fail, and still makes the file's writes durable for the power-loss journal; only the
  // real fsync is skipped. The tests never lose the machine's power, so what they check
  // does not depend on it, and a sweep of hundreds of cases then waits on no disk.
  void forward_syncs(bool on);

  // ---- counting and faults ----------------------------------------------------------
  void reset_counts();
  IoCounts counts() const;

  // Fails the nth (1-based) operation of `kind` counted from now with `code` (0: the kind's
  // usual code); persistent: that one and every later one of the kind. Resets the counters.
  void arm(FaultKind kind, std::int64_t nth, int code = 0, bool persistent = false);
  // A full disk: writes that grow the files by more than `budget` bytes in total (counted
  // from now) fail with SQLITE_FULL, as do all later growing writes. Resets the counters.
  void arm_disk_full(std::int64_t budget);
  void disarm();
  // How many operations the armed fault has failed so far.
  std::int64_t fired() const;

  // ---- power loss ------------------------------------------------------------------------
  // From now on keeps, per file, an undo log of every write and truncation not yet followed
  // by a sync of that file (the old bytes and the old size), and counts I/O points
  // (writes, syncs, truncations).
  void start_journal();
  std::int64_t io_points() const;
  // Which of those I/O points were syncs (1-based, counted like io_points), in order.
  std::vector<std::int64_t> sync_points() const;
  // At the nth I/O point from now the power goes: that operation and every later one on
  // every file fails (reads, writes, syncs, locks, opens, deletes), until restore_power().
  void arm_power_loss(std::int64_t nth_io_point);
  bool powered_off() const;
  // Call with every connection closed. Undoes the unsynced writes and truncations of every
  // file (newest first), each with probability `revert_probability` (1: all of them; less
  // models writes that reached the disk in an arbitrary subset), deletes every -shm file
  // seen (shared memory does not survive a power loss; SQLite rebuilds it), stops the
  // journal and restores power. Returns how many undo entries were applied.
  int lose_unsynced(double revert_probability = 1.0, std::uint64_t seed = 0);
  // Stops the journal and restores power without reverting anything.
  void stop_journal();

 private:
  FaultVfs();
};

// PRAGMA integrity_check of a database file through the platform VFS, joined with "; ".
std::string integrity_check(const std::string& path);

}  // namespace boka::fault
