#!/usr/bin/env python3
"""kill -9 of boka-server under load, then a restart: every reservation acknowledged (201)
before the kill is there, confirmed, nothing is overbooked, and the audit chains verify."""
import os
import signal
import threading
import time

from harness import Server, admin, check, rfc3339, scratch


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")  # durability=full: the default
    # The demo tenant gives an admin and a room; an admin without MFA books with staff rights.
    server = Server(db, log_dir=work, env={"BOKA_DEMO": "1"}).start()
    demo = [t for t in admin("list-admins", database=db).stdout.splitlines() if "demo-admin" in t]
    check(demo, "the demo admin exists")
    demo_tenant = int(demo[0].split()[0])
    login = server.client.post("/api/auth/login", {"tenant": demo_tenant, "email": "demo-admin@example.com",
                                                   "password": "demo password 1"})
    check(login.status == 200, f"demo login: {login}")
    c = server.client.with_token(login.json()["token"])
    resource = c.get(f"/api/tenants/{demo_tenant}/resources").json()[0]["id"]

    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def book(worker):
        i = 0
        while not stop.is_set():
            start = 1893488400 + (worker * 100000 + i) * 3600
            try:
                r = c.post(f"/api/tenants/{demo_tenant}/reservations",
                           {"allocations": [{"resource": resource}], "start": rfc3339(start), "end": rfc3339(start + 3600)},
                           timeout=5)
            except OSError:
                return  # the server is gone
            if r.status == 201:
                with lock:
                    acknowledged.append(r.json()["id"])
            i += 1

    threads = [threading.Thread(target=book, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    while True:
        time.sleep(0.05)
        with lock:
            if len(acknowledged) >= 150:
                break
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    stop.set()
    for t in threads:
        t.join()
    with lock:
        acked = list(acknowledged)

    server = Server(db, log_dir=work).start()
    login = server.client.post("/api/auth/login", {"tenant": demo_tenant, "email": "demo-admin@example.com",
                                                   "password": "demo password 1"})
    c = server.client.with_token(login.json()["token"])
    stored = {}
    after = 0
    while True:
        page = c.get(f"/api/tenants/{demo_tenant}/reservations?limit=1000&after_id={after}").json()
        if not page:
            break
        for r in page:
            stored[r["id"]] = r
        after = page[-1]["id"]
    missing = [i for i in acked if i not in stored or stored[i]["status"] != "confirmed"]
    check(not missing, f"{len(missing)} acknowledged reservations lost after kill -9: {missing[:10]}")
    spans = sorted((r["start"], r["end"]) for r in stored.values() if r["status"] == "confirmed")
    check(all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "overbooked after the crash")
    server.stop()
    out = admin("verify-audit", database=db)
    check("intact" in out.stdout, out.stdout)
    print(f"crash e2e: ok ({len(acked)} acknowledged before kill -9, {len(stored)} stored)")


if __name__ == "__main__":
    main()
