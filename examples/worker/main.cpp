// boka-worker: the background worker of the deployment. Every BOKA_WORKER_INTERVAL_SECONDS
// it expires lapsed holds, reports its heartbeat (health() shows its age), and every ten
// minutes deletes dead sessions and prunes events older than BOKA_EVENT_RETENTION_DAYS.
// Each round also delivers webhooks (docs/webhooks.md) and, with BOKA_SMTP_URL set, sends
// customer mail (docs/mail.md). With BOKA_BACKUP_DIR set (SQLite only) it
// takes the daily, weekly and monthly backups when the newest of each kind is older than a day, a
// week or 30 days, verified, with the default retention. SIGTERM/SIGINT: finish the round, exit 0.
//
// Configuration: DATABASE_URL and ENCRYPTION_KEY as boka-server (config.hpp), plus
// BOKA_WORKER_INTERVAL_SECONDS (default 10), BOKA_BACKUP_DIR, BOKA_WORKER_ONCE=1 (one round,
// then exit: for cron and tests).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "boka/boka.hpp"
#include "config.hpp"

using namespace boka;
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

void log(const std::string& what) {
  std::fprintf(stderr, "boka-worker: %s\n", what.c_str());
  std::fflush(stderr);
}

// Age of the newest backup of `kind` in `dir`; nullopt if there is none.
std::optional<std::chrono::seconds> newest_age(const std::string& dir, BackupKind kind) {
  auto backups = list_backups(dir, kind);
  if (!backups.ok() || backups->empty()) return std::nullopt;
  std::error_code ec;
  const auto t = fs::last_write_time(backups->back(), ec);
  if (ec) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(fs::file_time_type::clock::now() - t);
}

void round(Engine& engine, const std::string& backup_dir, bool cleanup, bool mail) {
  const Principal& sys = Principal::system();
  if (auto n = engine.expire_holds(sys); !n.ok()) {
    log("expire holds: " + n.status().to_string());
  } else if (*n > 0) {
    log("expired " + std::to_string(*n) + " lapsed holds");
  }
  // Webhooks: schedule new events, then attempt what is due (blocks for the HTTP calls).
  if (auto r = engine.webhooks().deliver(sys, 200); !r.ok()) {
    log("webhooks: " + r.status().to_string());
  } else if (r->attempted > 0 || r->disabled > 0) {
    log("webhooks: " + std::to_string(r->delivered) + " delivered, " + std::to_string(r->failed) +
        " to retry, " + std::to_string(r->dead) + " dead" +
        (r->disabled > 0 ? ", " + std::to_string(r->disabled) + " endpoints disabled" : ""));
  }
  // Customer mail: write the messages of new events and due reminders, then submit what is
  // due (blocks for the SMTP sessions). Only when an SMTP server is configured.
  if (mail) {
    if (auto r = engine.mail().send(sys, 200); !r.ok()) {
      log("mail: " + r.status().to_string());
    } else if (r->attempted > 0 || r->skipped > 0 || r->failed_tenants > 0) {
      log("mail: " + std::to_string(r->sent) + " sent, " + std::to_string(r->failed) +
          " to retry, " + std::to_string(r->dead) + " dead, " + std::to_string(r->skipped) +
          " skipped" + (r->server_refused ? "; the SMTP server refused the configuration" : "") +
          (r->failed_tenants > 0 ? "; " + std::to_string(r->failed_tenants) +
                                       " tenants failed, last: " + r->last_error
                                 : ""));
    }
  }
  if (auto n = engine.waitlist().sweep(sys); !n.ok()) {
    log("waitlist sweep: " + n.status().to_string());
  } else if (*n > 0) {
    log("swept " + std::to_string(*n) + " waitlist entries (expired or lapsed)");
  }
  if (cleanup) {
    if (auto n = engine.auth().cleanup_sessions(sys); !n.ok()) {
      log("cleanup sessions: " + n.status().to_string());
    } else if (*n > 0) {
      log("deleted " + std::to_string(*n) + " dead sessions");
    }
    // Events older than BOKA_EVENT_RETENTION_DAYS, a batch per cleanup round.
    if (auto n = engine.events().prune(sys, 50000); !n.ok()) {
      log("prune events: " + n.status().to_string());
    } else if (*n > 0) {
      log("pruned " + std::to_string(*n) + " events past their retention");
    }
  }
  if (!backup_dir.empty()) {
    struct Due {
      BackupKind kind;
      std::chrono::seconds every;
    };
    for (Due d : {Due{BackupKind::daily, std::chrono::hours(24)},
                  Due{BackupKind::weekly, std::chrono::hours(24 * 7)},
                  Due{BackupKind::monthly, std::chrono::hours(24 * 30)}}) {
      const auto age = newest_age(backup_dir, d.kind);
      if (age && *age < d.every) continue;
      BackupOptions options;
      options.directory = backup_dir;
      options.kind = d.kind;
      options.verify = true;
      auto b = engine.operations().backup(sys, options);
      if (!b.ok()) {
        log(std::string(backup_kind_name(d.kind)) + " backup failed: " + b.status().to_string());
      } else if (!b->verification || !b->verification->ok) {
        log(std::string(backup_kind_name(d.kind)) + " backup " + b->path + " FAILED verification");
      } else {
        log(std::string(backup_kind_name(d.kind)) + " backup " + b->path + " verified");
      }
    }
  }
  if (Status st = engine.operations().record_heartbeat(sys, "worker"); !st.ok()) {
    log("heartbeat: " + st.to_string());
  }
}

}  // namespace

const char* const kUsage =
    "usage: boka-worker [--help]\n"
    "The deployment's background worker. Configured by environment variables:\n"
    "  DATABASE_URL                   required: sqlite:/path/boka.db or postgresql://...\n"
    "  ENCRYPTION_KEY                 as boka-server\n"
    "  BOKA_WORKER_INTERVAL_SECONDS   seconds between rounds (default 10)\n"
    "  BOKA_BACKUP_DIR                SQLite: take daily, weekly and monthly backups there\n"
    "  BOKA_WORKER_ONCE=1             one round, then exit (cron, tests)\n"
    "Exit codes: 0 stopped by SIGTERM/SIGINT (or one round done), 1 failed, 2 configuration or "
    "usage error.\n";

int main(int argc, char** argv) {
  if (auto done = server::environment_only_arguments(argc, argv, "boka-worker", kUsage))
    return *done;
  auto config = server::config_from_env([](const char* name) { return std::getenv(name); });
  const Status usable = config.ok() ? server::require_database(*config) : config.status();
  if (!usable.ok()) {
    std::fprintf(stderr, "boka-worker: configuration: %s\n", usable.message().c_str());
    return 2;
  }
  long interval = 10;
  if (const char* v = std::getenv("BOKA_WORKER_INTERVAL_SECONDS")) {
    char* end = nullptr;
    interval = std::strtol(v, &end, 10);
    if (end == v || *end != '\0' || interval < 1 || interval > 86400) {
      std::fprintf(stderr,
                   "boka-worker: configuration: BOKA_WORKER_INTERVAL_SECONDS: must be 1..86400\n");
      return 2;
    }
  }
  std::string backup_dir = std::getenv("BOKA_BACKUP_DIR") ? std::getenv("BOKA_BACKUP_DIR") : "";
  const bool once =
      std::getenv("BOKA_WORKER_ONCE") && std::string(std::getenv("BOKA_WORKER_ONCE")) == "1";
  auto engine = Engine::open(config->database_url, server::engine_options(*config));
  if (!engine.ok()) {
    std::fprintf(stderr, "boka-worker: cannot open %s: %s\n",
                 server::redacted_uri(config->database_url).c_str(),
                 engine.status().message().c_str());
    return 1;
  }
  if (!backup_dir.empty() && (*engine)->operations().storage_info().dialect != "sqlite") {
    log("BOKA_BACKUP_DIR ignored: boka backs up SQLite only; use backup.sh (pg_dump) for " +
        (*engine)->operations().storage_info().dialect);
    backup_dir.clear();
  }
  if (config->read_only) log("read-only (BOKA_READ_ONLY): holds, sessions and backups wait");
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  log("started (every " + std::to_string(interval) + " s" +
      (backup_dir.empty() ? std::string() : ", backups in " + backup_dir) + ")");
  auto last_cleanup = std::chrono::steady_clock::now() - std::chrono::hours(1);
  while (!g_stop) {
    const bool cleanup =
        std::chrono::steady_clock::now() - last_cleanup >= std::chrono::minutes(10);
    if (cleanup) last_cleanup = std::chrono::steady_clock::now();
    if (!config->read_only) round(**engine, backup_dir, cleanup, !config->smtp_url.empty());
    if (once) break;
    for (long i = 0; i < interval * 10 && !g_stop; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  log("stopped");
  return 0;
}
