#!/usr/bin/env python3
"""Answers are bounded, and their memory is given back. A year of one-minute slots (525,600
grid points, 27 MiB of JSON before answers were bounded) is refused with a 400 naming the
bound; the largest answer left, a page of 10,000 slots, is served four at a time, and the
server's resident size returns to near what it was before. Measures glibc's allocator, so
CTest does not register it for sanitizer builds, whose allocator is their own."""
import os
import threading

from harness import Server, admin, check, rfc3339, scratch, wait_for


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def bounded_and_given_back(server, emergency, tenant):
    r = emergency.post(f"/api/tenants/{tenant}/resources",
                       {"name": "Open all year", "zone": "UTC", "capacity": 1, "policy": {"slot_step": 60}})
    check(r.status == 201, f"resource: {r}")
    resource = r.json()["id"]
    year = {"requests": [{"resource": resource}], "from": rfc3339(1893456000), "to": rfc3339(1893456000 + 365 * 86400),
            "duration": 3600, "step": 60}
    refused = emergency.post(f"/api/tenants/{tenant}/availability", year)
    check(refused.status == 400 and "525600 grid points" in refused.json()["detail"],
          f"a year of one-minute slots is refused: {refused}")
    page = {**year, "step": 900, "limit": 10000}
    baseline = rss_mib(server.process.pid)
    answers = []

    def one():
        a = emergency.post(f"/api/tenants/{tenant}/availability", page, timeout=300)
        answers.append(a)
    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a in answers:
        check(a.status == 200, f"a page: {a}")
        body = a.json()
        check(len(body["slots"]) == 10000 and body["truncated"] and body["next_from"] > body["slots"][-1]["start"],
              f"a full page says where to go on: {len(body['slots'])} slots, truncated={body['truncated']}")
    wait_for(lambda: rss_mib(server.process.pid) < baseline + 64, "the memory of the answers given back",
             timeout=10)
    print(f"RSS: {baseline:.0f} MiB before, {rss_mib(server.process.pid):.0f} MiB after 4 answers of "
          f"{len(answers[0].body) / (1 << 20):.1f} MiB")


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "memory", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work).start()
    bounded_and_given_back(server, server.client.with_token(key), tenant)
    check(server.stop() == 0, "clean exit")
    print("http memory e2e: ok")


if __name__ == "__main__":
    main()
