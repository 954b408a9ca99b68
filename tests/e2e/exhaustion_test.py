#!/usr/bin/env python3
"""boka-server when a resource runs out, over loopback:

- file descriptors: at a low RLIMIT_NOFILE, connections pile up until accept() fails with
  EMFILE. The server stays up, does not spin in its accept loop (its CPU time stays small
  while at the limit), logs the condition once rather than per attempt, keeps serving the
  connections it has (bookings acknowledged meanwhile are stored), and serves new clients
  again once connections close;
- slow clients: more connections than handler threads, each sending its header one byte at
  a time, or announcing a body and trickling it, never finishing. A normal client is served
  meanwhile, and the server drops each slow connection after its timeout
  (BOKA_TIMEOUT_SECONDS for the header, BOKA_BODY_TIMEOUT_SECONDS for a whole body);
- memory: an address-space limit (RLIMIT_AS) a little above the server's measured need, then
  requests that need memory (bodies up to the limit, large availability pages, many at once).
  Every answer is whole and right, or a problem document (413, 503, 500); the server stays up
  and serves normal requests afterwards. Not applicable to an AddressSanitizer build (below),
  which the test says plainly instead of passing silently."""
import http.client
import json
import os
import resource
import select
import socket
import threading
import time

from harness import SERVER, Server, admin, check, rfc3339, scratch, wait_for

START = 1893456000  # 2030-01-01, a Tuesday


def setup(work):
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "exhaustion", database=db).stdout)
    key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    return db, tenant, key


def cpu_seconds(pid):
    """User plus system CPU time of the whole process (every thread), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {name} in /proc/{pid}/status")


class Connection:
    """One keep-alive HTTP/1.1 connection with the emergency key; answers as (status, body)."""

    def __init__(self, port, key, timeout=30):
        self.port, self.key, self.timeout = port, key, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Authorization": "Bearer " + self.key}
        if data is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        # A truncated body raises IncompleteRead here: a partial answer fails the test.
        payload = r.read()
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return r.status, r.getheader("Content-Type", ""), payload

    def close(self):
        self.conn.close()


def is_problem(status, content_type, payload, statuses):
    if status not in statuses or not content_type.startswith("application/problem+json"):
        return False
    doc = json.loads(payload)
    return doc.get("status") == status and doc.get("detail")


def create_resource(c, tenant, name, **extra):
    r = c.post(f"/api/tenants/{tenant}/resources", {"name": name, "zone": "UTC", "capacity": 1, **extra})
    check(r.status == 201, f"resource: {r}")
    return r.json()["id"]


def booking(resource_id, n):
    start = START + 86400 + n * 3600
    return {"allocations": [{"resource": resource_id}], "start": rfc3339(start), "end": rfc3339(start + 3600)}


def check_stored(c, tenant, acknowledged):
    for rid in acknowledged:
        r = c.get(f"/api/tenants/{tenant}/reservations/{rid}")
        check(r.status == 200 and r.json()["status"] == "confirmed", f"acknowledged reservation {rid}: {r}")


# ---- file descriptors ------------------------------------------------------------------------

def descriptors(work, db, tenant, key):
    # A long header timeout keeps the idle connections of the flood open while we look.
    server = Server(db, log_dir=work, env={"BOKA_TIMEOUT_SECONDS": "60"}).start()
    pid = server.process.pid
    c = server.client.with_token(key)
    room = create_resource(c, tenant, "Descriptors room")

    # Bookings go on through one connection opened before the limit is reached.
    acknowledged, failures, stop, paused = [], [], threading.Event(), threading.Event()

    def book():
        conn, n = Connection(server.port, key, timeout=60), 0
        while not stop.is_set():
            if paused.is_set():
                # Still within the keep-alive idle time (5 s): the connection stays open.
                time.sleep(0.05)
                continue
            try:
                status, ctype, payload = conn.request("POST", f"/api/tenants/{tenant}/reservations", booking(room, n))
            except (OSError, http.client.HTTPException) as e:
                failures.append(repr(e))
                conn.close()
                conn = Connection(server.port, key, timeout=60)
                continue
            if status == 201:
                acknowledged.append(json.loads(payload)["id"])
            elif not is_problem(status, ctype, payload, (500, 503)):
                failures.append(f"{status} {payload[:200]!r}")
            n += 1
            time.sleep(0.2)
        conn.close()

    booker = threading.Thread(target=book, daemon=True)
    booker.start()
    wait_for(lambda: len(acknowledged) >= 2, "bookings before the limit")

    # Room for a few more descriptors than the server holds now, then more connections than
    # that: the rest wait in the listen backlog, and accept() fails with EMFILE.
    open_now = len(os.listdir(f"/proc/{pid}/fd"))
    limit = open_now + 16
    hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)[1]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, hard))
    flood = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(40)]
    wait_for(lambda: "cannot accept" in server.output(), "the server to log that it cannot accept", timeout=10)
    check(len(os.listdir(f"/proc/{pid}/fd")) >= limit - 1, "the server's descriptors are all in use")
    # A new client now waits in the backlog; it is served once descriptors are free again.
    late = []
    latecomer = threading.Thread(daemon=True, target=lambda: late.append(server.client.get("/api/health", timeout=60)))
    latecomer.start()

    # At the limit the listening socket stays readable (the backlog is not empty): an accept
    # loop that retried at once would burn a whole core here. 2 s of a spinning loop is about
    # 2 s of CPU; the server, retrying every 100 ms and otherwise idle, uses a small fraction.
    # The bookings pause meanwhile, so that only the accept loop is measured.
    paused.set()
    time.sleep(0.3)  # the booking in progress, if any, is answered
    before = cpu_seconds(pid)
    time.sleep(2.0)
    spent = cpu_seconds(pid) - before
    paused.clear()
    check(spent < 0.6, f"{spent:.2f} s of CPU in 2 s at the descriptor limit: the accept loop spins")
    booked_at_limit = len(acknowledged)
    time.sleep(1.0)
    check(len(acknowledged) > booked_at_limit, "bookings on an open connection go on at the descriptor limit")
    check(server.process.poll() is None, "the server is running at the descriptor limit")
    logged = [line for line in server.output().splitlines() if "cannot accept" in line]
    check(len(logged) == 1, f"the accept failure is logged once, not per attempt: {logged}")

    for s in flood:
        s.close()
    latecomer.join()
    check(late and late[0].status == 200, f"the client that waited at the limit is served: {late}")
    wait_for(lambda: "accepting connections again" in server.output(), "the server to log the recovery")
    check(server.client.get("/api/health").status == 200, "new clients are served after the connections close")
    stop.set()
    booker.join()
    check(not failures, f"bookings failed meanwhile: {failures[:5]}")
    check_stored(c, tenant, acknowledged)
    check(server.stop() == 0, "clean exit after the descriptor limit")
    print(f"descriptors: limit {limit}, {spent:.2f} s CPU in 2 s at the limit, "
          f"{len(acknowledged)} bookings acknowledged and stored")


# ---- slow clients ----------------------------------------------------------------------------

def trickle(port, head, body_bytes, interval, give_up, outcome):
    """Sends `head` at once, then `body_bytes` one byte every `interval` s, until the server
    closes the connection or `give_up` s pass; records how long the server took and whether it
    answered anything."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.time()
    s.sendall(head)
    received = b""
    try:
        for i in range(len(body_bytes)):
            if time.time() - started > give_up:
                outcome.append(("still open", time.time() - started, received))
                return
            readable, _, _ = select.select([s], [], [], interval)
            if readable:
                chunk = s.recv(4096)
                if not chunk:
                    outcome.append(("closed", time.time() - started, received))
                    return
                received += chunk
                continue
            s.sendall(body_bytes[i:i + 1])
        outcome.append(("finished sending", time.time() - started, received))
    except OSError:  # reset by the server: closed too
        outcome.append(("closed", time.time() - started, received))
    finally:
        s.close()


def slow_clients(work, db, tenant, key):
    threads = 4
    timeout, body_timeout = 3, 5
    server = Server(db, log_dir=work, env={"BOKA_THREADS": str(threads), "BOKA_MAX_INFLIGHT": str(threads - 1),
                                           "BOKA_TIMEOUT_SECONDS": str(timeout),
                                           "BOKA_BODY_TIMEOUT_SECONDS": str(body_timeout)}).start()
    c = server.client.with_token(key)
    room = create_resource(c, tenant, "Slow clients room")
    give_up = 25
    header = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"
    body = json.dumps(booking(room, 500)).encode()
    body_head = (f"POST /api/tenants/{tenant}/reservations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n").encode()
    headers_out, bodies_out = [], []
    # 0.5 s between bytes: every step well inside BOKA_TIMEOUT_SECONDS, so only a deadline
    # on the whole header (or body) ends these connections.
    slow = [threading.Thread(daemon=True, target=trickle, args=(server.port, b"", header, 0.5, give_up, headers_out))
            for _ in range(6 * threads)]
    slow += [threading.Thread(daemon=True, target=trickle, args=(server.port, body_head, body, 0.5, give_up, bodies_out))
             for _ in range(2 * threads)]
    for t in slow:
        t.start()
    time.sleep(1.0)  # every slow client connected and sending
    served = server.client.get("/api/health", timeout=10)
    booked = c.post(f"/api/tenants/{tenant}/reservations", booking(room, 0), timeout=10)
    still_connected = len(slow) - len(headers_out) - len(bodies_out)
    check(still_connected > threads, f"only {still_connected} slow clients were still connected")
    check(served.status == 200, f"a normal request while {still_connected} slow clients are connected: {served}")
    check(booked.status == 201, f"a booking while slow clients are connected: {booked}")
    for t in slow:
        t.join()
    for name, outcomes, deadline in (("headers", headers_out, timeout), ("bodies", bodies_out, body_timeout)):
        kept = [o for o in outcomes if o[0] != "closed"]
        check(not kept, f"slow {name} not dropped by the server within {give_up} s: {kept[:3]}")
        # Dropped, not answered: the request never arrived whole.
        check(all(o[2] == b"" for o in outcomes), f"slow {name} got an answer: {outcomes[:3]}")
        slowest = max(o[1] for o in outcomes)
        print(f"slow clients: {len(outcomes)} slow {name} dropped (limit {deadline} s; the last after {slowest:.1f} s)")
    check(server.client.get("/api/health").status == 200, "served after the slow clients")
    check_stored(c, tenant, [booked.json()["id"]])
    check(server.stop() == 0, "clean exit after slow clients")


# ---- memory ----------------------------------------------------------------------------------

def sanitized_server():
    """Whether SERVER is built with AddressSanitizer (its runtime's entry point is in the
    binary, linked statically, or named as an import of the shared runtime)."""
    with open(SERVER, "rb") as f:
        return b"__asan_init" in f.read()


def memory(work, db, tenant, key):
    if sanitized_server():
        # AddressSanitizer reserves terabytes of address space for its shadow memory at start,
        # so under any RLIMIT_AS the server could not even start: the check cannot run on this
        # build. The release build's run of this test covers it.
        print("memory: NOT RUN: boka-server is an AddressSanitizer build, and RLIMIT_AS cannot "
              "apply to it (its shadow memory needs terabytes of address space); this check runs "
              "only against a build without a sanitizer")
        return False
    # One malloc arena per thread would hold many 64 MiB address-space reservations, from
    # which allocations are served without growing the address space; with two arenas (a
    # common container setting, MALLOC_ARENA_MAX) what the server allocates meets the limit.
    server = Server(db, log_dir=work, env={"BOKA_THREADS": "32", "BOKA_MAX_INFLIGHT": "30",
                                           "MALLOC_ARENA_MAX": "2"}).start()
    pid = server.process.pid
    c = server.client.with_token(key)
    year = create_resource(c, tenant, "Open all year", policy={"slot_step": 60})
    room = create_resource(c, tenant, "Memory room")
    page = {"requests": [{"resource": year}], "from": rfc3339(START), "to": rfc3339(START + 365 * 86400),
            "duration": 3600, "step": 900, "limit": 10000}
    path = f"/api/tenants/{tenant}/availability"
    max_body = 1 << 20
    junk = b"[" + b"1," * (max_body // 2 - 2) + b"1]"  # a JSON array just under the body limit

    def expected_page(status, ctype, payload):
        if status != 200:
            return False
        doc = json.loads(payload)
        return len(doc["slots"]) == 10000 and doc["truncated"] and doc["next_from"] > doc["slots"][-1]["start"]

    # The steady state: the kinds of requests below, a few at once, before any limit.
    reference = None
    warm = Connection(server.port, key)
    for _ in range(2):
        status, ctype, payload = warm.request("POST", path, page)
        check(expected_page(status, ctype, payload), f"a page before the limit: {status}")
        reference = payload
        status, ctype, payload = warm.request("POST", f"/api/tenants/{tenant}/reservations", raw=junk)
        check(is_problem(status, ctype, payload, (400,)), f"a large malformed body before the limit: {status}")
    warm.close()
    steady = proc_status(pid, "VmSize")
    peak = proc_status(pid, "VmPeak")
    limit = steady + (24 << 20)
    resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))

    outcomes, wrong, lock = {}, [], threading.Lock()

    def out_of_memory(status, ctype, payload):
        # The server's answer when an allocation fails: 503 naming it (the load never reaches
        # BOKA_MAX_INFLIGHT, so no 503 here is load shedding), or the engine's 500 for a
        # transaction whose callback threw std::bad_alloc (the library reports that as
        # Code::internal, and rolls the transaction back).
        if is_problem(status, ctype, payload, (503,)):
            return "out of memory" in json.loads(payload)["detail"]
        return is_problem(status, ctype, payload, (500,)) and "bad_alloc" in json.loads(payload)["detail"]

    def note(kind):
        with lock:
            outcomes[kind] = outcomes.get(kind, 0) + 1

    def load(worker):
        conn = Connection(server.port, key, timeout=60)
        for i in range(6):
            kind = ("page", "big body", "over the limit")[(worker + i) % 3]
            try:
                if kind == "page":
                    status, ctype, payload = conn.request("POST", path, page)
                    # Whole and byte for byte the page served before the limit, or a refusal.
                    ok = payload == reference if status == 200 else out_of_memory(status, ctype, payload)
                elif kind == "big body":
                    status, ctype, payload = conn.request("POST", f"/api/tenants/{tenant}/reservations", raw=junk)
                    ok = is_problem(status, ctype, payload, (400,)) or out_of_memory(status, ctype, payload)
                else:
                    status, ctype, payload = conn.request("POST", f"/api/tenants/{tenant}/reservations",
                                                          raw=junk + b" " * (max_body - len(junk) + 1))
                    ok = is_problem(status, ctype, payload, (413,)) or out_of_memory(status, ctype, payload)
            except (OSError, http.client.HTTPException) as e:
                # No answer at all (the connection closed before a status line) is the
                # server's last resort when it cannot even allocate the refusal; a partial
                # answer (IncompleteRead) is a failure.
                if isinstance(e, http.client.IncompleteRead):
                    with lock:
                        wrong.append(f"{kind}: a partial answer {e!r}")
                note(f"{kind}: no answer")
                conn.close()
                conn = Connection(server.port, key, timeout=60)
                continue
            note(f"{kind}: {status}")
            if not ok:
                with lock:
                    wrong.append(f"{kind}: {status} {payload[:200]!r}")
        conn.close()

    workers = [threading.Thread(daemon=True, target=load, args=(w,)) for w in range(24)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    check(server.process.poll() is None, f"the server died under the memory limit (exit {server.process.poll()}); "
                                         f"log:\n{server.output()[-2000:]}")
    check(not wrong, f"wrong answers under the memory limit: {wrong[:5]}")
    refused = sum(n for k, n in outcomes.items() if k.endswith(("500", "503", "no answer")))
    check(refused > 0, f"the limit never bit (answers: {outcomes}): the check proves nothing; lower the margin")
    check("out of memory" in server.output(), "the server logged that it ran out of memory")
    # Normal requests afterwards, under the same limit.
    check(server.client.get("/api/health").status == 200, "health after the memory storm")
    booked = c.post(f"/api/tenants/{tenant}/reservations", booking(room, 1000))
    check(booked.status == 201, f"a booking after the memory storm: {booked}")
    check_stored(c, tenant, [booked.json()["id"]])
    check(server.stop() == 0, "clean exit after the memory limit")
    print(f"memory: limit {limit >> 20} MiB (steady {steady >> 20} MiB, peak {peak >> 20} MiB); "
          f"answers: {dict(sorted(outcomes.items()))}")
    return True


def body_timeout_configuration():
    import subprocess
    for bad in ("0", "3601", "1m"):
        r = subprocess.run([SERVER], env={**os.environ, "DATABASE_URL": "memory:", "BOKA_BODY_TIMEOUT_SECONDS": bad},
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 2 and "BOKA_BODY_TIMEOUT_SECONDS" in r.stderr,
              f"BOKA_BODY_TIMEOUT_SECONDS={bad}: exit {r.returncode}: {r.stderr}")


def main():
    body_timeout_configuration()
    work = scratch()
    db, tenant, key = setup(work)
    descriptors(work, db, tenant, key)
    slow_clients(work, db, tenant, key)
    ran_memory = memory(work, db, tenant, key)
    print("exhaustion e2e: ok" + ("" if ran_memory else " (the memory check was NOT RUN, see above)"))


if __name__ == "__main__":
    main()
