// boka-admin: the operations guide's admin scripts as subcommands, run on the database host
// as the system principal (whoever can run it can open the database anyway).
//
//   boka-admin [--database URI] <command> [options]
//
// DATABASE_URL (as boka-server) names the database unless --database does. Exit codes:
//   0 done   1 the operation failed or found a problem (verification, audit)
//   2 usage: unknown command or bad option   3 the database cannot be opened
// Output: human-readable lines on stdout; errors on stderr, one line, never a secret except
// what a command exists to show once (a new emergency key).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "boka/boka.hpp"
#include "config.hpp"
#include "json_codec.hpp"

using namespace boka;

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kNoDatabase = 3;

const char* const kUsageText =
    "usage: boka-admin [--database URI] <command> [options]\n"
    "commands:\n"
    "  create-tenant --name N               (prints the new tenant's id)\n"
    "  create-admin --email E (--password-stdin | --password-fd N) [--role admin|superadmin|staff] "
    "[--tenant T]\n"
    "                                      (the password: stdin or file descriptor N, up to EOF, "
    "one\n"
    "                                       trailing newline dropped; never on the command line)\n"
    "  list-admins [--tenant T]            (every tenant without --tenant)\n"
    "  revoke-admin --email E [--tenant T]\n"
    "  generate-emergency-key [--tenant T] [--hours H]   (prints the key once)\n"
    "  check-failed-logins [--tenant T] [--hours H]      (default 24 h)\n"
    "  security-report [--tenant T] [--days D]           (default 7 days)\n"
    "  db-stats\n"
    "  cleanup-sessions\n"
    "  rotate-encryption-key [--batch N]   (re-seals TOTP secrets under ENCRYPTION_KEY, N users\n"
    "                                       per transaction; resumable; old keys from\n"
    "                                       PREVIOUS_ENCRYPTION_KEYS)\n"
    "  force-logout-all [--tenant T]       (every tenant without --tenant)\n"
    "  backup daily|weekly|monthly|manual --dir DIR [--verify] [--keep N]\n"
    "  verify-backup FILE\n"
    "  restore FILE --to PATH [--force]\n"
    "  verify-audit [--tenant T]\n"
    "  health\n"
    "  heartbeat COMPONENT                 (records that COMPONENT ran now: backup after "
    "pg_dump)\n";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --name value, or --flag ""

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
};

int usage(const std::string& problem) {
  std::fprintf(stderr, "boka-admin: %s\n%s", problem.c_str(), kUsageText);
  return kUsage;
}

int fail(const Status& st) {
  std::fprintf(stderr, "boka-admin: %s\n", st.to_string().c_str());
  return kFailed;
}

std::optional<long long> number(const Args& a, const std::string& name, long long lo, long long hi,
                                bool* bad) {
  auto v = a.get(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < lo || n > hi) {
    std::fprintf(stderr, "boka-admin: --%s: must be an integer in %lld..%lld\n", name.c_str(), lo,
                 hi);
    *bad = true;
    return std::nullopt;
  }
  return n;
}

// --tenant, or the only tenant there is.
Result<TenantId> tenant_of(Engine& engine, const Args& a, bool* bad) {
  if (auto t = number(a, "tenant", 1, INT64_MAX, bad)) return TenantId{*t};
  if (*bad) return InvalidArgument("--tenant");
  BOKA_ASSIGN_OR_RETURN(auto all, engine.list_tenants(Principal::system()));
  if (all.size() == 1) return all[0].id;
  return InvalidArgument("--tenant: needed, as there are " + std::to_string(all.size()) +
                         " tenants");
}

std::string when(Instant t) { return format_utc(t); }

// A password read from `fd` up to EOF (a pipe, a here-string, a file), without one trailing
// newline. invalid_argument naming `source` when it is unreadable, empty or too long.
Result<std::string> read_password(int fd, const std::string& source) {
  constexpr std::size_t kMax = 1024;
  std::string out;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return InvalidArgument("cannot read the password from " + source + ": " +
                             std::strerror(errno));
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMax + 2)
      return InvalidArgument("the password from " + source + " is over 1024 bytes");
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty() && out.back() == '\r') out.pop_back();
  if (out.empty()) return InvalidArgument("no password on " + source + " (empty before EOF)");
  if (out.size() > kMax)
    return InvalidArgument("the password from " + source + " is over 1024 bytes");
  return out;
}

int print_admins(const std::vector<User>& admins) {
  std::printf("%-8s %-8s %-32s %-11s %-8s %s\n", "tenant", "user", "email", "role", "state", "mfa");
  for (const User& u : admins) {
    std::printf("%-8lld %-8lld %-32s %-11s %-8s %s\n", static_cast<long long>(u.tenant),
                static_cast<long long>(u.id), u.email.c_str(), role_name(u.role),
                user_state_name(u.state), u.mfa_enabled ? "yes" : "NO");
  }
  std::printf("%zu admins\n", admins.size());
  return kOk;
}

int run(Engine& engine, const Args& a) {
  const Principal& sys = Principal::system();
  bool bad = false;
  const std::string& c = a.command;

  if (c == "create-tenant") {
    auto name = a.get("name");
    if (!name) return usage("create-tenant needs --name");
    Tenant spec;
    spec.name = *name;
    auto t = engine.create_tenant(sys, spec);
    if (!t.ok()) return fail(t.status());
    std::printf("%lld\n", static_cast<long long>(t->id));
    return kOk;
  }
  if (c == "create-admin") {
    auto email = a.get("email");
    if (!email) return usage("create-admin needs --email");
    if (a.has("password-stdin") == a.has("password-fd")) {
      return usage(
          "create-admin needs the password from --password-stdin or --password-fd N (one of them)");
    }
    int fd = 0;
    if (auto n = number(a, "password-fd", 0, 1 << 20, &bad)) fd = static_cast<int>(*n);
    if (bad) return kUsage;
    auto password = read_password(
        fd, a.has("password-stdin") ? "stdin" : "--password-fd " + std::to_string(fd));
    if (!password.ok()) return usage(password.status().message());
    Role role = Role::admin;
    if (auto r = a.get("role")) {
      const auto parsed = parse_role(*r);
      if (!parsed || *parsed == Role::customer) return usage("--role: admin, superadmin or staff");
      role = *parsed;
    }
    auto tenant = tenant_of(engine, a, &bad);
    if (bad) return kUsage;
    if (!tenant.ok()) return fail(tenant.status());
    NewUser u;
    u.email = *email;
    u.role = role;
    u.password = *password;
    auto made = engine.auth().create_user(sys, *tenant, u);
    if (!made.ok()) return fail(made.status());
    std::printf(
        "created %s %s (user %lld in tenant %lld); they must enrol MFA before admin actions\n",
        role_name(made->role), made->email.c_str(), static_cast<long long>(made->id),
        static_cast<long long>(*tenant));
    return kOk;
  }
  if (c == "list-admins") {
    const auto t = number(a, "tenant", 1, INT64_MAX, &bad);
    if (bad) return kUsage;
    auto admins =
        engine.auth().list_admins(sys, t ? std::optional<TenantId>(TenantId{*t}) : std::nullopt);
    if (!admins.ok()) return fail(admins.status());
    return print_admins(*admins);
  }
  if (c == "revoke-admin") {
    auto email = a.get("email");
    if (!email) return usage("revoke-admin needs --email");
    auto tenant = tenant_of(engine, a, &bad);
    if (bad) return kUsage;
    if (!tenant.ok()) return fail(tenant.status());
    auto user = engine.auth().find_user_by_email(sys, *tenant, *email);
    if (!user.ok()) return fail(user.status());
    auto done = engine.auth().revoke_admin(sys, *tenant, user->id);
    if (!done.ok()) return fail(done.status());
    std::printf("%s is now %s; their sessions ended\n", done->email.c_str(), role_name(done->role));
    return kOk;
  }
  if (c == "generate-emergency-key") {
    const auto hours = number(a, "hours", 1, 24, &bad);
    auto tenant = tenant_of(engine, a, &bad);
    if (bad) return kUsage;
    if (!tenant.ok()) return fail(tenant.status());
    std::optional<Seconds> life;
    if (hours) life = Seconds(*hours * 3600);
    auto key = engine.auth().generate_emergency_key(sys, *tenant, life);
    if (!key.ok()) return fail(key.status());
    std::printf("%s\n", key->key.c_str());
    std::fprintf(stderr,
                 "emergency key %lld for tenant %lld, expires %s; every use is recorded. "
                 "Revoke it when done.\n",
                 static_cast<long long>(key->info.id), static_cast<long long>(*tenant),
                 when(*key->info.expires_at).c_str());
    return kOk;
  }
  if (c == "check-failed-logins" || c == "security-report") {
    const bool report = c == "security-report";
    const auto span =
        report ? number(a, "days", 1, 3650, &bad) : number(a, "hours", 1, 24 * 3650, &bad);
    auto tenant = tenant_of(engine, a, &bad);
    if (bad) return kUsage;
    if (!tenant.ok()) return fail(tenant.status());
    const Instant to = SystemClock().now() + Seconds(1);
    const Instant from = to - Seconds(report ? span.value_or(7) * 86400 : span.value_or(24) * 3600);
    auto failed = engine.auth().security_events(sys, *tenant, from, to, "login_failed", 100000);
    if (!failed.ok()) return fail(failed.status());
    std::map<std::string, int> by_email, by_source;
    for (const SecurityEvent& e : *failed) {
      ++by_email[e.email.empty() ? "(none)" : e.email];
      ++by_source[e.source.empty() ? "(unknown)" : e.source];
    }
    std::printf("failed logins in tenant %lld since %s: %zu\n", static_cast<long long>(*tenant),
                when(from).c_str(), failed->size());
    for (const auto& [email, n] : by_email) std::printf("  %-40s %d\n", email.c_str(), n);
    std::printf("by source address:\n");
    for (const auto& [source, n] : by_source) std::printf("  %-40s %d\n", source.c_str(), n);
    if (!report) return kOk;
    auto lockouts = engine.auth().security_events(sys, *tenant, from, to, "lockout", 100000);
    auto locked = engine.auth().locked_accounts(sys, *tenant);
    auto mfa = engine.auth().mfa_stats(sys, *tenant);
    auto admins = engine.auth().list_admins(sys, *tenant);
    auto emergency =
        engine.auth().security_events(sys, *tenant, from, to, "emergency_key_used", 100000);
    auto audit = engine.operations().verify_audit(sys, *tenant);
    if (!lockouts.ok() || !locked.ok() || !mfa.ok() || !admins.ok() || !emergency.ok() ||
        !audit.ok()) {
      return fail(!lockouts.ok()    ? lockouts.status()
                  : !locked.ok()    ? locked.status()
                  : !mfa.ok()       ? mfa.status()
                  : !admins.ok()    ? admins.status()
                  : !emergency.ok() ? emergency.status()
                                    : audit.status());
    }
    std::printf("lockouts: %zu\nlocked accounts now: %zu\n", lockouts->size(), locked->size());
    for (const User& u : *locked) std::printf("  %s\n", u.email.c_str());
    std::printf("MFA: %lld users with, %lld without\n", static_cast<long long>(mfa->with_mfa),
                static_cast<long long>(mfa->without_mfa));
    int without = 0;
    for (const User& u : *admins) without += u.mfa_enabled ? 0 : 1;
    std::printf("admins: %zu (%d without MFA)\n", admins->size(), without);
    std::printf("emergency key uses: %zu\n", emergency->size());
    std::printf("audit chain: %s (%lld records)\n", audit->ok ? "intact" : audit->problem.c_str(),
                static_cast<long long>(audit->records));
    return audit->ok ? kOk : kFailed;
  }
  if (c == "db-stats") {
    auto stats = engine.operations().database_stats(sys);
    if (!stats.ok()) return fail(stats.status());
    std::int64_t rows = 0, bytes = 0;
    std::printf("%-20s %12s %14s\n", "table", "rows", "bytes");
    for (const TableStats& t : *stats) {
      std::printf("%-20s %12lld %14lld\n", t.table.c_str(), static_cast<long long>(t.rows),
                  static_cast<long long>(t.bytes));
      rows += t.rows;
      bytes += t.bytes;
    }
    std::printf("%-20s %12lld %14lld\n", "total", static_cast<long long>(rows),
                static_cast<long long>(bytes));
    return kOk;
  }
  if (c == "cleanup-sessions") {
    std::int64_t total = 0;
    for (;;) {  // in batches, with progress, until nothing is left
      auto n = engine.auth().cleanup_sessions(sys, 10000);
      if (!n.ok()) return fail(n.status());
      total += *n;
      if (*n < 10000) break;
      std::fprintf(stderr, "  %lld deleted so far...\n", static_cast<long long>(total));
    }
    std::printf("deleted %lld expired or revoked sessions\n", static_cast<long long>(total));
    return kOk;
  }
  if (c == "rotate-encryption-key") {
    const auto batch = number(a, "batch", 1, 100000, &bad);
    if (bad) return kUsage;
    std::int64_t total = 0;
    std::string key_id;
    for (;;) {  // batch by batch until nothing is sealed under an old key
      auto r = engine.auth().rotate_encryption_key(sys, static_cast<int>(batch.value_or(1000)));
      if (!r.ok()) {
        std::fprintf(stderr,
                     "boka-admin: stopped after re-sealing %lld users; run it again to go on\n",
                     static_cast<long long>(total));
        return fail(r.status());
      }
      total += r->resealed;
      key_id = r->key_id;
      if (r->remaining == 0) break;
      std::fprintf(stderr, "  %lld re-sealed, %lld to go...\n", static_cast<long long>(total),
                   static_cast<long long>(r->remaining));
    }
    std::printf(
        "re-sealed %lld users' TOTP secrets under key %s; nothing remains under an older "
        "key, so PREVIOUS_ENCRYPTION_KEYS can be emptied\n",
        static_cast<long long>(total), key_id.c_str());
    return kOk;
  }
  if (c == "force-logout-all") {
    const auto t = number(a, "tenant", 1, INT64_MAX, &bad);
    if (bad) return kUsage;
    auto n = engine.auth().force_logout_all(
        sys, t ? std::optional<TenantId>(TenantId{*t}) : std::nullopt);
    if (!n.ok()) return fail(n.status());
    std::printf("ended %lld sessions in %s\n", static_cast<long long>(*n),
                t ? ("tenant " + std::to_string(*t)).c_str() : "every tenant");
    return kOk;
  }
  if (c == "backup") {
    if (a.positional.size() != 1)
      return usage("backup needs its kind: daily, weekly, monthly or manual");
    auto kind = parse_backup_kind(a.positional[0]);
    if (!kind) {
      return usage("backup kind: must be daily, weekly, monthly or manual, got \"" +
                   a.positional[0].substr(0, 32) + "\"");
    }
    auto dir = a.get("dir");
    if (!dir)
      dir = std::getenv("BOKA_BACKUP_DIR")
                ? std::optional<std::string>(std::getenv("BOKA_BACKUP_DIR"))
                : std::nullopt;
    if (!dir || dir->empty()) return usage("backup needs --dir DIR (or BOKA_BACKUP_DIR)");
    const auto keep = number(a, "keep", 1, 100000, &bad);
    if (bad) return kUsage;
    BackupOptions options;
    options.directory = *dir;
    options.kind = *kind;
    options.keep = static_cast<int>(keep.value_or(0));
    options.verify = a.has("verify");
    int last_percent = -1;
    options.progress = [&](std::int64_t done, std::int64_t total) {
      const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
      if (percent / 10 != last_percent / 10) {
        std::fprintf(stderr, "  copied %lld of %lld pages (%d%%)\n", static_cast<long long>(done),
                     static_cast<long long>(total), percent);
        last_percent = percent;
      }
    };
    auto b = engine.operations().backup(sys, options);
    if (!b.ok()) return fail(b.status());
    std::printf("backup %s (%lld bytes, sha256 %s)\n", b->path.c_str(),
                static_cast<long long>(b->manifest.size_bytes), b->manifest.sha256.c_str());
    for (const auto& r : b->removed) std::printf("removed old backup %s\n", r.c_str());
    if (b->verification) {
      if (!b->verification->ok) {
        for (const auto& p : b->verification->problems)
          std::fprintf(stderr, "boka-admin: verification: %s\n", p.c_str());
        return kFailed;
      }
      std::printf("verified: integrity ok, checksum ok, %lld audit records in %lld chains\n",
                  static_cast<long long>(b->verification->audit.records),
                  static_cast<long long>(b->verification->audit.chains));
    }
    return kOk;
  }
  if (c == "verify-audit") {
    const auto t = number(a, "tenant", 1, INT64_MAX, &bad);
    if (bad) return kUsage;
    auto v = engine.operations().verify_audit(sys, t ? std::optional<TenantId>(*t) : std::nullopt);
    if (!v.ok()) return fail(v.status());
    if (!v->ok) {
      std::printf("BROKEN: chain %lld, record %lld: %s\n", static_cast<long long>(v->broken_tenant),
                  static_cast<long long>(v->broken_seq), v->problem.c_str());
      return kFailed;
    }
    std::printf("intact: %lld records in %lld chains\n", static_cast<long long>(v->records),
                static_cast<long long>(v->chains));
    for (const AuditHead& h : v->heads) {
      std::printf("  chain %lld head %lld %s\n", static_cast<long long>(h.tenant),
                  static_cast<long long>(h.seq), h.hash.c_str());
    }
    return kOk;
  }
  if (c == "heartbeat") {
    if (a.positional.size() != 1) return usage("heartbeat needs the component name");
    Status st = engine.operations().record_heartbeat(sys, a.positional[0]);
    if (!st.ok()) return fail(st);
    std::printf("recorded %s\n", a.positional[0].c_str());
    return kOk;
  }
  if (c == "health") {
    auto h = engine.operations().health(sys);
    if (!h.ok()) return fail(h.status());
    std::printf("%s\n", codec::to_json(*h).dump().c_str());
    return h->status == HealthStatus::failing ? kFailed : kOk;
  }
  return usage("unknown command \"" + c + "\"");
}

// Commands that work on files alone, with no database open.
int run_offline(const Args& a) {
  if (a.command == "verify-backup") {
    if (a.positional.size() != 1) return usage("verify-backup needs the backup file");
    auto v = verify_backup(a.positional[0]);
    if (!v.ok()) return fail(v.status());
    if (!v->ok) {
      for (const auto& p : v->problems) std::printf("PROBLEM: %s\n", p.c_str());
      return kFailed;
    }
    std::printf(
        "ok: integrity ok, checksum ok, row counts match, %lld audit records intact, heads match\n",
        static_cast<long long>(v->audit.records));
    return kOk;
  }
  // restore
  if (a.positional.size() != 1 || !a.get("to"))
    return usage("restore needs the backup file and --to PATH");
  RestoreOptions options;
  options.overwrite = a.has("force");
  std::fprintf(stderr, "verifying %s...\n", a.positional[0].c_str());
  Status st = restore_backup(a.positional[0], *a.get("to"), options);
  if (!st.ok()) {
    if (st.code() == Code::already_exists) {
      std::fprintf(stderr, "boka-admin: %s (pass --force)\n", st.message().c_str());
      return kFailed;
    }
    return fail(st);
  }
  std::printf("restored %s to %s\n", a.positional[0].c_str(), a.get("to")->c_str());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::optional<std::string> database;
  static const std::vector<std::string> kFlags = {"verify", "force", "password-stdin"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::printf("%s", kUsageText);
      return kOk;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      std::string value;
      if (const auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(kFlags.begin(), kFlags.end(), name) == kFlags.end()) {
        if (i + 1 >= argc) return usage("--" + name + " needs a value");
        value = argv[++i];
      }
      if (name == "password") {
        // Refused before its value is even read: argv is readable by every user of the host
        // (ps, /proc/PID/cmdline) and lands in shell history.
        return usage(
            "--password is refused: a password on the command line is visible to every "
            "user of the host (ps, /proc) and kept in shell history; pipe it with "
            "--password-stdin or pass an open file descriptor with --password-fd N");
      }
      if (name == "database") {
        database = value;
      } else {
        a.options[name] = value;
      }
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.positional.push_back(arg);
    }
  }
  if (a.command.empty()) return usage("no command given");
  static const std::vector<std::string> kKnown = {"create-tenant",
                                                  "create-admin",
                                                  "list-admins",
                                                  "revoke-admin",
                                                  "generate-emergency-key",
                                                  "check-failed-logins",
                                                  "security-report",
                                                  "db-stats",
                                                  "cleanup-sessions",
                                                  "rotate-encryption-key",
                                                  "force-logout-all",
                                                  "backup",
                                                  "verify-backup",
                                                  "restore",
                                                  "verify-audit",
                                                  "health",
                                                  "heartbeat"};
  if (std::find(kKnown.begin(), kKnown.end(), a.command) == kKnown.end()) {
    return usage("unknown command \"" + a.command + "\"");
  }
  if (a.command == "verify-backup" || a.command == "restore") return run_offline(a);

  auto config = server::config_from_env([](const char* name) { return std::getenv(name); });
  const Status usable = !config.ok() ? config.status()
                        : database   ? Status::Ok()
                                     : server::require_database(*config);
  if (!usable.ok()) {
    std::fprintf(stderr, "boka-admin: configuration: %s%s\n", usable.message().c_str(),
                 config.ok() ? " (or pass --database URI)" : "");
    return kUsage;
  }
  const std::string uri = database.value_or(config->database_url);
  // An admin command never creates a database (a mistyped path is an error, not a new
  // file), except create-tenant, the first step of a new deployment.
  if (uri.rfind("sqlite:", 0) == 0 && a.command != "create-tenant") {
    const std::string path =
        uri.substr(7, uri.find('?') == std::string::npos ? std::string::npos : uri.find('?') - 7);
    if (!std::filesystem::exists(path)) {
      std::fprintf(stderr, "boka-admin: no database at %s (set DATABASE_URL or --database)\n",
                   path.c_str());
      return kNoDatabase;
    }
  }
  EngineOptions options = server::engine_options(*config);
  // An operator's command is not held by the service's read-only switch (a restore drill,
  // cleaning up during an incident).
  options.read_only = false;
  auto engine = Engine::open(uri, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "boka-admin: cannot open %s: %s\n", server::redacted_uri(uri).c_str(),
                 engine.status().message().c_str());
    return kNoDatabase;
  }
  return run(**engine, a);
}
