#include "storage/sql/sqlite_storage.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/private_file.hpp"
#include "storage/guarded_work.hpp"
#include "storage/sql/sqlite_backup.hpp"
#include "storage/sql/sql_prepared.hpp"
#include "storage/sql/sqlite_checkpointer.hpp"
#include "storage/sql/sqlite_migrations.hpp"
#include "storage/sql/sqlite_transaction.hpp"

namespace boka::detail {
namespace {

using soci::into;
using soci::use;

// ---- error mapping ----------------------------------------------------------------------
// SOCI's messages can quote bound values; boka's never do. So build the message from the
// SQLite result code and, for constraint failures, the constraint's name only.
Status map_sqlite_error(int result, const std::string& what, const char* operation) {
  const int primary = result & 0xFF;
  std::string detail;
  if (primary == SQLITE_CONSTRAINT) {
    const auto pos = what.find("constraint failed: ");
    if (pos != std::string::npos) {
      detail = what.substr(pos + 19);
      detail = detail.substr(0, detail.find_first_of(" \n\t'\""));
    }
    if (what.find("UNIQUE") != std::string::npos) {
      return AlreadyExists(std::string(operation) + ": duplicate value for " + detail);
    }
    return StorageError(std::string(operation) + ": constraint violated: " + detail);
  }
  const std::string text =
      std::string(operation) + ": sqlite: " + sqlite_api::sqlite3_errstr(result);
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY: return Unavailable(text);
    default: return StorageError(text);
  }
}

Status map_exception(const std::exception& e, const char* operation) {
  if (auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    return map_sqlite_error(s->result(), s->what(), operation);
  }
  if (dynamic_cast<const soci::soci_error*>(&e) != nullptr) {
    return StorageError(std::string(operation) + ": database error");
  }
  return StorageError(std::string(operation) + ": " + e.what());
}

// Not named `guarded`: in a unity batch (BOKA_UNITY_BUILD) with other SQL sources it would
// hide detail::guarded from their calls.
template <typename F>
auto sqlite_guarded(const char* operation, F&& f) -> decltype(f()) {
  return detail::guarded(&map_exception, operation, std::forward<F>(f));
}

// ---- connections -----------------------------------------------------------------------
class SqliteStorage final : public Storage, public std::enable_shared_from_this<SqliteStorage> {
 public:
  explicit SqliteStorage(SqliteOptions options) : options_(std::move(options)) {
    if (!options_.read_only) {
      checkpointer_ = std::make_unique<WalCheckpointer>(
          options_.path, options_.durability == Durability::full);
    }
  }

  Status open() {
    auto lease = acquire();
    if (!lease.ok()) return lease.status();
    Status st = migrate(*lease->session);
    release(std::move(*lease));
    return st;
  }

  Status read(const TxnScope&, Work work) override {
    BOKA_ASSIGN_OR_RETURN(auto connection, acquire());
    Status st = sqlite_guarded("begin read", [&]() -> Status {
      sqlite_execute(connection, "BEGIN");
      return Status::Ok();
    });
    if (st.ok()) {
      auto txn = make_sqlite_transaction(connection, /*writable=*/false, &map_exception);
      st = run_guarded(work, *txn);
      Status end = sqlite_guarded("end read", [&]() -> Status {
        sqlite_execute(connection, "COMMIT");
        return Status::Ok();
      });
      if (st.ok()) st = end;
    }
    release(std::move(connection));
    return st;
  }

  // Grouped commits: writers that arrive while another is committing queue up, and the
  // next leader runs the whole queue in one transaction (each writer's work inside its own
  // savepoint, so a refusal or error undoes only that work) with one COMMIT, i.e. one sync
  // at durability=full. Every writer returns only after that COMMIT, with its own outcome.
  // SQLite locks the whole database, which covers every resource in every intent.
  Status write(const WriteIntent& intent, Work work) override {
    if (options_.read_only) {
      return Unavailable("the sqlite store " + options_.path + " was opened read-only (mode=ro)");
    }
    PendingWrite me{work, intent.after_commit ? &intent.after_commit : nullptr};
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&me);
    // Leader/followers: a writer sleeps on its own condition variable until its work is done
    // or it is at the front of the queue with no leader running. Waking only those (not
    // every waiter on every commit) keeps dozens of concurrent writers (an HTTP host's
    // threads) from spending the machine on context switches.
    while (!me.done) {
      if (leader_active_) {
        me.cv.wait(lock);
        continue;
      }
      leader_active_ = true;
      std::vector<PendingWrite*> batch;
      // Grouping saves a sync per writer at durability=full; at durability=normal it still
      // writes the pages writers share (a table's last leaf, the audit chain's) once per
      // group instead of once per writer, so it is used at every durability.
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      run_batch(batch);
      lock.lock();
      for (PendingWrite* p : batch) {
        p->done = true;
        if (p != &me) p->cv.notify_one();  // under the lock: it cannot have returned yet
      }
      leader_active_ = false;
      if (!queue_.empty()) queue_.front()->cv.notify_one();  // the next leader
    }
    return me.result;
  }

  Result<BackupSnapshot> backup(const std::string& target,
                                const BackupProgress& progress) override {
    return backup_sqlite_database(options_.path, target, progress);
  }

  StorageInfo info() const override {
    return StorageInfo{"sqlite", schema_version_, options_.path,
                       sqlite_migrations().back().version};
  }

 private:
  using Session = SqlConnection;

  struct PendingWrite {
    PendingWrite(Work w, const std::function<void()>* committed)
        : work(w), after_commit(committed) {}
    Work work;
    const std::function<void()>* after_commit;  // the intent's, or null
    Status result;
    bool done = false;
    std::condition_variable cv;  // signalled when done, or when it is next to lead
  };
  static constexpr std::size_t kMaxBatch = 64;

  static void run_quietly(soci::session& sql, const char* statement) {
    try {
      sql << statement;
    } catch (const std::exception&) {
      // Rolling back can fail when the transaction already ended; it is gone either way.
    }
  }

  // Runs one batch of writers' work in one transaction; sets each writer's result.
  void run_batch(const std::vector<PendingWrite*>& batch) {
    auto connection = acquire();
    if (!connection.ok()) {
      for (PendingWrite* p : batch) p->result = connection.status();
      return;
    }
    soci::session& sql = *connection->session;
    Status st = sqlite_guarded("begin write", [&]() -> Status {
      sqlite_execute(*connection, "BEGIN IMMEDIATE");
      return Status::Ok();
    });
    if (!st.ok()) {
      if (st.code() == Code::unavailable) {
        st = Unavailable("database is busy: another writer held it for more than " +
                         std::to_string(options_.busy_timeout_ms) + " ms");
      }
      for (PendingWrite* p : batch) p->result = st;
      release(std::move(*connection));
      return;
    }
    // Lets a writer start from the conflict index an earlier writer of the batch left
    // (a batch of bookings on one resource would otherwise rebuild it once per writer).
    TransactionMemo memo;
    auto txn = make_sqlite_transaction(*connection, /*writable=*/true, &map_exception, &memo);
    bool any_kept = false;
    if (batch.size() == 1) {
      batch[0]->result = run_guarded(batch[0]->work, *txn);
      any_kept = batch[0]->result.ok();
    } else {
      for (PendingWrite* p : batch) {
        Status saved = sqlite_guarded("savepoint", [&]() -> Status {
          sqlite_execute(*connection, "SAVEPOINT boka_writer");
          return Status::Ok();
        });
        memo.open_layer();
        p->result = saved.ok() ? run_guarded(p->work, *txn) : saved;
        if (p->result.ok()) {
          p->result = sqlite_guarded("release savepoint", [&]() -> Status {
            sqlite_execute(*connection, "RELEASE boka_writer");
            return Status::Ok();
          });
        }
        if (p->result.ok()) {
          memo.keep_layer();
        } else {
          memo.drop_layer();
          if (saved.ok()) {
            run_quietly(sql, "ROLLBACK TO boka_writer");
            run_quietly(sql, "RELEASE boka_writer");
          }
        }
        any_kept = any_kept || p->result.ok();
      }
    }
    if (any_kept) {
      Status committed = sqlite_guarded("commit", [&]() -> Status {
        sqlite_execute(*connection, "COMMIT");
        return Status::Ok();
      });
      if (!committed.ok()) {
        run_quietly(sql, "ROLLBACK");
        for (PendingWrite* p : batch) {
          if (p->result.ok()) p->result = committed;
        }
      } else {
        // Still the leader: no other write transaction of this process can begin yet.
        for (PendingWrite* p : batch) {
          if (p->result.ok() && p->after_commit != nullptr) (*p->after_commit)();
        }
      }
    } else {
      run_quietly(sql, "ROLLBACK");
    }
    release(std::move(*connection));
  }

  Result<Session> acquire() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!idle_.empty()) {
        Session s = std::move(idle_.back());
        idle_.pop_back();
        return s;
      }
    }
    return connect();
  }

  void release(Session session) {
    std::lock_guard lock(pool_mutex_);
    if (static_cast<int>(idle_.size()) < options_.pool_size) idle_.push_back(std::move(session));
  }

  Result<Session> connect() {
    return sqlite_guarded("open database", [&]() -> Result<Session> {
      auto s = std::make_unique<soci::session>(
          soci::sqlite3, "db=" + options_.path +
                             " timeout=" + std::to_string((options_.busy_timeout_ms + 999) / 1000) +
                             (options_.read_only ? " readonly=1" : ""));
      *s << "PRAGMA busy_timeout = " + std::to_string(options_.busy_timeout_ms);
      // SOCI 4.0's SQLite backend fills a process-wide column type map, without a lock, the
      // first time it describes a result column. Do that once here, before any two threads
      // can: the reservation path bypasses SOCI, so nothing else is sure to get there first
      // (two concurrent logins would race on it).
      static std::once_flag soci_types_ready;
      std::call_once(soci_types_ready, [&] {
        soci::row row;
        *s << "SELECT 1", soci::into(row);
      });
      if (!options_.read_only) {
        std::string mode;
        *s << "PRAGMA journal_mode = WAL", into(mode);
      }
      *s << std::string("PRAGMA synchronous = ") +
                (options_.durability == Durability::full ? "FULL" : "NORMAL");
      *s << "PRAGMA foreign_keys = ON";
      *s << "PRAGMA cache_size = -16384";  // 16 MiB
      // Checkpoints at 16 MiB of WAL instead of 4 MiB (hot pages, the resource rows and
      // index roots, are copied back less often), on the checkpointer's thread rather than
      // in the commit of whichever writer crossed the threshold.
      if (checkpointer_) {
        checkpointer_->watch(sqlite_db(*s));
      }
      SqlConnection c;
      c.prepared = make_prepared_statements(*s);
      c.session = std::move(s);
      return c;
    });
  }

  Status migrate(soci::session& sql) {
    if (options_.read_only) return check_schema(sql);
    // An up-to-date database is opened without the write lock: SQLite's busy handler is not
    // fair, and a process opening a file other processes are busy writing could wait out
    // its whole busy timeout for a lock it does not need (seen in the 4-process race test
    // on a loaded machine).
    BOKA_ASSIGN_OR_RETURN(const int found, stored_schema_version(sql));
    if (!sqlite_migrations().empty() && found == sqlite_migrations().back().version) {
      schema_version_ = found;
      return Status::Ok();
    }
    return sqlite_guarded("migrate schema", [&]() -> Status {
      sql << "BEGIN IMMEDIATE";
      try {
        sql << "CREATE TABLE IF NOT EXISTS boka_schema (version INTEGER NOT NULL, "
               "applied_at INTEGER NOT NULL)";
        int current = 0;
        soci::indicator ind = soci::i_null;
        sql << "SELECT MAX(version) FROM boka_schema", into(current, ind);
        if (ind != soci::i_ok) current = 0;
        const auto& migrations = sqlite_migrations();
        const int latest = migrations.empty() ? 0 : migrations.back().version;
        if (current > latest) {
          sql << "ROLLBACK";
          return StorageError("database " + options_.path + " has schema version " +
                              std::to_string(current) + ", newer than this boka (" +
                              version_text() + ") knows (" + std::to_string(latest) +
                              "); open it with a newer boka");
        }
        for (const Migration& m : migrations) {
          if (m.version <= current) continue;
          for (const std::string& statement : m.statements) sql << statement;
          long long now = to_unix(SystemClock().now());
          int v = m.version;
          sql << "INSERT INTO boka_schema (version, applied_at) VALUES (:v, :t)", use(v), use(now);
        }
        sql << "COMMIT";
        schema_version_ = std::max(current, latest);
        return Status::Ok();
      } catch (...) {
        try {
          sql << "ROLLBACK";
        } catch (...) {
        }
        throw;
      }
    });
  }

  // The schema version recorded in the file: 0 for a new file. A plain read, no lock.
  Result<int> stored_schema_version(soci::session& sql) {
    return sqlite_guarded("read schema version", [&]() -> Result<int> {
      int tables = 0;
      sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'boka_schema'",
          into(tables);
      if (tables == 0) return 0;
      int current = 0;
      soci::indicator ind = soci::i_null;
      sql << "SELECT MAX(version) FROM boka_schema", into(current, ind);
      return ind == soci::i_ok ? current : 0;
    });
  }

  // Read-only: the schema must be exactly the one this build knows.
  Status check_schema(soci::session& sql) {
    BOKA_ASSIGN_OR_RETURN(const int current, stored_schema_version(sql));
    const int latest = sqlite_migrations().back().version;
    if (current != latest) {
      return StorageError("database " + options_.path + " has schema version " +
                          std::to_string(current) + "; opened read-only it cannot be migrated to " +
                          std::to_string(latest));
    }
    schema_version_ = current;
    return Status::Ok();
  }

  static std::string version_text();

  SqliteOptions options_;
  int schema_version_ = 0;
  // Declared before the pool: outlives every connection whose commits wake it.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::mutex queue_mutex_;  // guards queue_, leader_active_ and every PendingWrite's done
  std::deque<PendingWrite*> queue_;
  bool leader_active_ = false;
  std::mutex pool_mutex_;
  std::vector<Session> idle_;
};

}  // namespace
}  // namespace boka::detail

#include "boka/version.hpp"

namespace boka::detail {
namespace {
std::string SqliteStorage::version_text() { return version_string(); }
}  // namespace

}  // namespace boka::detail

namespace boka {

Result<std::shared_ptr<Storage>> open_sqlite_storage(const SqliteOptions& options) {
  if (options.path.empty()) {
    return InvalidArgument("sqlite: needs a file path, as in sqlite:boka.db");
  }
  // The path goes into SOCI's space-separated connection string unquoted.
  if (options.path.find_first_of(" \t\n\"'") != std::string::npos) {
    return InvalidArgument("sqlite: the path must not contain spaces or quotes");
  }
  if (options.busy_timeout_ms < 0 || options.busy_timeout_ms > 600000) {
    return InvalidArgument("sqlite: busy_timeout_ms must be in 0..600000, got " +
                           std::to_string(options.busy_timeout_ms));
  }
  if (options.pool_size < 1 || options.pool_size > 256) {
    return InvalidArgument("sqlite: pool_size must be in 1..256, got " +
                           std::to_string(options.pool_size));
  }
  if (options.durability != Durability::full && options.durability != Durability::normal) {
    return InvalidArgument("sqlite: durability must be full or normal");
  }
  if (!options.read_only && options.path != ":memory:" && options.path.rfind("file:", 0) != 0) {
    // A new database file is private to its owner (core/private_file.hpp). Should this
    // fail (no such directory), SQLite's own open below reports it as it always has.
    (void)detail::create_private_file(options.path);
  }
  auto storage = std::make_shared<detail::SqliteStorage>(options);
  BOKA_RETURN_IF_ERROR(storage->open());
  return std::shared_ptr<Storage>(std::move(storage));
}

}  // namespace boka
