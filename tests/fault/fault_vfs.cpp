// The fault-injecting VFS (fault_vfs.hpp). Every method forwards to the wrapped platform
// VFS; the I/O methods count, and fail when a fault is armed or the power is off.
#include "fault_vfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>

namespace boka::fault {
namespace {

// ---- state ------------------------------------------------------------------------------

struct Undo {
  std::int64_t offset = 0;
  std::string old_bytes;  // what [offset, offset + size) held, clipped to old_size
  std::int64_t old_size = 0;
};

struct State {
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs shim{};

  std::atomic<std::int64_t> writes{0}, syncs{0}, locks{0}, shm_locks{0}, grown{0};
  std::atomic<int> kind{0};
  std::atomic<std::int64_t> nth{0};
  std::atomic<int> code{0};
  std::atomic<bool> persistent{false};
  std::atomic<std::int64_t> budget{-1};  // disk full: growth allowed; -1: none
  std::atomic<std::int64_t> fired{0};

  std::atomic<bool> real_syncs{true};
  std::atomic<bool> journaling{false};
  std::atomic<std::int64_t> io_points{0};
  std::atomic<std::int64_t> power_loss_at{0};  // 0: not armed
  std::atomic<bool> off{false};

  mutable std::mutex mutex;  // guards the journal, growth_before and shm_paths
  std::map<std::string, std::vector<Undo>> journal;  // by file path, oldest first
  std::vector<std::int64_t> growth_before;
  std::set<std::string> shm_paths;
  std::vector<std::int64_t> sync_points;
};

State& state() {
  static State s;
  return s;
}

struct FaultFile {
  sqlite3_file base;  // first: SQLite sees this
  std::string* path;  // null for a file without a name (temporary)
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
const std::string* path_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->path; }

// Counts an operation of `kind` and says whether the armed fault fails it (with which code).
int fault_for(FaultKind kind, std::atomic<std::int64_t>& counter, int usual) {
  const std::int64_t n = ++counter;
  State& s = state();
  if (s.kind.load() != static_cast<int>(kind)) return SQLITE_OK;
  const std::int64_t at = s.nth.load();
  if (n == at || (s.persistent.load() && n > at)) {
    ++s.fired;
    const int c = s.code.load();
    return c != 0 ? c : usual;
  }
  return SQLITE_OK;
}

// One I/O point of the power-loss simulation: false once the power is off (this operation
// included, when it is the one the power goes at).
bool powered_io_point(bool sync = false) {
  State& s = state();
  if (s.off.load()) return false;
  if (!s.journaling.load()) return true;
  const std::int64_t n = ++s.io_points;
  if (sync) {
    std::lock_guard lock(s.mutex);
    s.sync_points.push_back(n);
  }
  const std::int64_t at = s.power_loss_at.load();
  if (at > 0 && n >= at) {
    s.off = true;
    return false;
  }
  return true;
}

std::int64_t file_size(sqlite3_file* real) {
  sqlite3_int64 size = 0;
  if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) return -1;
  return size;
}

// Keeps what [offset, offset + amount) holds now, before a write or truncation changes it.
void remember(sqlite3_file* f, std::int64_t offset, std::int64_t amount) {
  State& s = state();
  const std::string* path = path_of(f);
  if (!s.journaling.load() || path == nullptr) return;
  sqlite3_file* real = real_of(f);
  Undo u;
  u.offset = offset;
  u.old_size = file_size(real);
  if (u.old_size < 0) throw std::runtime_error("fault vfs: cannot size " + *path);
  const std::int64_t end = std::min(offset + amount, u.old_size);
  if (end > offset) {
    u.old_bytes.resize(static_cast<std::size_t>(end - offset));
    if (real->pMethods->xRead(real, u.old_bytes.data(), static_cast<int>(end - offset), offset) !=
        SQLITE_OK) {
      throw std::runtime_error("fault vfs: cannot read back " + *path);
    }
  }
  std::lock_guard lock(s.mutex);
  s.journal[*path].push_back(std::move(u));
}

// ---- I/O methods ------------------------------------------------------------------------

int x_close(sqlite3_file* f) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  // Always closed for real, power or not: the descriptor and SQLite's locks must go.
  const int rc = ff->real->pMethods != nullptr ? ff->real->pMethods->xClose(ff->real) : SQLITE_OK;
  delete ff->path;
  ff->path = nullptr;
  return rc;
}

int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  if (state().off.load()) return SQLITE_IOERR_READ;
  sqlite3_file* r = real_of(f);
  return r->pMethods->xRead(r, buf, amount, offset);
}

int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  State& s = state();
  if (!powered_io_point()) return SQLITE_IOERR_WRITE;
  if (int rc = fault_for(FaultKind::write, s.writes, SQLITE_IOERR_WRITE); rc != SQLITE_OK) {
    return rc;
  }
  sqlite3_file* r = real_of(f);
  const std::int64_t size = file_size(r);
  const std::int64_t growth = size >= 0 ? std::max<std::int64_t>(0, offset + amount - size) : 0;
  if (growth > 0) {
    {
      std::lock_guard lock(s.mutex);
      s.growth_before.push_back(s.grown.load());
    }
    const std::int64_t budget = s.budget.load();
    if (budget >= 0 && s.grown.load() + growth > budget) {
      ++s.fired;
      return SQLITE_FULL;
    }
    s.grown += growth;
  }
  try {
    remember(f, offset, amount);
  } catch (const std::exception&) {
    return SQLITE_IOERR_WRITE;
  }
  return r->pMethods->xWrite(r, buf, amount, offset);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (!powered_io_point()) return SQLITE_IOERR_TRUNCATE;
  sqlite3_file* r = real_of(f);
  try {
    const std::int64_t now = file_size(r);
    if (now > size) remember(f, size, now - size);
  } catch (const std::exception&) {
    return SQLITE_IOERR_TRUNCATE;
  }
  return r->pMethods->xTruncate(r, size);
}

int x_sync(sqlite3_file* f, int flags) {
  State& s = state();
  if (!powered_io_point(/*sync=*/true)) return SQLITE_IOERR_FSYNC;
  if (int rc = fault_for(FaultKind::sync, s.syncs, SQLITE_IOERR_FSYNC); rc != SQLITE_OK) {
    return rc;
  }
  sqlite3_file* r = real_of(f);
  const int rc = s.real_syncs.load() ? r->pMethods->xSync(r, flags) : SQLITE_OK;
  // Durable now: nothing of this file can be lost any more.
  if (rc == SQLITE_OK && path_of(f) != nullptr && s.journaling.load()) {
    std::lock_guard lock(s.mutex);
    s.journal.erase(*path_of(f));
  }
  return rc;
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (state().off.load()) return SQLITE_IOERR_FSTAT;
  sqlite3_file* r = real_of(f);
  return r->pMethods->xFileSize(r, size);
}

int x_lock(sqlite3_file* f, int level) {
  State& s = state();
  if (s.off.load()) return SQLITE_IOERR_LOCK;
  if (int rc = fault_for(FaultKind::lock, s.locks, SQLITE_IOERR_LOCK); rc != SQLITE_OK) return rc;
  sqlite3_file* r = real_of(f);
  return r->pMethods->xLock(r, level);
}

// Unlocking always goes through: releasing a lock loses nothing, and a connection that
// cannot release its locks would keep the others from recovering.
int x_unlock(sqlite3_file* f, int level) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xUnlock(r, level);
}

int x_check_reserved_lock(sqlite3_file* f, int* out) {
  if (state().off.load()) return SQLITE_IOERR_CHECKRESERVEDLOCK;
  sqlite3_file* r = real_of(f);
  return r->pMethods->xCheckReservedLock(r, out);
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xFileControl(r, op, arg);
}

int x_sector_size(sqlite3_file* f) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xSectorSize(r);
}

int x_device_characteristics(sqlite3_file* f) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xDeviceCharacteristics(r);
}

int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  if (state().off.load()) return SQLITE_IOERR_SHMMAP;
  sqlite3_file* r = real_of(f);
  if (const std::string* p = path_of(f)) {
    std::lock_guard lock(state().mutex);
    state().shm_paths.insert(*p + "-shm");
  }
  return r->pMethods->xShmMap(r, region, size, extend, out);
}

int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  // As with xUnlock, releasing goes through after a power loss.
  State& s = state();
  if ((flags & SQLITE_SHM_LOCK) != 0) {
    if (s.off.load()) return SQLITE_IOERR_SHMLOCK;
    if (int rc = fault_for(FaultKind::shm_lock, s.shm_locks, SQLITE_IOERR_SHMLOCK);
        rc != SQLITE_OK) {
      return rc;
    }
  }
  sqlite3_file* r = real_of(f);
  return r->pMethods->xShmLock(r, offset, n, flags);
}

void x_shm_barrier(sqlite3_file* f) {
  sqlite3_file* r = real_of(f);
  r->pMethods->xShmBarrier(r);
}

int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xShmUnmap(r, delete_flag);
}

int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;
  if (state().off.load()) return SQLITE_IOERR_MMAP;
  sqlite3_file* r = real_of(f);
  return r->pMethods->xFetch(r, offset, amount, out);
}

int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  sqlite3_file* r = real_of(f);
  return r->pMethods->xUnfetch(r, offset, p);
}

const sqlite3_io_methods kMethods = {
    3,           x_close,       x_read,         x_write,       x_truncate,
    x_sync,      x_file_size,   x_lock,         x_unlock,      x_check_reserved_lock,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock,
    x_shm_barrier, x_shm_unmap, x_fetch,        x_unfetch,
};

// ---- VFS methods ------------------------------------------------------------------------

constexpr int kRealOffset = (sizeof(FaultFile) + 15) & ~15;

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->base.pMethods = nullptr;
  ff->path = nullptr;
  ff->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  ff->real->pMethods = nullptr;
  if (state().off.load()) return SQLITE_CANTOPEN;
  sqlite3_vfs* real = state().real;
  const int rc = real->xOpen(real, name, ff->real, flags, out_flags);
  if (ff->real->pMethods == nullptr) return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  // The I/O methods of the platform's files are version 3 (shared memory, memory maps);
  // ours forward every one of them.
  if (ff->real->pMethods->iVersion < 3) {
    ff->real->pMethods->xClose(ff->real);
    return SQLITE_CANTOPEN;
  }
  if (name != nullptr) ff->path = new std::string(name);
  ff->base.pMethods = &kMethods;
  return rc;
}

int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& s = state();
  if (s.off.load()) return SQLITE_IOERR_DELETE;
  {
    // A deleted file has nothing left to lose; a new one by that name starts empty.
    std::lock_guard lock(s.mutex);
    s.journal.erase(name);
  }
  return s.real->xDelete(s.real, name, sync_dir);
}

int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  if (state().off.load()) return SQLITE_IOERR_ACCESS;
  return state().real->xAccess(state().real, name, flags, out);
}

int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return state().real->xFullPathname(state().real, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return state().real->xDlOpen(state().real, name); }
void v_dl_error(sqlite3_vfs*, int n, char* out) { state().real->xDlError(state().real, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return state().real->xDlSym(state().real, h, sym);
}
void v_dl_close(sqlite3_vfs*, void* h) { state().real->xDlClose(state().real, h); }
int v_randomness(sqlite3_vfs*, int n, char* out) {
  return state().real->xRandomness(state().real, n, out);
}
int v_sleep(sqlite3_vfs*, int us) { return state().real->xSleep(state().real, us); }
int v_current_time(sqlite3_vfs*, double* out) {
  return state().real->xCurrentTime(state().real, out);
}
int v_get_last_error(sqlite3_vfs*, int n, char* out) {
  return state().real->xGetLastError(state().real, n, out);
}
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return state().real->xCurrentTimeInt64(state().real, out);
}
int v_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return state().real->xSetSystemCall(state().real, name, p);
}
sqlite3_syscall_ptr v_get_system_call(sqlite3_vfs*, const char* name) {
  return state().real->xGetSystemCall(state().real, name);
}
const char* v_next_system_call(sqlite3_vfs*, const char* name) {
  return state().real->xNextSystemCall(state().real, name);
}

// Restores one file from its undo log, newest entry first.
int revert_file(const std::string& path, const std::vector<Undo>& undo, double p,
                std::mt19937_64& rng) {
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) return 0;  // deleted before the power went (deletes are durable here)
  std::bernoulli_distribution revert(p);
  int applied = 0;
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (p < 1.0 && !revert(rng)) continue;
    if (!it->old_bytes.empty() &&
        ::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset) !=
            static_cast<ssize_t>(it->old_bytes.size())) {
      ::close(fd);
      throw std::runtime_error("fault vfs: cannot restore " + path);
    }
    if (::ftruncate(fd, it->old_size) != 0) {
      ::close(fd);
      throw std::runtime_error("fault vfs: cannot truncate " + path);
    }
    ++applied;
  }
  ::close(fd);
  return applied;
}

}  // namespace

const char* fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::none: return "none";
    case FaultKind::write: return "write";
    case FaultKind::sync: return "sync";
    case FaultKind::lock: return "lock";
    case FaultKind::full: return "disk full";
    case FaultKind::shm_lock: return "shm lock";
  }
  return "?";
}

FaultVfs::FaultVfs() {
  State& s = state();
  s.real = sqlite3_vfs_find(nullptr);
  if (s.real == nullptr || s.real->iVersion < 3) {
    throw std::runtime_error("fault vfs: no version 3 default VFS to wrap");
  }
  sqlite3_vfs& v = s.shim;
  v.iVersion = 3;
  v.szOsFile = kRealOffset + s.real->szOsFile;
  v.mxPathname = s.real->mxPathname;
  v.zName = "boka-fault";
  v.xOpen = v_open;
  v.xDelete = v_delete;
  v.xAccess = v_access;
  v.xFullPathname = v_full_pathname;
  v.xDlOpen = v_dl_open;
  v.xDlError = v_dl_error;
  v.xDlSym = v_dl_sym;
  v.xDlClose = v_dl_close;
  v.xRandomness = v_randomness;
  v.xSleep = v_sleep;
  v.xCurrentTime = v_current_time;
  v.xGetLastError = v_get_last_error;
  v.xCurrentTimeInt64 = v_current_time_int64;
  v.xSetSystemCall = v_set_system_call;
  v.xGetSystemCall = v_get_system_call;
  v.xNextSystemCall = v_next_system_call;
  if (sqlite3_vfs_register(&v, 1) != SQLITE_OK) {
    throw std::runtime_error("fault vfs: cannot register");
  }
}

FaultVfs& FaultVfs::instance() {
  static FaultVfs vfs;
  return vfs;
}

void FaultVfs::make_default(bool shim) {
  State& s = state();
  sqlite3_vfs_register(shim ? &s.shim : s.real, 1);
}

void FaultVfs::forward_syncs(bool on) { state().real_syncs = on; }

void FaultVfs::reset_counts() {
  State& s = state();
  s.writes = 0;
  s.syncs = 0;
  s.locks = 0;
  s.shm_locks = 0;
  s.grown = 0;
  std::lock_guard lock(s.mutex);
  s.growth_before.clear();
}

IoCounts FaultVfs::counts() const {
  const State& s = state();
  IoCounts c;
  c.writes = s.writes.load();
  c.syncs = s.syncs.load();
  c.locks = s.locks.load();
  c.shm_locks = s.shm_locks.load();
  c.grown_bytes = s.grown.load();
  std::lock_guard lock(s.mutex);
  c.growth_before = s.growth_before;
  return c;
}

void FaultVfs::arm(FaultKind kind, std::int64_t nth, int code, bool persistent) {
  State& s = state();
  disarm();
  reset_counts();
  s.nth = nth;
  s.code = code;
  s.persistent = persistent;
  s.kind = static_cast<int>(kind);
}

void FaultVfs::arm_disk_full(std::int64_t budget) {
  disarm();
  reset_counts();
  state().budget = budget;
}

void FaultVfs::disarm() {
  State& s = state();
  s.kind = 0;
  s.budget = -1;
  s.fired = 0;
}

std::int64_t FaultVfs::fired() const { return state().fired.load(); }

void FaultVfs::start_journal() {
  State& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.journal.clear();
  }
  s.io_points = 0;
  s.power_loss_at = 0;
  s.off = false;
  s.journaling = true;
}

std::int64_t FaultVfs::io_points() const { return state().io_points.load(); }

std::vector<std::int64_t> FaultVfs::sync_points() const {
  std::lock_guard lock(state().mutex);
  return state().sync_points;
}

void FaultVfs::arm_power_loss(std::int64_t nth_io_point) {
  State& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.sync_points.clear();
  }
  s.io_points = 0;
  s.power_loss_at = nth_io_point;
}

bool FaultVfs::powered_off() const { return state().off.load(); }

int FaultVfs::lose_unsynced(double revert_probability, std::uint64_t seed) {
  State& s = state();
  std::map<std::string, std::vector<Undo>> journal;
  std::set<std::string> shm;
  {
    std::lock_guard lock(s.mutex);
    journal.swap(s.journal);
    shm.swap(s.shm_paths);
  }
  std::mt19937_64 rng(seed);
  int applied = 0;
  for (const auto& [path, undo] : journal) applied += revert_file(path, undo, revert_probability, rng);
  for (const std::string& path : shm) ::unlink(path.c_str());
  stop_journal();
  return applied;
}

void FaultVfs::stop_journal() {
  State& s = state();
  s.journaling = false;
  s.power_loss_at = 0;
  s.io_points = 0;
  s.off = false;
  std::lock_guard lock(s.mutex);
  s.journal.clear();
}

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, state().real->zName) != SQLITE_OK) {
    out = std::string("cannot open: ") + (db != nullptr ? sqlite3_errmsg(db) : "no memory");
    sqlite3_close_v2(db);
    return out;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (!out.empty()) out += "; ";
      const unsigned char* t = sqlite3_column_text(st, 0);
      out += t != nullptr ? reinterpret_cast<const char*>(t) : "";
    }
    if (rc != SQLITE_DONE) out += std::string(" (error: ") + sqlite3_errmsg(db) + ")";
  } else {
    out = std::string("cannot check: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close_v2(db);
  return out;
}

}  // namespace boka::fault
