#!/usr/bin/env python3
"""Two boka-server processes on one PostgreSQL behind nginx: concurrent clients booking the
same slots through nginx end with zero overbooking, and every acknowledged booking stored.
The PostgreSQL server is the throwaway cluster CTest starts (scripts/pg-test-cluster.sh)."""
import os
import subprocess
import threading
import time

from harness import (Client, Server, admin, check, free_port, make_certificate, render_nginx, rfc3339,
                     scratch, start_nginx, wait_for)


def uris():
    values = {}
    with open(os.environ["BOKA_PG_URIS_FILE"]) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            values[k] = v
    return values


def with_database(uri, name):
    base, _, _ = uri.rpartition("/")
    return f"{base}/{name}"


def main():
    u = uris()
    name = f"boka_e2e_{os.getpid()}"
    subprocess.run(["psql", "-q", u["BOKA_TEST_POSTGRES_ADMIN_URI"], "-c", f"CREATE DATABASE {name} OWNER boka_owner"],
                   check=True)
    owner = with_database(u["BOKA_TEST_POSTGRES_OWNER_URI"], name) + "?app_role=boka_app"
    app = with_database(u["BOKA_TEST_POSTGRES_APP_URI"], name) + "?pool_size=8"
    # The owner migrates and sets up (boka-admin), the servers run as the app role.
    tenant = int(admin("create-tenant", "--name", "cluster", database=owner).stdout)
    admin("create-admin", "--email", "desk@cluster.test", "--password-stdin", "--role", "staff",
          "--tenant", str(tenant), database=owner, input="cluster password 1")
    key = admin("generate-emergency-key", "--tenant", str(tenant), database=owner).stdout.strip()

    work = scratch()
    servers = [Server(app, log_dir=work).start() for _ in range(2)]
    cert, key_file = make_certificate(work)
    http_port, https_port = free_port(), free_port()
    conf, _ = render_nginx(work, [f"127.0.0.1:{s.port}" for s in servers], http_port, https_port, cert, key_file)
    start_nginx(conf, work)
    web = Client(f"https://127.0.0.1:{https_port}", cafile=cert)
    wait_for(lambda: web.get("/nginx-health").status == 200, "nginx")
    ops = web.with_token(key)
    rooms = []
    for i, capacity in enumerate([1, 1, 2]):
        r = ops.post(f"/api/tenants/{tenant}/resources", {"name": f"Room {i}", "zone": "UTC", "capacity": capacity})
        check(r.status == 201, f"resource: {r}")
        rooms.append((r.json()["id"], capacity))

    token = web.post("/api/auth/login", {"tenant": tenant, "email": "desk@cluster.test",
                                         "password": "cluster password 1"}).json()["token"]
    desk = web.with_token(token)
    acknowledged, lock = [], threading.Lock()
    statuses = {}

    def client(n):
        for i in range(30):
            room, _ = rooms[(n + i) % len(rooms)]
            start = 1893488400 + (i % 6) * 3600  # few slots: heavy contention
            while True:  # a well-behaved client: on 429, wait Retry-After and try again
                r = desk.post(f"/api/tenants/{tenant}/reservations",
                              {"allocations": [{"resource": room}], "start": rfc3339(start), "end": rfc3339(start + 3600)})
                if r.status != 429:
                    break
                with lock:
                    statuses["429 (retried)"] = statuses.get("429 (retried)", 0) + 1
                time.sleep(float(r.headers.get("Retry-After", "1")) / 4)
            with lock:
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if r.status == 201:
                    acknowledged.append(r.json()["id"])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(set(statuses) <= {201, 409, "429 (retried)"}, f"statuses: {statuses}")
    check(statuses.get(409, 0) > 0 and statuses.get(201, 0) > 0, f"contention: {statuses}")
    # Both servers served bookings.
    for s in servers:
        with open(s.env["BOKA_ACCESS_LOG"]) as f:
            check('"route":"reservations.reserve"' in f.read(), f"server {s.port} took no booking")
    # Read back from one server directly: nginx's per-address limit is spent by now (every
    # test client is 127.0.0.1).
    listed = servers[0].client.with_token(key).get(f"/api/tenants/{tenant}/reservations?limit=1000&status=confirmed")
    check(listed.status == 200, f"listing: {listed}")
    stored = listed.json()
    ids = {r["id"] for r in stored}
    check(all(i in ids for i in acknowledged), "an acknowledged booking is missing")
    check(len(stored) == len(acknowledged), f"{len(stored)} stored, {len(acknowledged)} acknowledged")
    for room, capacity in rooms:
        for slot in range(6):
            start = 1893488400 + slot * 3600
            n = sum(1 for r in stored if r["allocations"][0]["resource"] == room and r["start"] == rfc3339(start))
            check(n <= capacity, f"room {room} slot {slot}: {n} bookings for capacity {capacity}")
            check(n == capacity, f"room {room} slot {slot}: {n} bookings, the slot should be full")
    for s in servers:
        check(s.stop() == 0, "clean exit")
    out = admin("verify-audit", database=owner).stdout
    check(out.startswith("intact:"), out)
    # backup.sh on PostgreSQL: pg_dump as a superuser, restored into a scratch database and
    # its audit verified there; the backup heartbeat recorded through the run-time role.
    from harness import ADMIN, DEPLOYMENT
    backups = os.path.join(work, "pg-backups")
    b = subprocess.run([os.path.join(DEPLOYMENT, "scripts", "backup.sh"), "daily", "--verify"],
                       env={**os.environ, "DATABASE_URL": app, "BOKA_ADMIN": ADMIN, "BACKUP_DIR": backups,
                            "BACKUP_DATABASE_URL": with_database(u["BOKA_TEST_POSTGRES_ADMIN_URI"], name)},
                       capture_output=True, text=True, timeout=300)
    check(b.returncode == 0 and "intact:" in b.stdout and "verified" in b.stderr, f"backup.sh: {b.stdout}{b.stderr}")
    dumps = [f for f in os.listdir(os.path.join(backups, "daily")) if f.endswith(".dump")]
    check(len(dumps) == 1, f"dumps: {dumps}")
    health = admin("health", database=app).stdout
    check('"last_backup_at":null' not in health.replace(" ", ""), f"the backup heartbeat: {health}")
    print(f"postgres cluster e2e: ok ({statuses})")


if __name__ == "__main__":
    main()
