// PostgreSQL test support: the cluster's URIs, fresh databases, and raw libpq access.
//
// The URIs come from the environment (BOKA_TEST_POSTGRES_ADMIN_URI, _OWNER_URI, _APP_URI:
// point them at your own server) or from the uris.env file that
// scripts/pg-test-cluster.sh writes when CTest starts the throwaway cluster. A missing
// server is a test failure, never a skip.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "boka/storage_spi.hpp"

namespace boka::pgtest {

struct Uris {
  std::string admin, owner, app;
};

inline const Uris& uris() {
  static const Uris u = [] {
    std::map<std::string, std::string> v;
    for (const char* name : {"BOKA_TEST_POSTGRES_ADMIN_URI", "BOKA_TEST_POSTGRES_OWNER_URI",
                             "BOKA_TEST_POSTGRES_APP_URI"}) {
      if (const char* e = std::getenv(name)) v[name] = e;
    }
    if (v.size() < 3) {
      std::ifstream in(BOKA_PG_URIS_FILE);
      for (std::string line; std::getline(in, line);) {
        const auto eq = line.find('=');
        if (eq != std::string::npos && !v.count(line.substr(0, eq))) {
          v[line.substr(0, eq)] = line.substr(eq + 1);
        }
      }
    }
    if (v.size() < 3) {
      throw std::runtime_error(
          "no PostgreSQL server for the tests: run them through ctest (which starts one with "
          "scripts/pg-test-cluster.sh) or set BOKA_TEST_POSTGRES_ADMIN_URI, "
          "BOKA_TEST_POSTGRES_OWNER_URI and BOKA_TEST_POSTGRES_APP_URI");
    }
    return Uris{v["BOKA_TEST_POSTGRES_ADMIN_URI"], v["BOKA_TEST_POSTGRES_OWNER_URI"],
                v["BOKA_TEST_POSTGRES_APP_URI"]};
  }();
  return u;
}

// The same URI with another database name.
inline std::string with_database(const std::string& uri, const std::string& db) {
  const auto slash = uri.find('/', uri.find("://") + 3);
  const auto q = uri.find('?', slash);
  return uri.substr(0, slash + 1) + db + (q == std::string::npos ? "" : uri.substr(q));
}

// A raw libpq connection, for what the store must not be trusted to check itself.
class Conn {
 public:
  explicit Conn(const std::string& uri) : c_(PQconnectdb(uri.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
      std::string m = PQerrorMessage(c_);
      PQfinish(c_);
      throw std::runtime_error("libpq: " + m);
    }
  }
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Rows of text; throws with the SQLSTATE on error.
  std::vector<std::vector<std::string>> query(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      std::string m = std::string(state ? state : "?????") + " " + PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(m);
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.push_back(PQgetvalue(r, i, j));
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }
  std::string scalar(const std::string& sql) { return query(sql).at(0).at(0); }
  // The SQLSTATE the statement fails with, or "" if it succeeds.
  std::string error_of(const std::string& sql) {
    try {
      query(sql);
      return "";
    } catch (const std::exception& e) {
      return std::string(e.what()).substr(0, 5);
    }
  }

 private:
  PGconn* c_;
};

// Allocations over their resource's capacity: at every start of an active (held or
// confirmed) allocation, the active allocations of the same resource covering that instant
// must fit within the capacity. One row (reservation, resource, start, in use, capacity)
// per instant that does not; none when nothing is overbooked.
inline std::vector<std::vector<std::string>> over_capacity(Conn& admin) {
  return admin.query(R"(
      SELECT a.reservation_id, a.resource_id, r1.start_at, SUM(b.quantity), res.capacity
      FROM allocations a
      JOIN reservations r1 ON r1.id = a.reservation_id AND r1.status IN (0, 1)
      JOIN allocations b ON b.resource_id = a.resource_id
      JOIN reservations r2 ON r2.id = b.reservation_id AND r2.status IN (0, 1)
      JOIN resources res ON res.id = a.resource_id
      WHERE r2.start_at <= r1.start_at AND r1.start_at < r2.end_at
      GROUP BY a.reservation_id, a.resource_id, r1.start_at, res.capacity
      HAVING SUM(b.quantity) > res.capacity)");
}

struct Database {
  std::string name;
  std::string owner_uri;  // migrates
  std::string app_uri;    // what boka runs as
};

// A new, empty database owned by boka_owner and migrated, with run-time rights for
// boka_app. Dropped at process exit? No: the whole throwaway cluster is removed instead.
inline Database fresh_database() {
  static std::atomic<int> counter{0};
  Database d;
  d.name = "boka_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  Conn admin(uris().admin);
  admin.query("CREATE DATABASE " + d.name + " OWNER boka_owner");
  d.owner_uri = with_database(uris().owner, d.name);
  d.app_uri = with_database(uris().app, d.name);
  auto migrated = open_storage(d.owner_uri + "?app_role=boka_app");
  if (!migrated.ok()) throw std::runtime_error(migrated.status().to_string());
  return d;
}

}  // namespace boka::pgtest
