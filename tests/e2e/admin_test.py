#!/usr/bin/env python3
"""boka-admin against a live database (boka-server running on it): every subcommand, with
the exit codes and output a script relies on, backup --verify, verify-backup and restore."""
import glob
import os
import subprocess
import time

from harness import ADMIN, DEPLOYMENT, SERVER, WORKER, Server, admin, check, rfc3339, scratch, totp, wait_for


def programs_answer_help_and_refuse_missing_configuration():
    """Every program answers --help (exit 0) and, without DATABASE_URL, refuses to start with
    exit 2 naming it, creating no database file in its working directory."""
    empty = scratch()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    for program in (SERVER, WORKER, ADMIN):
        name = os.path.basename(program)
        r = subprocess.run([program, "--help"], env=env, cwd=empty, capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and r.stdout.startswith("usage: " + name), f"{name} --help: {r}")
        args = [program, "db-stats"] if program == ADMIN else [program]
        r = subprocess.run(args, env=env, cwd=empty, capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "DATABASE_URL" in r.stderr, f"{name} without DATABASE_URL: {r}")
        check(os.listdir(empty) == [], f"{name} without DATABASE_URL left files: {os.listdir(empty)}")
    for program in (SERVER, WORKER):
        r = subprocess.run([program, "--frobnicate"], env=env, cwd=empty, capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "unknown argument" in r.stderr, f"{program} with a bad argument: {r}")


def rotates_the_encryption_key():
    """An admin enrols MFA under one ENCRYPTION_KEY; rotate-encryption-key re-seals the secret
    under a new key (with the old one in PREVIOUS_ENCRYPTION_KEYS); afterwards the server runs
    with the new key alone and the admin still logs in with a code from oathtool."""
    work = scratch()
    db = "sqlite:" + os.path.join(work, "rotate.db")
    old_key, new_key = "a" * 64, "b" * 64  # hex
    tenant = int(admin("create-tenant", "--name", "rot", database=db).stdout)
    admin("create-admin", "--email", "rot@ops.test", "--password-stdin", "--tenant", str(tenant),
          database=db, input="rotation admin password")
    server = Server(db, log_dir=work, env={"ENCRYPTION_KEY": old_key}).start()
    login = {"tenant": tenant, "email": "rot@ops.test", "password": "rotation admin password"}
    session = server.client.with_token(server.client.post("/api/auth/login", login).json()["token"])
    secret = session.post("/api/auth/mfa/enroll").json()["secret"]
    check(session.post("/api/auth/mfa/confirm", {"code": totp(secret)}).status == 200, "MFA enrolled")
    check(server.stop() == 0, "server stopped")

    def rotate(env, rc):
        r = subprocess.run([ADMIN, "rotate-encryption-key", "--batch", "1"], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "DATABASE_URL": db, **env})
        check(r.returncode == rc, f"rotate-encryption-key: exit {r.returncode}, wanted {rc}: {r}")
        for key in (old_key, new_key):
            check(key not in r.stdout + r.stderr, "a key was echoed")
        return r

    # The new key alone cannot read what the old one sealed: refused, naming the missing key id.
    r = rotate({"ENCRYPTION_KEY": new_key, "ENCRYPTION_KEY_ID": "k2"}, 1)
    check("k1" in r.stderr, f"the missing key is named: {r.stderr}")
    check(rotate({"ENCRYPTION_KEY": new_key, "ENCRYPTION_KEY_ID": "k2", "PREVIOUS_ENCRYPTION_KEYS": "k1"}, 2)
          .stderr.find("PREVIOUS_ENCRYPTION_KEYS") >= 0, "a malformed PREVIOUS_ENCRYPTION_KEYS is exit 2")
    with_old = {"ENCRYPTION_KEY": new_key, "ENCRYPTION_KEY_ID": "k2", "PREVIOUS_ENCRYPTION_KEYS": "k1:" + old_key}
    r = rotate(with_old, 0)
    check("re-sealed 1 users" in r.stdout and "key k2" in r.stdout, f"rotation: {r.stdout}")
    check("re-sealed 0 users" in rotate(with_old, 0).stdout, "a second run finds nothing left")

    server = Server(db, log_dir=work, env={"ENCRYPTION_KEY": new_key, "ENCRYPTION_KEY_ID": "k2"}).start()
    # The enrolment used this 30-second step's code; the next step's is accepted (one step of
    # drift either way) and proves the secret is readable under the new key.
    next_code = subprocess.run(["oathtool", "--totp", "-b", "-N", "+30 seconds", secret], capture_output=True,
                               text=True, check=True).stdout.strip()
    r = server.client.post("/api/auth/login", {**login, "mfa_code": next_code})
    check(r.status == 200 and not r.json()["mfa_pending"], f"login with the re-sealed secret: {r}")
    check(server.stop() == 0, "server stopped")


def main():
    programs_answer_help_and_refuse_missing_configuration()
    rotates_the_encryption_key()
    work = scratch()
    path = os.path.join(work, "boka.db")
    db = "sqlite:" + path
    check(admin("db-stats", database=db, check_rc=3).stderr.startswith("boka-admin: no database"),
          "a missing database is exit 3, and not created")
    check(not os.path.exists(path), "db-stats created a database")
    check(admin("frobnicate", database=db, check_rc=2).stderr.find("unknown command") >= 0, "usage error is exit 2")
    tenant = int(admin("create-tenant", "--name", "ops", database=db).stdout)
    admin("create-admin", "--email", "root@ops.test", "--password-stdin", "--role", "superadmin",
          "--tenant", str(tenant), database=db, input="ops root password")
    # The password through a file descriptor, with a trailing newline (dropped): the logins
    # below use it.
    read_end, write_end = os.pipe()
    os.write(write_end, b"ops second password\n")
    os.close(write_end)
    r = subprocess.run([ADMIN, "create-admin", "--email", "second@ops.test", "--password-fd", str(read_end)],
                       env={**os.environ, "DATABASE_URL": db}, pass_fds=(read_end,), capture_output=True,
                       text=True, timeout=120)  # the only tenant is the default
    os.close(read_end)
    check(r.returncode == 0 and "created admin second@ops.test" in r.stdout, f"--password-fd: {r}")
    # A password on the command line is refused before anything is done, and not echoed.
    r = admin("create-admin", "--email", "third@ops.test", "--password", "visible in ps", database=db, check_rc=2)
    check("--password is refused" in r.stderr and "--password-stdin" in r.stderr and "visible in ps" not in r.stderr,
          f"--password refused: {r.stderr}")
    r = admin("create-admin", "--email", "third@ops.test", "--password-stdin", database=db, check_rc=2, input="")
    check("no password on stdin" in r.stderr, f"an empty stdin: {r.stderr}")
    server = Server(db, log_dir=work).start()
    c = server.client

    out = admin("list-admins", database=db).stdout
    check("root@ops.test" in out and "second@ops.test" in out and "2 admins" in out, out)
    # Failed logins show up in the reports.
    for _ in range(3):
        check(c.post("/api/auth/login", {"tenant": tenant, "email": "second@ops.test", "password": "wrong password!"}).status == 401,
              "a wrong password is refused")
    out = admin("check-failed-logins", "--tenant", str(tenant), database=db).stdout
    check("failed logins in tenant" in out and ": 3" in out and "second@ops.test" in out, out)
    out = admin("security-report", database=db).stdout
    check("lockouts: 0" in out and "audit chain: intact" in out and "admins: 2 (2 without MFA)" in out, out)

    # A session, then force-logout-all ends it.
    token = c.post("/api/auth/login", {"tenant": tenant, "email": "second@ops.test",
                                       "password": "ops second password"}).json()["token"]
    me = c.with_token(token)
    check(me.get("/api/auth/sessions").status == 200, "the session works")
    out = admin("force-logout-all", "--tenant", str(tenant), database=db).stdout
    check("ended 1 sessions" in out, out)
    # The CLI is another engine: the server sees the end within its credential cache time
    # (BOKA_CREDENTIAL_CACHE_SECONDS, 2 s by default), and must not take longer.
    ended = time.monotonic()
    wait_for(lambda: me.get("/api/auth/sessions").status == 401, "the session ended", timeout=10)
    check(time.monotonic() - ended < 3.5, f"the session ended after {time.monotonic() - ended:.1f} s")
    out = admin("cleanup-sessions", database=db).stdout
    check("deleted 1 expired or revoked sessions" in out, out)

    # revoke-admin demotes.
    out = admin("revoke-admin", "--email", "second@ops.test", database=db).stdout
    check("is now staff" in out, out)
    check("1 admins" in admin("list-admins", database=db).stdout, "one admin left")
    check(admin("revoke-admin", "--email", "nobody@ops.test", database=db, check_rc=1).stderr.startswith("boka-admin: not_found"),
          "an unknown email is exit 1")

    # The emergency key works through the API (system-wide powers, recorded on every use).
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    check(key.startswith("boka_"), f"key: {key[:8]}")
    k = c.with_token(key)
    r = k.post(f"/api/tenants/{tenant}/resources", {"name": "Room", "zone": "UTC", "capacity": 2})
    check(r.status == 201, f"the emergency key creates a resource: {r}")
    out = admin("security-report", database=db).stdout
    check("emergency key uses: 1" in out, out)

    out = admin("db-stats", database=db).stdout
    check("resources" in out and "audit_log" in out and "total" in out, out)

    # Backups: verified, then verify-backup and restore, with the refusal to overwrite.
    backups = os.path.join(work, "backups")
    r = admin("backup", "daily", "--dir", backups, "--verify", database=db)
    check("verified: integrity ok" in r.stdout and "copied" in r.stderr, r.stdout + r.stderr)
    files = glob.glob(os.path.join(backups, "daily", "boka-daily-*.db"))
    check(len(files) == 1 and os.path.exists(files[0] + ".manifest.json"), f"backup files: {files}")
    check("ok: integrity ok" in admin("verify-backup", files[0]).stdout, "verify-backup")
    check(admin("restore", files[0], "--to", path, check_rc=1).stderr.find("--force") >= 0,
          "restoring over the live database needs --force")
    restored = os.path.join(work, "restored.db")
    check("restored" in admin("restore", files[0], "--to", restored).stdout, "restore")
    out = admin("verify-audit", database="sqlite:" + restored).stdout
    check(out.startswith("intact:"), out)
    check("Room" in Server("sqlite:" + restored, log_dir=work).start().client.with_token(key)
          .get(f"/api/tenants/{tenant}/resources").body, "the restored copy has the resource")
    # A damaged backup: verify-backup exits 1.
    with open(files[0], "r+b") as f:
        f.seek(4096)
        f.write(b"\x00" * 64)
    out = admin("verify-backup", files[0], check_rc=1).stdout
    check("PROBLEM: checksum" in out, out)

    out = admin("verify-audit", database=db).stdout
    check(out.startswith("intact:"), out)
    check(admin("heartbeat", "worker", database=db).stdout.startswith("recorded"), "heartbeat")
    out = admin("health", database=db).stdout
    check('"status"' in out and "heartbeat" in out, out)
    # The worker: one round expires lapsed holds, takes the due backups (verified) and
    # reports its heartbeat, which the server's detailed health then shows.
    r = k.post(f"/api/tenants/{tenant}/reservations", {"allocations": [{"resource": 1}], "start": rfc3339(1893488400),
                                                       "end": rfc3339(1893492000), "hold_for": 1})
    check(r.status == 201 and r.json()["status"] == "held", f"a one-second hold: {r}")
    time.sleep(1.5)
    worker_backups = os.path.join(work, "worker-backups")
    w = subprocess.run([WORKER], env={**os.environ, "DATABASE_URL": db, "BOKA_WORKER_ONCE": "1",
                                      "BOKA_BACKUP_DIR": worker_backups},
                       capture_output=True, text=True, timeout=120)
    check(w.returncode == 0 and "expired 1 lapsed holds" in w.stderr, w.stderr)
    for kind in ("daily", "weekly", "monthly"):
        check(f"{kind} backup" in w.stderr and "verified" in w.stderr and
              glob.glob(os.path.join(worker_backups, kind, "*.db")), f"worker {kind} backup: {w.stderr}")
    check(k.get(f"/api/tenants/{tenant}/reservations/{r.json()['id']}").json()["status"] == "expired", "the hold expired")
    health = c.get("/api/health?detailed").json()
    beat = [x for x in health["checks"] if x["name"] == "heartbeat:worker"]
    check(beat and beat[0]["status"] == "ok", f"worker heartbeat in health: {health}")
    # The deployment's scripts against this server and database.
    scripts = os.path.join(DEPLOYMENT, "scripts")
    env = {**os.environ, "BOKA_URL": f"http://127.0.0.1:{server.port}", "DATABASE_URL": db,
           "BOKA_ADMIN": ADMIN, "BACKUP_DIR": os.path.join(work, "script-backups")}
    h = subprocess.run([os.path.join(scripts, "health-check.sh")], env=env, capture_output=True, text=True)
    check(h.returncode in (0, 1) and h.stdout.strip() in ("ok", "degraded"), f"health-check.sh: {h}")
    h = subprocess.run([os.path.join(scripts, "health-check.sh"), "--detailed"], env=env, capture_output=True, text=True)
    check("storage" in h.stdout and "heartbeat:worker" in h.stdout, f"health-check.sh --detailed: {h.stdout}")
    b = subprocess.run([os.path.join(scripts, "backup.sh"), "daily", "--verify"], env=env, capture_output=True, text=True)
    check(b.returncode == 0 and "verified: integrity ok" in b.stdout, f"backup.sh: {b.stdout}{b.stderr}")
    check(glob.glob(os.path.join(work, "script-backups", "daily", "boka-daily-*.db")), "backup.sh wrote a backup")
    down = subprocess.run([os.path.join(scripts, "health-check.sh")], capture_output=True, text=True,
                          env={**env, "BOKA_URL": "http://127.0.0.1:1"})
    check(down.returncode == 2 and "unreachable" in down.stdout, f"health-check.sh on a dead server: {down}")
    rc = server.stop()
    check(rc == 0, f"clean exit: {rc}\n{server.output()[-3000:]}")
    print("admin e2e: ok")


if __name__ == "__main__":
    main()
