#!/usr/bin/env python3
"""After four concurrent answers of about 27 MiB each (a year of one-minute slots), the
server gives their memory back: its resident size returns to near what it was before
(with glibc's defaults a server keeps about 665 MiB of a 1.16 GiB peak). Measures glibc's allocator, so CTest does
not register it for sanitizer builds, whose allocator is their own."""
import os
import threading

from harness import Server, admin, check, scratch, wait_for


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def memory_given_back(server, emergency, tenant):
    r = emergency.post(f"/api/tenants/{tenant}/resources",
                       {"name": "Open all year", "zone": "UTC", "capacity": 1, "policy": {"slot_step": 60}})
    check(r.status == 201, f"resource: {r}")
    query = {"requests": [{"resource": r.json()["id"]}], "from": 1893456000, "to": 1893456000 + 365 * 86400,
             "duration": 3600, "step": 60}
    baseline = rss_mib(server.process.pid)
    sizes = []

    def one():
        a = emergency.post(f"/api/tenants/{tenant}/availability", query, timeout=300)
        sizes.append((a.status, len(a.body)))
    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(all(s == 200 and n > 20 << 20 for s, n in sizes), f"large answers: {sizes}")
    wait_for(lambda: rss_mib(server.process.pid) < baseline + 64, "the memory of the large answers given back",
             timeout=10)
    print(f"RSS: {baseline:.0f} MiB before, {rss_mib(server.process.pid):.0f} MiB after 4 answers of "
          f"{sizes[0][1] / (1 << 20):.0f} MiB")


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "memory", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    memory_given_back(server, server.client.with_token(key), tenant)
    check(server.stop() == 0, "clean exit")
    print("http memory e2e: ok")


if __name__ == "__main__":
    main()
