#!/usr/bin/env python3
"""Rate limits shared through Redis (BOKA_REDIS_URL): two boka-server processes pointed at
one redis-server (Debian's, started here on a free loopback port, in a scratch directory,
persisting nothing) grant one budget between them; with Redis stopped they keep serving under
their own local limits, report `degraded` and count the fallbacks; with Redis back they share
again. Clients are told apart by X-Real-IP (the servers trust 127.0.0.1 as a proxy), so each
phase has a fresh client address of its own; no traffic leaves the loopback interface."""
import os
import subprocess

from harness import SERVER, Client, Server, _processes, admin, check, free_port, scratch, wait_for

BURST = 10             # the per-client budget
RATE = "0.01"          # per second: no token comes back within the test
LOGIN_BURST = 3        # the per-account login budget
REDIS_PASSWORD = "e2e-redis-secret-7f3a"


class Redis:
    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.process = None

    def start(self):
        # The password goes in as configuration on stdin, as the compose file does it.
        self.process = subprocess.Popen(
            ["redis-server", "-", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.work, "--logfile", os.path.join(self.work, "redis.log")],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _processes.append(self.process)
        self.process.stdin.write(f'requirepass "{REDIS_PASSWORD}"\n'.encode())
        self.process.stdin.close()
        wait_for(lambda: self.cli("PING") == "PONG", f"redis-server on {self.port}")
        return self

    def stop(self):
        self.process.terminate()
        self.process.wait(30)

    def cli(self, *args, db=3):
        r = subprocess.run(["redis-cli", "-p", str(self.port), "-n", str(db), *args], capture_output=True,
                           text=True, timeout=30, env={**os.environ, "REDISCLI_AUTH": REDIS_PASSWORD})
        return r.stdout.strip()


def as_client(server, address):
    """Requests to `server` on behalf of client `address` (through the trusted-proxy header)."""
    def get(path, **kw):
        return server.client.get(path, headers={"X-Real-IP": address, **kw.pop("headers", {})}, **kw)

    def post(path, body, **kw):
        return server.client.post(path, body, headers={"X-Real-IP": address}, **kw)
    return get, post


def spread(servers, address, n):
    """n requests by one client, alternating between the servers: the statuses."""
    statuses = []
    for i in range(n):
        get, _ = as_client(servers[i % len(servers)], address)
        statuses.append(get("/api/health").status)
    return statuses


_probe = [0]


def probe_address():
    """A client address used once, so polling health and metrics takes nobody's budget."""
    _probe[0] += 1
    return f"198.51.100.{_probe[0] % 250 + 1}" if _probe[0] < 250 else f"2001:db8:{_probe[0]}::1"


def redis_check(server, key):
    r = server.client.get("/api/health?detailed", headers={"X-Real-IP": probe_address(),
                                                            "Authorization": "Bearer " + key})
    check(r.status == 200, f"detailed health: {r}")
    report = r.json()
    found = [c for c in report["checks"] if c["name"] == "redis"]
    check(len(found) == 1, f"no redis check in {report}")
    return report["status"], found[0]


def fallbacks(server):
    text = server.client.get("/api/metrics", headers={"X-Real-IP": probe_address()}).body
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("rate_limit_fallbacks_total{"))


def bad_url_refused(work):
    r = subprocess.run([SERVER], env={**os.environ, "DATABASE_URL": "sqlite:" + os.path.join(work, "x.db"),
                                      "BOKA_REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:notaport/0"},
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "BOKA_REDIS_URL" in r.stderr and "port" in r.stderr, f"a malformed URL: {r}")
    check(REDIS_PASSWORD not in r.stderr + r.stdout, "the password was echoed")
    check(not os.path.exists(os.path.join(work, "x.db")), "the server opened its database before refusing")


def main():
    work = scratch()
    bad_url_refused(work)
    redis = Redis(work).start()
    servers, keys = [], []
    for i in range(2):
        # Each server has its own database: only Redis joins them.
        db = "sqlite:" + os.path.join(work, f"boka-{i}.db")
        admin("create-tenant", "--name", f"shared-{i}", database=db)
        keys.append(admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip())
        # A fresh heartbeat and backup: the health report is ok but for Redis.
        admin("heartbeat", "worker", database=db)
        admin("backup", "daily", "--dir", os.path.join(work, f"backups-{i}"), database=db)
        servers.append(Server(db, log_dir=work, env={
            "BOKA_REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{redis.port}/3",
            # Generous, so a loaded machine (sanitizers, parallel tests) never turns a slow
            # answer into a fallback; a stopped Redis refuses connections at once anyway.
            "BOKA_REDIS_TIMEOUT_MS": "2000",
            "BOKA_RATE_LIMIT_PER_CLIENT": RATE, "BOKA_RATE_BURST_PER_CLIENT": str(BURST),
            "BOKA_LOGIN_RATE_PER_ACCOUNT": RATE, "BOKA_LOGIN_BURST_PER_ACCOUNT": str(LOGIN_BURST),
        }).start())
    a, b = servers

    # 1. Shared: 2N requests by one client across both servers, N accepted in all (each
    # server alone would accept N of its own).
    for s, key in zip(servers, keys):
        status, redis_line = redis_check(s, key)
        check(status == "ok" and redis_line["status"] == "ok", f"health with Redis up: {status}, {redis_line}")
        check(REDIS_PASSWORD not in redis_line["detail"] and ":***@" in redis_line["detail"], redis_line)
    statuses = spread(servers, "192.0.2.10", 2 * BURST)
    check(statuses.count(200) == BURST and statuses.count(429) == BURST,
          f"shared budget of {BURST}: {statuses}")
    check(statuses[:BURST] == [200] * BURST, f"the budget is spent first, then refused: {statuses}")
    limited = as_client(b, "192.0.2.10")[0]("/api/health")
    check(limited.status == 429 and int(limited.headers["Retry-After"]) >= 1, f"Retry-After: {limited}")
    # The login throttle is shared too: attempts on one account through either server.
    logins = [as_client(servers[i % 2], f"192.0.2.{20 + i}")[1](
        "/api/auth/login", {"tenant": 1, "email": "Someone@Shared.test", "password": "wrong password 1"})
        for i in range(2 * LOGIN_BURST)]
    check([r.status for r in logins] == [401] * LOGIN_BURST + [429] * LOGIN_BURST,
          f"shared login budget of {LOGIN_BURST}: {[r.status for r in logins]}")
    check("login attempts for this account" in logins[-1].json()["detail"], logins[-1])
    # Keys: prefixed, hashed (no address or email in clear), each with a TTL.
    stored = redis.cli("--scan", "--pattern", "*").split()
    check(stored and all(k.startswith("boka:rl:") for k in stored), f"keys: {stored}")
    check(not any("192.0.2" in k or "shared.test" in k.lower() for k in stored), f"clear keys: {stored}")
    # PTTL is -1 for a key without a TTL; -2 for one that expired since the scan (a slow run).
    ttls = {k: int(redis.cli("PTTL", k)) for k in stored}
    check(all(t != -1 for t in ttls.values()), f"a key without a TTL: {ttls}")
    # Redis forgets its scripts (restart, SCRIPT FLUSH): EVAL reloads it, still shared.
    redis.cli("SCRIPT", "FLUSH")
    before = fallbacks(a) + fallbacks(b)
    statuses = spread(servers, "192.0.2.11", 2 * BURST)
    check(statuses.count(200) == BURST, f"shared after SCRIPT FLUSH: {statuses}")
    check(fallbacks(a) + fallbacks(b) == before == 0, "fallbacks counted while Redis answered")

    # 2. Redis stopped: served under each server's own limit, degraded, fallbacks counted.
    redis.stop()
    statuses = spread(servers, "192.0.2.12", 2 * BURST)
    check(statuses == [200] * (2 * BURST), f"each server's own budget of {BURST} without Redis: {statuses}")
    check(spread(servers, "192.0.2.12", 2) == [429, 429], "local limits still hold")
    for s, key in zip(servers, keys):
        status, redis_line = redis_check(s, key)
        check(status == "degraded" and redis_line["status"] == "degraded" and "unreachable" in redis_line["detail"],
              f"health with Redis down: {status}, {redis_line}")
        check(fallbacks(s) >= BURST + 1, f"fallbacks counted: {fallbacks(s)}")

    # 3. Redis back (empty, on the same port): the servers reconnect by themselves and share.
    redis.start()
    for s, key in zip(servers, keys):
        wait_for(lambda: redis_check(s, key)[1]["status"] == "ok", "the server to reconnect to Redis", timeout=30,
                 interval=0.25)
        status, _ = redis_check(s, key)
        check(status == "ok", f"health with Redis back: {status}")
    counted = fallbacks(a) + fallbacks(b)
    statuses = spread(servers, "192.0.2.13", 2 * BURST)
    check(statuses.count(200) == BURST, f"shared again after Redis came back: {statuses}")
    check(fallbacks(a) + fallbacks(b) == counted, "fallbacks counted after reconnecting")

    for s in servers:
        check(s.stop() == 0, "clean exit")
        out = s.output()
        check(REDIS_PASSWORD not in out, "the server logged the Redis password")
        check("rate limits are shared" in out and "unreachable" in out, f"transitions logged: {out[-2000:]}")
    redis.stop()
    print("shared limits e2e: ok")


if __name__ == "__main__":
    main()
