#include "storage/sql/postgresql_storage.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "boka/version.hpp"
#include "storage/guarded_work.hpp"
#include "storage/sql/postgresql_migrations.hpp"
#include "storage/sql/postgresql_transaction.hpp"

namespace boka::detail {
namespace {

using soci::into;
using soci::use;

constexpr int kMaxAttempts = 5;  // for serialization failures, deadlocks and dead connections

// The SQLSTATE of the last PostgreSQL error on this thread, so the store can tell a
// retryable failure from the Status the row access turned it into.
thread_local std::string t_last_sqlstate;

bool retryable(const std::string& state) { return state == "40001" || state == "40P01"; }

// SOCI's messages can quote bound values and PostgreSQL's DETAIL quotes row data; boka's
// messages carry the SQLSTATE and, for constraint failures, the constraint's name only.
Status map_postgres_error(const std::exception& e, const char* operation) {
  const std::string op(operation);
  if (auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    std::string state = pg->sqlstate();
    if (state.size() != 5 || state.find('\0') != std::string::npos) state.clear();
    t_last_sqlstate = state;
    const std::string what = pg->what();
    auto constraint = [&] {
      const auto a = what.find("constraint \"");
      if (a == std::string::npos) return std::string("a constraint");
      const auto b = what.find('"', a + 12);
      return what.substr(a + 12, b == std::string::npos ? 0 : b - a - 12);
    };
    if (state == "23505") return AlreadyExists(op + ": duplicate value for " + constraint());
    if (state.rfind("23", 0) == 0) {
      return StorageError(op + ": constraint violated: " + constraint());
    }
    if (retryable(state)) return Unavailable(op + ": serialization failure or deadlock");
    if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0 || state == "53300" ||
        state == "25006" || state.empty() ||
        pg->get_error_category() == soci::soci_error::connection_error) {
      return Unavailable(op + ": connection to PostgreSQL lost or refused" +
                         (state.empty() ? std::string() : " (SQLSTATE " + state + ")"));
    }
    if (state == "42501") {
      return StorageError(op + ": permission denied: the connecting role lacks a privilege");
    }
    return StorageError(op + ": PostgreSQL error (SQLSTATE " + state + ")");
  }
  t_last_sqlstate.clear();
  if (auto* s = dynamic_cast<const soci::soci_error*>(&e)) {
    if (s->get_error_category() == soci::soci_error::connection_error) {
      return Unavailable(op + ": connection to PostgreSQL lost or refused");
    }
    return StorageError(op + ": database error");
  }
  return StorageError(op + ": " + e.what());
}

// Not named `guarded`: in a unity batch (BOKA_UNITY_BUILD) with postgresql_transaction.cpp
// it would hide detail::guarded from that file's calls.
template <typename F>
auto pg_guarded(const char* operation, F&& f) -> decltype(f()) {
  return detail::guarded(&map_postgres_error, operation, std::forward<F>(f));
}

// ---- pipelines (postgresql_transaction.hpp, PgWriteBatch) -------------------------------

PGconn* pg_conn(soci::session& session) {
  return static_cast<soci::postgresql_session_backend*>(session.get_backend())->conn_;
}

// Owns a libpq result.
struct PgResult {
  PGresult* r = nullptr;
  explicit PgResult(PGresult* x) : r(x) {}
  PgResult(PgResult&& other) noexcept : r(other.r) { other.r = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult() { PQclear(r); }
};

[[noreturn]] void connection_lost(SqlConnection& connection, const std::string& what) {
  // Whatever state libpq's pipeline was left in, this connection is not reused.
  connection.broken = true;
  throw soci::postgresql_soci_error(what + ": connection to PostgreSQL lost", "08006");
}

// Sends `calls` as one pipeline (one round trip: libpq pipeline mode, each statement
// prepared on the connection the first time it is used) and returns their results in
// order. Throws postgresql_soci_error for the first call that failed, after reading every
// result, so the connection leaves pipeline mode idle (inside an aborted transaction,
// which the caller rolls back).
std::vector<PgRows> run_pipeline(SqlConnection& connection, const std::vector<PgCall>& calls) {
  PGconn* conn = pg_conn(*connection.session);
  auto& names = connection.pipeline_names;
  if (PQenterPipelineMode(conn) != 1) connection_lost(connection, "pipeline");
  struct Sent {
    const char* prepared_sql;  // for a PQsendPrepare: its text; else null
  };
  std::vector<Sent> sent;
  std::vector<const char*> values;
  for (const PgCall& call : calls) {
    const bool transaction_control =
        std::strcmp(call.sql, "BEGIN") == 0 || std::strcmp(call.sql, "COMMIT") == 0;
    values.clear();
    for (const auto& p : call.params) values.push_back(p ? p->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    int ok = 1;
    if (transaction_control) {
      ok = PQsendQueryParams(conn, call.sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
    } else {
      auto it = names.find(call.sql);
      if (it == names.end()) {
        std::string name = "boka_p" + std::to_string(names.size() + 1);
        if (PQsendPrepare(conn, name.c_str(), call.sql, n, nullptr) != 1)
          connection_lost(connection, "pipeline");
        sent.push_back({call.sql});
        it = names.emplace(call.sql, std::move(name)).first;
      }
      ok = PQsendQueryPrepared(conn, it->second.c_str(), n, values.data(), nullptr, nullptr, 0);
    }
    if (ok != 1) connection_lost(connection, "pipeline");
    sent.push_back({nullptr});
  }
  if (PQpipelineSync(conn) != 1) connection_lost(connection, "pipeline");
  std::vector<PgRows> results;
  std::string failed_state, failed_message;
  for (const Sent& item : sent) {
    PgResult res(PQgetResult(conn));
    if (res.r == nullptr) connection_lost(connection, "pipeline");
    while (PGresult* extra = PQgetResult(conn)) PQclear(extra);  // ends with NULL
    const ExecStatusType st = PQresultStatus(res.r);
    if (failed_state.empty() && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
        st != PGRES_PIPELINE_ABORTED) {
      const char* state = PQresultErrorField(res.r, PG_DIAG_SQLSTATE);
      failed_state = state != nullptr && std::strlen(state) == 5 ? state : "08006";
      failed_message = PQresultErrorMessage(res.r);
    }
    if (item.prepared_sql == nullptr) {
      PgRows rows;
      if (st == PGRES_TUPLES_OK) {
        const int n = PQntuples(res.r);
        const int m = PQnfields(res.r);
        rows.rows.resize(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          auto& row = rows.rows[static_cast<std::size_t>(i)];
          row.reserve(static_cast<std::size_t>(m));
          for (int j = 0; j < m; ++j) {
            if (PQgetisnull(res.r, i, j)) {
              row.emplace_back(std::nullopt);
            } else {
              row.emplace_back(std::string(PQgetvalue(res.r, i, j),
                                           static_cast<std::size_t>(PQgetlength(res.r, i, j))));
            }
          }
        }
      }
      results.push_back(std::move(rows));
    } else if (st != PGRES_COMMAND_OK) {
      // Skipped (an earlier statement failed) or refused: the server does not have it.
      names.erase(item.prepared_sql);
    }
  }
  {
    PgResult sync(PQgetResult(conn));
    if (sync.r == nullptr || PQresultStatus(sync.r) != PGRES_PIPELINE_SYNC) {
      connection_lost(connection, "pipeline");
    }
  }
  if (PQexitPipelineMode(conn) != 1) connection_lost(connection, "pipeline");
  if (!failed_state.empty()) {
    if (failed_state.rfind("26", 0) == 0 || failed_state == "42P05") {
      // A prepared name this connection lost track of: start over with a fresh one.
      connection.broken = true;
    }
    throw soci::postgresql_soci_error(failed_message.empty() ? "error" : failed_message,
                                      failed_state.c_str());
  }
  return results;
}

bool valid_identifier(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(PostgresOptions options) : options_(std::move(options)) {}

  ~PostgresStorage() override = default;

  Status open() {
    BOKA_ASSIGN_OR_RETURN(auto connection, acquire());
    Status st = migrate(*connection.session);
    release(std::move(connection), st);
    return st;
  }

  Status read(const TxnScope& scope, Work work) override {
    for (int attempt = 0;; ++attempt) {
      BOKA_ASSIGN_OR_RETURN(auto connection, acquire());
      soci::session* session = connection.session.get();
      bool began = false;
      Status st = pg_guarded("begin read", [&]() -> Status {
        *session << "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; " + scope_sql(scope);
        began = true;
        return Status::Ok();
      });
      if (st.ok()) {
        auto txn = make_pg_transaction(connection, /*writable=*/false, &map_postgres_error);
        st = run_guarded(work, *txn);
        if (st.ok()) {
          st = pg_guarded("commit read", [&]() -> Status {
            *session << "COMMIT";
            return Status::Ok();
          });
        }
      }
      if (!st.ok()) rollback(*session);
      const bool dead = !connection_ok(*session);
      release(std::move(connection), st);
      // A connection that was dead before anything ran (the server restarted, or an
      // administrator ended it) is retried on a fresh one; nothing was read yet.
      if (!began && dead && attempt + 1 < kMaxAttempts) continue;
      return st;
    }
  }

  Status write(const WriteIntent& intent, Work work) override {
    std::vector<ResourceId> locks = intent.lock_resources;
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    std::string lock_sql;
    if (!locks.empty()) {
      lock_sql = " SELECT id FROM resources WHERE id IN (";
      for (std::size_t i = 0; i < locks.size(); ++i) {
        lock_sql += (i ? "," : "") + std::to_string(locks[i]);
      }
      lock_sql += ") ORDER BY id FOR UPDATE;";
    }
    // The named locks after the resources, in key order (pg_named_lock_keys); keys are
    // integers, safe to inline.
    const std::vector<int> named_locks = pg_named_lock_keys(intent.lock_names);
    for (int key : named_locks) {
      lock_sql += " SELECT pg_advisory_xact_lock(" + std::to_string(kNamedLockClass) + ", " +
                  std::to_string(key) + ");";
    }
    // Seeded once per thread: std::random_device costs more than a round trip to construct.
    thread_local std::mt19937 jitter(std::random_device{}());
    for (int attempt = 0;; ++attempt) {
      BOKA_ASSIGN_OR_RETURN(auto connection, acquire());
      soci::session* session = connection.session.get();
      bool began = false;
      t_last_sqlstate.clear();
      // A reservation write (it names its resources and its audit chain) goes as three
      // pipelined round trips (postgresql_transaction.hpp, PgWriteBatch); other writes statement
      // by statement.
      const bool batched = intent.audit_chain && !intent.scope.is_all() &&
                           *intent.audit_chain == intent.scope.tenant_id() && !locks.empty();
      PgWriteBatch batch;
      batch.run = &run_pipeline;
      Status st = pg_guarded("begin write", [&]() -> Status {
        if (batched) {
          pg_begin_write(connection, intent.scope.tenant_id(), locks, named_locks, batch);
        } else {
          // One round trip: begin, set the tenant for row level security, lock the rows.
          *session << "BEGIN; " + scope_sql(intent.scope) + lock_sql;
        }
        began = true;
        return Status::Ok();
      });
      if (st.ok()) {
        auto txn = make_pg_transaction(connection, /*writable=*/true, &map_postgres_error,
                                       batched ? &batch : nullptr);
        st = run_guarded(work, *txn);
        if (st.ok()) {
          st = pg_guarded("commit", [&]() -> Status {
            if (batched) {
              pg_commit_write(connection, batch);
            } else {
              *session << "COMMIT";
            }
            return Status::Ok();
          });
          if (st.ok() && intent.after_commit) intent.after_commit();
          if (!st.ok() && st.code() == Code::unavailable &&
              (t_last_sqlstate.empty() || t_last_sqlstate.rfind("08", 0) == 0)) {
            // The connection died during COMMIT: PostgreSQL may or may not have committed.
            st = Unavailable(
                "commit: connection to PostgreSQL lost during commit; the outcome is "
                "unknown: read back (or retry with an idempotency key)");
          }
        }
      }
      if (!st.ok()) rollback(*session);
      const bool dead = connection.broken || !connection_ok(*session);
      const bool again =
          (retryable(t_last_sqlstate) || (!began && dead)) && attempt + 1 < kMaxAttempts;
      release(std::move(connection), st);
      if (!again) {
        if (retryable(t_last_sqlstate)) {
          return Unavailable("write: serialization failures or deadlocks persisted after " +
                             std::to_string(kMaxAttempts) + " attempts; retry later");
        }
        return st;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % (5u << attempt)));
    }
  }

  // Writers of one tenant run concurrently here; a chain lock taken in every change would
  // serialize them from the append to the commit's WAL flush.
  bool seals_audit_after_commit() const override { return true; }

  StorageInfo info() const override {
    return StorageInfo{"postgresql", schema_version_, options_.location,
                       postgresql_migrations().back().version};
  }

 private:
  using Session = SqlConnection;

  // The transaction-local tenant setting that row level security reads. The value is an
  // integer or '*', never user text, so it is safe to inline.
  static std::string scope_sql(const TxnScope& scope) {
    return "SELECT set_config('boka.tenant', '" +
           (scope.is_all() ? std::string("*") : std::to_string(scope.tenant_id())) + "', true);";
  }

  // Whether libpq still considers the connection usable. No round trip (SOCI's
  // is_connected() sends a query, twice per transaction here): a connection that broke while
  // idle fails its next BEGIN, and write() and read() retry that on a fresh one.
  static bool connection_ok(soci::session& sql) { return PQstatus(pg_conn(sql)) == CONNECTION_OK; }

  static void rollback(soci::session& sql) {
    try {
      sql << "ROLLBACK";
    } catch (const std::exception&) {
      // The connection is gone or the transaction already ended; either way nothing of it
      // was kept.
    }
  }

  Result<Session> acquire() {
    std::unique_lock lock(mutex_);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.acquire_timeout_ms);
    while (idle_.empty() && open_ >= options_.pool_size) {
      if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= options_.pool_size) {
        return Unavailable("postgresql: all " + std::to_string(options_.pool_size) +
                           " connections stayed busy for " +
                           std::to_string(options_.acquire_timeout_ms) + " ms");
      }
    }
    if (!idle_.empty()) {
      Session s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
    ++open_;
    lock.unlock();
    try {
      SqlConnection c;
      c.session = std::make_unique<soci::session>(soci::postgresql, options_.libpq_uri);
      c.prepared = make_prepared_statements(*c.session);
      return c;
    } catch (const std::exception& e) {
      std::lock_guard relock(mutex_);
      --open_;
      available_.notify_one();
      // libpq's text never holds the password; it may name the user and the database.
      const std::string why = e.what();
      if (why.find("authentication failed") != std::string::npos) {
        return StorageError("postgresql: cannot connect to " + options_.location +
                            ": authentication failed for the URI's user");
      }
      if (why.find("does not exist") != std::string::npos) {
        return StorageError("postgresql: cannot connect to " + options_.location +
                            ": the database or role does not exist");
      }
      return Unavailable("postgresql: cannot connect to " + options_.location +
                         ": server unreachable or refusing connections");
    }
  }

  // Keeps a healthy connection for the next caller; drops a dead one.
  void release(Session session, const Status&) {
    std::lock_guard lock(mutex_);
    if (session.session && !session.broken && connection_ok(*session.session)) {
      idle_.push_back(std::move(session));
    } else {
      --open_;
    }
    available_.notify_one();
  }

  Status migrate(soci::session& sql) {
    const auto& migrations = postgresql_migrations();
    const int latest = migrations.back().version;
    auto current_version = [&]() -> Result<int> {
      return pg_guarded("read schema version", [&]() -> Result<int> {
        int exists = 0;
        sql << "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND "
               "tablename = 'boka_schema'",
            into(exists);
        if (exists == 0) return 0;
        int v = 0;
        soci::indicator ind = soci::i_null;
        sql << "SELECT MAX(version) FROM boka_schema", into(v, ind);
        return ind == soci::i_ok ? v : 0;
      });
    };
    BOKA_ASSIGN_OR_RETURN(int current, current_version());
    if (current > latest) return newer(current, latest);
    if (current == latest) {
      schema_version_ = current;
      return Status::Ok();
    }
    Status st = pg_guarded("migrate schema", [&]() -> Status {
      sql << "BEGIN";
      // One migrator at a time across every host.
      sql << "SELECT pg_advisory_xact_lock(7271827)";
      sql << "CREATE TABLE IF NOT EXISTS boka_schema (version INTEGER NOT NULL, "
             "applied_at BIGINT NOT NULL)";
      int now_version = 0;
      soci::indicator ind = soci::i_null;
      sql << "SELECT MAX(version) FROM boka_schema", into(now_version, ind);
      if (ind != soci::i_ok) now_version = 0;
      if (now_version > latest) {
        sql << "ROLLBACK";
        return newer(now_version, latest);
      }
      for (const Migration& m : migrations) {
        if (m.version <= now_version) continue;
        for (std::string statement : m.statements) {
          const auto at = statement.find("{app_role}");
          if (at != std::string::npos) {
            if (options_.app_role.empty()) continue;
            statement.replace(at, 10, "\"" + options_.app_role + "\"");
          }
          sql << statement;
        }
        long long applied = to_unix(SystemClock().now());
        int v = m.version;
        sql << "INSERT INTO boka_schema (version, applied_at) VALUES (:v, :t)", use(v),
            use(applied);
      }
      sql << "COMMIT";
      return Status::Ok();
    });
    if (!st.ok()) {
      rollback(sql);
      if (st.message().find("permission denied") != std::string::npos) {
        return StorageError("postgresql: the schema at " + options_.location + " is at version " +
                            std::to_string(current) + " and this boka needs " +
                            std::to_string(latest) +
                            ", but the connecting role may not migrate it: open once as the "
                            "schema owner (with ?app_role=<this role>) to migrate");
      }
      return st;
    }
    schema_version_ = latest;
    return Status::Ok();
  }

  Status newer(int current, int latest) const {
    return StorageError("database " + options_.location + " has schema version " +
                        std::to_string(current) + ", newer than this boka (" + version_string() +
                        ") knows (" + std::to_string(latest) + "); open it with a newer boka");
  }

  PostgresOptions options_;
  int schema_version_ = 0;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Session> idle_;
  int open_ = 0;  // connections in use or idle
};

Result<int> parse_option_int(std::string_view value, std::string_view name, int lo, int hi) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size() || out < lo || out > hi) {
    return InvalidArgument("storage URI: option " + std::string(name) + " must be an integer in " +
                           std::to_string(lo) + ".." + std::to_string(hi));
  }
  return out;
}

}  // namespace

Result<PostgresOptions> parse_postgresql_uri(std::string_view uri) {
  PostgresOptions o;
  const auto scheme_end = uri.find("://");
  // Only the URI form: libpq would read other text as keyword=value settings of its own
  // ("sslmode=://..."), which boka's options would then not match (found by
  // tests/fuzz/storage_uri_config.cpp).
  if (scheme_end == std::string_view::npos ||
      (uri.substr(0, scheme_end) != "postgresql" && uri.substr(0, scheme_end) != "postgres")) {
    return InvalidArgument("storage URI: expected postgresql://user:password@host:port/db");
  }
  const auto q = uri.find('?');
  if (q != std::string_view::npos && q < scheme_end) {
    // "postgresql?x=1://...": a '?' before "://" would put the query inside the scheme
    // (found by tests/fuzz/storage_uri_config.cpp, where substr threw out_of_range).
    return InvalidArgument("storage URI: expected postgresql://user:password@host:port/db");
  }
  std::string_view base = uri.substr(0, q);
  std::string_view authority = base.substr(scheme_end + 3);
  const auto slash = authority.find('/');
  if (slash == std::string_view::npos || slash + 1 >= authority.size()) {
    return InvalidArgument("storage URI: postgresql URI needs a database name (.../dbname)");
  }
  std::string_view hostpart = authority.substr(0, slash);
  if (const auto at = hostpart.rfind('@'); at != std::string_view::npos) {
    hostpart = hostpart.substr(at + 1);
  }
  o.location = std::string(hostpart) + "/" + std::string(authority.substr(slash + 1));
  std::string rest;
  std::string_view query = q == std::string_view::npos ? "" : uri.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (key == "pool_size") {
      BOKA_ASSIGN_OR_RETURN(o.pool_size, parse_option_int(value, key, 1, 1000));
    } else if (key == "acquire_timeout_ms") {
      BOKA_ASSIGN_OR_RETURN(o.acquire_timeout_ms, parse_option_int(value, key, 1, 600000));
    } else if (key == "app_role") {
      o.app_role = std::string(value);
      if (!valid_identifier(o.app_role)) {
        return InvalidArgument("storage URI: app_role must be a lower-case SQL identifier");
      }
    } else {
      rest += (rest.empty() ? "?" : "&") + std::string(pair);  // a libpq parameter
    }
  }
  // SOCI would take "postgresql://" for its own backend prefix, so hand libpq the
  // keyword=value form, parsed by libpq itself (percent-decoding included).
  const std::string libpq_uri = std::string(base) + rest;
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(libpq_uri.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return InvalidArgument("storage URI: libpq cannot parse the postgresql URI: " +
                           why.substr(0, why.find('"')));
  }
  for (PQconninfoOption* opt = parsed; opt->keyword != nullptr; ++opt) {
    if (opt->val == nullptr) continue;
    std::string value;
    for (const char* c = opt->val; *c; ++c) {
      if (*c == '\\' || *c == '\'') value += '\\';
      value += *c;
    }
    o.libpq_uri +=
        (o.libpq_uri.empty() ? "" : " ") + std::string(opt->keyword) + "='" + value + "'";
  }
  PQconninfoFree(parsed);
  return o;
}

Result<std::shared_ptr<Storage>> open_postgresql_storage(const PostgresOptions& options) {
  auto storage = std::make_shared<PostgresStorage>(options);
  BOKA_RETURN_IF_ERROR(storage->open());
  return std::shared_ptr<Storage>(std::move(storage));
}

}  // namespace boka::detail
