#!/usr/bin/env python3
"""The HTTP layer against hostile and unusual requests, on the server directly (raw sockets
where a client library would refuse to send them) and through the shipped nginx config:
Range and If-Range ignored; header count and size capped (431); query parameters that are
not UTF-8 refused (400 naming the parameter, no exception text) yet logged and counted like
every other answer; Cache-Control: no-store; control characters in header values, malformed
Content-Length and over-long bodies refused at once; pipelined requests answered in order;
?tenant= on admin routes checked. (http_memory_test.py: the memory of large answers.)"""
import json
import os
import re
import socket

from harness import (Client, Server, admin, check, free_port, make_certificate, render_nginx, rfc3339, scratch,
                     start_nginx, wait_for)

EXCEPTION_TEXT = ("json.exception", "type_error", "invalid UTF-8 byte", "what()", "std::")


def raw(port, data, timeout=5.0):
    """Sends `data` in one write and reads until the server closes or `timeout` passes
    without a byte. Returns (bytes read, whether the read timed out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out, False
                out += chunk
        except socket.timeout:
            return out, True


def responses(data):
    """Splits a byte stream into (status, headers, body) answers, by Content-Length."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        check(sep, f"an incomplete answer: {data[:200]!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers.get("content-length", ["0"])[0])
        out.append((status, headers, rest[:length].decode()))
        data = rest[length:]
    return out


def one_answer(port, data, timeout=5.0):
    """The single answer to `data`; the connection must not hang until the server's read
    timeout (10 s) first."""
    out, timed_out = raw(port, data, timeout)
    check(out, f"no answer to {data[:120]!r} (timed out: {timed_out})")
    answers = responses(out)
    check(len(answers) == 1, f"{len(answers)} answers to {data[:120]!r}")
    return answers[0]


def check_problem(answer, status, mentions, label):
    got_status, headers, body = answer
    check(got_status == status, f"{label}: status {got_status}, wanted {status}: {body[:300]}")
    check(headers.get("content-type", [""])[0].startswith("application/problem+json"), f"{label}: {headers}")
    problem = json.loads(body)
    check(problem["status"] == status and mentions in problem["detail"], f"{label}: detail {problem}")
    text = json.dumps(headers) + body
    check(not any(t in text for t in EXCEPTION_TEXT), f"{label}: exception text in the answer: {text[:500]}")
    check(headers.get("cache-control") == ["no-store"], f"{label}: Cache-Control {headers.get('cache-control')}")
    return problem


def request_counts(client):
    """http_requests_total by (route, status), from the server's own metrics."""
    counts = {}
    for line in client.get("/api/metrics").body.splitlines():
        if line.startswith("http_requests_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line[:line.index("}")]))
            key = (labels["route"], labels["status"])
            counts[key] = counts.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def access_log(server):
    with open(server.env["BOKA_ACCESS_LOG"]) as f:
        return [json.loads(line) for line in f if line.strip()]


def get(path, headers=(), version="1.1", close=True):
    lines = [f"GET {path} HTTP/{version}", "Host: boka.test", *headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def range_ignored(port, client, label):
    plain = client.get("/api/openapi.json")
    check(plain.status == 200 and len(plain.body) > 10000, f"{label}: openapi: {plain.status}")
    many = "bytes=" + ",".join(["0-"] * 2500)
    for headers in ({"Range": many}, {"Range": "bytes=0-9"}, {"Range": "bytes=0-9", "If-Range": "anything"}):
        r = client.get("/api/openapi.json", headers=headers)
        check(r.status == 200, f"{label}: Range {str(headers)[:60]}: status {r.status}, wanted the whole 200")
        check(r.body == plain.body, f"{label}: the body differs from the plain answer ({len(r.body)} bytes)")
        check("Content-Range" not in r.headers and "multipart" not in r.headers.get("Content-Type", ""),
              f"{label}: a partial answer: {r.headers}")


def header_limits(server):
    port = server.port
    fields = lambda n: [f"X-Field-{i}: v" for i in range(n)]
    # 100 fields (Host, Connection and 98 more) pass; 101 do not.
    status, _, _ = one_answer(port, get("/api/health", fields(98)))
    check(status == 200, f"100 header fields: {status}")
    check_problem(one_answer(port, get("/api/health", fields(99))), 431, "101 header fields", "101 fields")
    check_problem(one_answer(port, get("/api/health", fields(100000))), 431, "header", "100000 fields")
    # 17 KiB in 17 fields of 1 KiB: few fields, too many bytes.
    big = [f"X-Big-{i}: " + "b" * 1024 for i in range(17)]
    check_problem(one_answer(port, get("/api/health", big)), 431, "16384 bytes", "17 KiB of fields")
    # One long line too.
    check_problem(one_answer(port, get("/api/health", ["X-Long: " + "l" * 17000])), 431, "16384 bytes",
                  "one 17 KiB field")
    check(server.process.poll() is None, "the server died on large headers")


def configured_header_limits(work, db):
    server = Server(db, log_dir=work, env={"BOKA_MAX_HEADERS": "20", "BOKA_MAX_HEADER_BYTES": "2048"}).start()
    check_problem(one_answer(server.port, get("/api/health", [f"X-F{i}: v" for i in range(19)])), 431,
                  "more than 20", "BOKA_MAX_HEADERS=20")
    check_problem(one_answer(server.port, get("/api/health", ["X-L: " + "l" * 2100])), 431, "2048 bytes",
                  "BOKA_MAX_HEADER_BYTES=2048")
    status, _, _ = one_answer(server.port, get("/api/health", ["X-L: " + "l" * 1500]))
    check(status == 200, f"1.5 KiB of header under a 2 KiB limit: {status}")
    check(server.stop() == 0, "clean exit")


def invalid_utf8(server, session, emergency, tenant):
    t = f"/api/tenants/{tenant}"
    before = request_counts(server.client)
    lines_before = len(access_log(server))
    cases = [(session, t + "/reservations?limit=%FF", "limit", "reservations.list"),
             (session, t + "/reservations?status=%FF", "status", "reservations.list"),
             (session, t + "/reservations?customer=%C0%AF", "customer", "reservations.list"),  # overlong '/'
             (emergency, "/api/admin/security/mfa-stats?tenant=%FF", "tenant", "admin.mfa_stats"),
             (session, t + "/reservations?limit=%F", "limit", "reservations.list")]  # a broken escape
    for client, path, name, _ in cases:
        r = client.get(path)
        check_problem((r.status, {k.lower(): [v] for k, v in r.headers.items()}, r.body), 400,
                      f"query {name}:", path)
    after = request_counts(server.client)
    for route in {c[3] for c in cases}:
        wanted = sum(1 for c in cases if c[3] == route)
        moved = after.get((route, "400"), 0) - before.get((route, "400"), 0)
        check(moved == wanted, f"http_requests_total{{route={route},status=400}} moved by {moved}, wanted {wanted}")
    logged = access_log(server)[lines_before:]
    for _, path, _, route in cases:
        check(any(e["path"] == path.split("?")[0] and e["status"] == 400 and e["route"] == route for e in logged),
              f"no access log line for {path}: {logged}")
    check(all("%FF" not in json.dumps(e) for e in logged), "a query string reached the access log")


def every_answer_counted(server):
    """404s and the transport's refusals are logged and counted like routed answers."""
    port = server.port
    before = request_counts(server.client)
    lines_before = len(access_log(server))
    one_answer(port, get("/api/nowhere"))
    one_answer(port, b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    one_answer(port, b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    one_answer(port, get("/api/health", [f"X-F{i}: v" for i in range(200)]))
    after = request_counts(server.client)
    for key in (("unmatched", "404"), ("refused", "400"), ("refused", "413"), ("refused", "431")):
        check(after.get(key, 0) - before.get(key, 0) == 1, f"http_requests_total{key}: {before.get(key)} -> {after.get(key)}")
    logged = access_log(server)[lines_before:]
    statuses = sorted(e["status"] for e in logged if e["route"] in ("unmatched", "refused"))
    check(statuses == [400, 404, 413, 431], f"access log of unrouted answers: {logged}")
    check(any(e["path"] == "/api/auth/login" and e["method"] == "POST" and e["status"] == 413 for e in logged),
          f"the 413's line names the request: {logged}")


def no_store(server, tenant, emergency):
    r = server.client.post("/api/auth/login", {"tenant": tenant, "email": "staff@http.test", "password": "http password 1"})
    check(r.status == 200 and r.headers.get("Cache-Control") == "no-store", f"login: {r.status} {r.headers}")
    session = server.client.with_token(r.json()["token"])
    enrol = session.post("/api/auth/mfa/enroll")
    check(enrol.status == 200 and enrol.headers.get("Cache-Control") == "no-store", f"enrol: {enrol.headers}")
    key = emergency.post(f"/api/tenants/{tenant}/api-keys", {"name": "ci", "scopes": ["resources:read"]})
    check(key.status == 201 and key.json()["key"].startswith("boka_"), f"key creation: {key}")
    check(key.headers.get("Cache-Control") == "no-store", f"key creation: {key.headers}")
    for path in ("/api/health", "/api/metrics", "/api/nowhere"):
        r = server.client.get(path)
        check(r.headers.get("Cache-Control") == "no-store", f"{path}: {r.status} {r.headers}")
    return session


def hostile_headers(server, token, tenant, resource):
    port = server.port
    body = json.dumps({"allocations": [{"resource": resource}], "start": rfc3339(1893488400), "end": rfc3339(1893492000)}).encode()
    for value in (b"abc\rdef", b"abc\x00def", b"abc\x01def"):
        data = (f"POST /api/tenants/{tenant}/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n").encode()
        data += b"Idempotency-Key: " + value + b"\r\n\r\n" + body
        check_problem(one_answer(port, data), 400, "header", f"Idempotency-Key {value!r}")
    r = server.client.with_token(token).get(f"/api/tenants/{tenant}/reservations")
    check(r.status == 200 and r.json() == [], f"a request with a control character booked: {r}")


def framing(server):
    port = server.port
    # Two requests in one write: both answered, in order, on the one connection.
    out, _ = raw(port, get("/api/health", close=False) + get("/api/nowhere"))
    answers = responses(out)
    check([a[0] for a in answers] == [200, 404], f"pipelined: {[(a[0], a[2][:60]) for a in answers]}")
    check(json.loads(answers[0][2])["status"] in ("ok", "degraded"), f"first answer: {answers[0]}")
    # HEAD: the GET route's status and Content-Length, no body, and the connection goes on.
    out, _ = raw(port, get("/api/health", close=False).replace(b"GET", b"HEAD", 1) + get("/api/health"))
    head, _, rest = out.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 200"), f"HEAD: {out[:300]!r}")
    check(rest.startswith(b"HTTP/1.1 200"), f"HEAD sent a body, or the next request went unanswered: {rest[:100]!r}")
    length = re.search(rb"Content-Length: (\d+)", head)
    check(length and int(length.group(1)) == len(responses(rest)[0][2]), f"HEAD's Content-Length: {head!r}")
    # Malformed or conflicting framing: 400 at once, not after the 10 s read timeout.
    for header in (b"Content-Length: -1", b"Content-Length: abc", b"Content-Length: 5\r\nContent-Length: 6",
                   b"Content-Length: 5, 6", b"Transfer-Encoding: chunked\r\nContent-Length: 5",
                   b"Content-Length: 5\r\nTransfer-Encoding: chunked", b"Transfer-Encoding: gzip"):
        data = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"
        check_problem(one_answer(port, data), 400, "", f"framing {header!r}")
    # A declared body over BOKA_MAX_BODY_BYTES (64 KiB here): 413 before any of it is sent.
    data = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n"
    check_problem(one_answer(port, data), 413, "65536 bytes", "Content-Length over the limit")
    # The same with Expect: 100-continue: the 413 instead of the 100.
    data = data.replace(b"Content-Length", b"Expect: 100-continue\r\nContent-Length")
    check_problem(one_answer(port, data), 413, "65536 bytes", "over the limit, with Expect")
    # A chunked body over the limit: 413 too.
    chunk = b"%x\r\n" % 70000 + b"x" * 70000 + b"\r\n0\r\n\r\n"
    data = b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk
    check_problem(one_answer(port, data), 413, "65536 bytes", "chunked over the limit")
    check(server.process.poll() is None, "the server died on bad framing")


def admin_tenant(emergency, tenant):
    for route in ("/api/admin/security/mfa-stats", "/api/admin/security/locked-accounts", "/api/admin/api-keys"):
        for bad in ("-1", "0"):
            r = emergency.get(f"{route}?tenant={bad}")
            check(r.status == 400 and "tenant" in r.json()["detail"], f"{route}?tenant={bad}: {r}")
        r = emergency.get(f"{route}?tenant=9223372036854775807")
        check(r.status == 404 and r.json()["code"] == "not_found", f"{route}?tenant=2^63-1: {r}")
        r = emergency.get(f"{route}?tenant={tenant}")
        check(r.status == 200, f"{route}?tenant={tenant}: {r}")


def through_nginx(work, server):
    cert, key = make_certificate(work)
    http_port, https_port = free_port(), free_port()
    conf, _ = render_nginx(work, [f"127.0.0.1:{server.port}"], http_port, https_port, cert, key)
    start_nginx(conf, work)
    web = Client(f"https://127.0.0.1:{https_port}", cafile=cert)
    wait_for(lambda: web.get("/nginx-health").status == 200, "nginx")
    range_ignored(https_port, web, "through nginx")
    for path in ("/api/health", "/api/metrics", "/api/nowhere"):
        r = web.get(path)
        check(r.headers.get("Cache-Control") == "no-store", f"nginx {path}: Cache-Control {r.headers.get('Cache-Control')}")
    # nginx names the client in X-Real-IP on every location; a client's own X-Real-IP must
    # never reach boka (which trusts it from nginx's address).
    before = len(access_log(server))
    for path in ("/api/metrics", "/api/health"):
        web.get(path, headers={"X-Real-IP": "203.0.113.77", "X-Forwarded-For": "203.0.113.78"})
    logged = access_log(server)[before:]
    check(len(logged) == 2 and all(e["client"] == "127.0.0.1" for e in logged), f"forged client address: {logged}")
    # A header line past nginx's buffers: its own 431, as a problem document.
    r = web.get("/api/health", headers={"X-Long": "l" * 9000})
    check(r.status == 431 and r.json()["status"] == 431, f"nginx, a 9 KiB header line: {r}")
    # Past boka's field count: boka's 431, passed through.
    r = web.get("/api/health", headers={f"X-F{i}": "v" for i in range(120)})
    check(r.status == 431 and "header fields" in r.json()["detail"], f"nginx, 120 fields: {r}")
    # Past nginx's per-address limit (50/s, burst 100): its own 429, a problem document with
    # Retry-After, no-store and the same security headers as every other answer.
    limited = None
    for _ in range(400):
        r = web.get("/api/openapi.json")
        if r.status == 429:
            limited = r
            break
    check(limited is not None, "nginx never limited 400 requests in a burst")
    check(limited.json()["code"] == "rate_limited" and limited.headers.get("Retry-After") == "1" and
          limited.headers.get("Content-Type") == "application/problem+json", f"nginx 429: {limited} {limited.headers}")
    for header in ("Cache-Control", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                   "Referrer-Policy", "Content-Security-Policy"):
        check(header in limited.headers, f"nginx's 429 lacks {header}: {limited.headers}")


def pages_and_caps(emergency, tenant, resource):
    """Availability comes a page at a time (truncated, next_from) and every list route has a
    maximum page size, refused beyond with a 400 that names it."""
    query = {"requests": [{"resource": resource}], "from": rfc3339(1893456000), "to": rfc3339(1893456000 + 2 * 86400),
             "duration": 3600, "step": 3600}
    whole = emergency.post(f"/api/tenants/{tenant}/availability", query)
    check(whole.status == 200 and not whole.json()["truncated"] and whole.json()["next_from"] is None,
          f"one page holds two days of hours: {whole}")
    starts, pages, q = [], 0, {**query, "limit": 5}
    while True:
        r = emergency.post(f"/api/tenants/{tenant}/availability", q)
        check(r.status == 200 and len(r.json()["slots"]) <= 5, f"a page of 5: {r}")
        pages += 1
        starts += [s["start"] for s in r.json()["slots"]]
        if not r.json()["truncated"]:
            break
        q = {**q, "from": r.json()["next_from"]}
    check(starts == [s["start"] for s in whole.json()["slots"]] and pages == (len(starts) + 4) // 5,
          f"pages add up to the whole answer: {pages} pages, {len(starts)} slots")
    too_fine = emergency.post(f"/api/tenants/{tenant}/availability",
                              {**query, "to": rfc3339(1893456000 + 400 * 86400), "step": 60})
    check(too_fine.status == 400 and "grid points" in too_fine.json()["detail"], f"400 days of minutes: {too_fine}")
    check(emergency.post(f"/api/tenants/{tenant}/availability", {**query, "limit": 10001}).status == 400,
          "limit above 10000")
    for path in (f"/api/tenants/{tenant}/reservations", f"/api/tenants/{tenant}/users",
                 f"/api/admin/api-keys?tenant={tenant}"):
        sep = "&" if "?" in path else "?"
        for bad in ("1001", "0", "-1"):
            r = emergency.get(f"{path}{sep}limit={bad}")
            check(r.status == 400 and "limit" in r.json()["detail"], f"{path} limit={bad}: {r}")
        check(emergency.get(f"{path}{sep}limit=1000").status == 200, f"{path} limit=1000")
    # A body within the size limit but with thousands of fields in one object is refused at
    # once, before it is built, naming the limit.
    wide = {"allocations": [{"resource": resource}], "start": rfc3339(1893488400), "end": rfc3339(1893492000),
            "metadata": {f"k{i}": 0 for i in range(5000)}}
    r = emergency.post(f"/api/tenants/{tenant}/reservations", wide)
    check(r.status == 400 and "more than 1000 fields" in r.json()["detail"], f"5000 metadata fields: {r}")
    users = emergency.get(f"/api/tenants/{tenant}/users?limit=1").json()
    check(len(users) == 1, f"one user per page: {users}")
    rest = emergency.get(f"/api/tenants/{tenant}/users?after_id={users[0]['id']}").json()
    check(all(u["id"] > users[0]["id"] for u in rest), f"after_id pages on: {rest}")


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "http", database=db).stdout)
    admin("create-admin", "--email", "staff@http.test", "--password-stdin", "--role", "staff",
          "--tenant", str(tenant), database=db, input="http password 1")
    emergency_key = admin("generate-emergency-key", "--hours", "1", database=db).stdout.strip()
    server = Server(db, log_dir=work, env={"BOKA_MAX_BODY_BYTES": "65536"}).start()
    emergency = server.client.with_token(emergency_key)
    r = emergency.post(f"/api/tenants/{tenant}/resources", {"name": "Room", "zone": "UTC", "capacity": 1})
    check(r.status == 201, f"resource: {r}")
    resource = r.json()["id"]

    range_ignored(server.port, server.client, "boka-server")
    header_limits(server)
    session = no_store(server, tenant, emergency)
    invalid_utf8(server, session, emergency, tenant)
    every_answer_counted(server)
    hostile_headers(server, session.token, tenant, resource)
    framing(server)
    admin_tenant(emergency, tenant)
    pages_and_caps(emergency, tenant, resource)
    through_nginx(work, server)
    check(server.stop() == 0, "clean exit")
    configured_header_limits(work, db)
    print("http e2e: ok")


if __name__ == "__main__":
    main()
