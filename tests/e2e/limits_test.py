#!/usr/bin/env python3
"""Rate limiting (429 + Retry-After), load shedding (503 + Retry-After) and graceful
shutdown: on SIGTERM the requests in progress finish and the server exits 0."""
import os
import signal
import threading
import time

from harness import Server, admin, check, scratch, wait_for


def setup(work):
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "limits", database=db).stdout)
    admin("create-admin", "--email", "a@limits.test", "--password-stdin", "--role", "staff",
          "--tenant", str(tenant), database=db, input="limits password 1")
    return db, tenant


def rate_limit(work, db):
    server = Server(db, log_dir=work, env={"BOKA_RATE_LIMIT_PER_CLIENT": "5/s",
                                           "BOKA_RATE_BURST_PER_CLIENT": "10"}).start()
    statuses = [server.client.get("/api/health") for _ in range(40)]
    limited = [r for r in statuses if r.status == 429]
    check(limited, "no 429 after 40 requests at a 5/s limit with a burst of 10")
    check(all(r.status in (200, 429) for r in statuses), f"unexpected statuses {[r.status for r in statuses]}")
    check(int(limited[0].headers["Retry-After"]) >= 1, f"Retry-After: {limited[0].headers}")
    check(limited[0].json()["code"] == "rate_limited", f"problem: {limited[0]}")
    time.sleep(2.2)  # the bucket refills
    check(server.client.get("/api/health").status == 200, "allowed again after waiting")
    check(server.stop() == 0, "clean exit")


def login_throttle(work, db, tenant):
    # Without Redis: this server's own budget. Every attempt counts, right or wrong.
    server = Server(db, log_dir=work, env={"BOKA_LOGIN_BURST_PER_ADDRESS": "3",
                                           "BOKA_LOGIN_RATE_PER_ADDRESS": "1/min"}).start()
    attempts = [server.client.post("/api/auth/login", {"tenant": tenant, "email": "a@limits.test",
                                                       "password": "limits password 1"}) for _ in range(4)]
    check([r.status for r in attempts] == [200, 200, 200, 429], f"login throttle: {attempts}")
    refused = attempts[-1]
    check("login attempts from this address" in refused.json()["detail"] and int(refused.headers["Retry-After"]) >= 1,
          f"refusal: {refused} {refused.headers}")
    # Another client (through the trusted proxy header) has its own budget.
    other = server.client.post("/api/auth/login", {"tenant": tenant, "email": "a@limits.test",
                                                   "password": "limits password 1"},
                               headers={"X-Real-IP": "2001:db8:5::1"})
    check(other.status == 200, f"another address: {other}")
    check(server.stop() == 0, "clean exit")


def slow_logins(server, tenant, n, results):
    def one():
        r = server.client.post("/api/auth/login", {"tenant": tenant, "email": "a@limits.test",
                                                   "password": "limits password 1"}, timeout=300)
        results.append(r)
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    return threads


def load_shedding(work, db, tenant):
    # One request in a handler at a time, and logins that take a while (a costly Argon2id).
    server = Server(db, log_dir=work, env={"BOKA_MAX_INFLIGHT": "1", "BOKA_ARGON2_MEMORY_KIB": "262144",
                                           "BOKA_ARGON2_ITERATIONS": "3"}).start()
    results = []
    for t in slow_logins(server, tenant, 8, results):
        t.join()
    shed = [r for r in results if r.status == 503]
    ok = [r for r in results if r.status == 200]
    check(shed and ok, f"statuses {[r.status for r in results]}: wanted some 200 and some 503")
    check(shed[0].headers.get("Retry-After") == "1" and shed[0].json()["code"] == "unavailable", f"shed: {shed[0]}")
    check(all(r.status in (200, 503) for r in results), f"statuses {[r.status for r in results]}")
    check(server.stop() == 0, "clean exit")


def drain(work, db, tenant):
    # The grace period is long enough for two slow logins on a loaded machine (under a
    # sanitizer each can take 15 s); what is checked is that both are answered and the
    # server then exits 0 by itself.
    server = Server(db, log_dir=work, env={"BOKA_ARGON2_MEMORY_KIB": "524288", "BOKA_ARGON2_ITERATIONS": "4",
                                           "BOKA_SHUTDOWN_GRACE_SECONDS": "300"}).start()
    results = []
    threads = slow_logins(server, tenant, 2, results)
    # Wait until both logins are inside the server, then ask it to stop.
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    started = time.time()
    for t in threads:
        t.join()
    code = server.process.wait(300)
    check(code == 0, f"exit code {code} after SIGTERM")
    check([r.status for r in results] == [200, 200], f"in-flight requests answered: {results}")
    check("draining" in server.output(), "the server logged the drain")
    # After the drain nothing listens.
    try:
        server.client.get("/api/health", timeout=2)
        check(False, "still answering after exit")
    except OSError:
        pass
    print(f"drained in {time.time() - started:.2f} s")


def configuration_errors():
    """Each missing or invalid variable: exit 2 and a message naming it, never its value."""
    import subprocess
    from harness import SERVER
    for env, named in [({"PORT": "eighty"}, "PORT"), ({"LISTEN_ADDRESS": "[::1"}, "LISTEN_ADDRESS"),
                       ({"BOKA_MAX_INFLIGHT": "0"}, "BOKA_MAX_INFLIGHT"),
                       ({"BOKA_MAX_HEADERS": "0"}, "BOKA_MAX_HEADERS"),
                       ({"BOKA_MAX_HEADER_BYTES": "16k"}, "BOKA_MAX_HEADER_BYTES"),
                       ({"BOKA_RATE_LIMIT_PER_CLIENT": "fast"}, "BOKA_RATE_LIMIT_PER_CLIENT"),
                       ({"DATABASE_URL": ""}, "DATABASE_URL"),
                       ({"DATABASE_URL": "mysql://u:pw@h/db"}, "storage URI"),
                       ({"ENCRYPTION_KEY": "short-secret-value"}, "encryption_key")]:
        r = subprocess.run([SERVER], env={**os.environ, "DATABASE_URL": "memory:", **env},
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and named in r.stderr, f"{env}: exit {r.returncode}: {r.stderr}")
        check("short-secret-value" not in r.stderr and ":pw@" not in r.stderr, f"a secret echoed: {r.stderr}")


def main():
    configuration_errors()
    work = scratch()
    db, tenant = setup(work)
    rate_limit(work, db)
    login_throttle(work, db, tenant)
    load_shedding(work, db, tenant)
    drain(work, db, tenant)
    print("limits e2e: ok")


if __name__ == "__main__":
    main()
