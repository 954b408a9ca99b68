#!/usr/bin/env python3
"""A bad-input corpus against a live boka-server: malformed JSON, wrong types, huge bodies,
invalid dates and zones, unknown ids, path tricks, SQL-looking strings, missing or forged
tokens. Every reply must be a clear 4xx problem document (no 5xx), and the server stays up
and keeps its data."""
import os

from harness import Client, Server, admin, check, rfc3339, scratch

SQL = "x'); DROP TABLE reservations; --"


def main():
    work = scratch()
    db = "sqlite:" + os.path.join(work, "boka.db")
    tenant = int(admin("create-tenant", "--name", "corpus", database=db).stdout)
    admin("create-admin", "--email", "staff@corpus.test", "--password-stdin",
          "--role", "staff", "--tenant", str(tenant), database=db, input="corpus password 1")
    server = Server(db, log_dir=work, env={"BOKA_MAX_BODY_BYTES": "65536"}).start()
    anon = server.client
    r = anon.post("/api/auth/login", {"tenant": tenant, "email": "staff@corpus.test", "password": "corpus password 1"})
    check(r.status == 200, f"login: {r}")
    c = anon.with_token(r.json()["token"])
    t = f"/api/tenants/{tenant}"
    good = {"allocations": [{"resource": 1}], "start": rfc3339(1893488400), "end": rfc3339(1893492000)}

    corpus = [
        # (client, method, path, body or raw bytes, extra headers, expected status)
        (c, "POST", t + "/reservations", b"{not json", None, 400),
        (c, "POST", t + "/reservations", b"", None, 400),
        (c, "POST", t + "/reservations", b"[1,2,3]", None, 400),
        (c, "POST", t + "/reservations", b"\xff\xfe\x00garbage", None, 400),
        (c, "POST", t + "/reservations", {**good, "allocations": "all of them"}, None, 400),
        (c, "POST", t + "/reservations", {**good, "allocations": [{"resource": "one"}]}, None, 400),
        (c, "POST", t + "/reservations", {**good, "start": "tomorrow"}, None, 400),
        (c, "POST", t + "/reservations", {**good, "start": good["end"], "end": good["start"]}, None, 400),
        (c, "POST", t + "/reservations", {**good, "start": "99999-01-01T00:00:00Z"}, None, 400),
        (c, "POST", t + "/reservations", {**good, "start": 1893488400}, None, 400),
        (c, "POST", t + "/reservations", {**good, "start": "2029-12-31T09:00:00"}, None, 400),  # no offset
        (c, "POST", t + "/reservations", {**good, "surprise": True}, None, 400),
        (c, "POST", t + "/reservations", {**good, "allocations": [{"resource": 999999}]}, None, 404),
        (c, "POST", t + "/reservations", {**good, "customer": SQL}, None, 404),  # resource 1 does not exist
        (c, "POST", t + "/reservations", {**good, "metadata": "not an object"}, None, 400),
        (c, "POST", t + "/reservations", b'{"allocations": [' + b'{"resource": 1},' * 20000 + b'{"resource": 1}]}', None, 413),
        (c, "POST", t + "/availability", {"requests": [{"resource": 1}], "from": rfc3339(0), "to": "9999-01-01T00:00:00Z", "duration": 3600}, None, 400),
        (c, "POST", t + "/availability", {"requests": [], "from": rfc3339(0), "to": rfc3339(10), "duration": 0}, None, 400),
        (c, "POST", t + "/resources", {"name": "x", "zone": "Mars/Olympus_Mons", "capacity": 1}, None, 403),
        (c, "GET", t + "/reservations?limit=abc", None, None, 400),
        (c, "GET", t + "/reservations?status=sideways", None, None, 400),
        (c, "GET", t + "/reservations?limit=999999", None, None, 400),
        (c, "GET", t + "/reservations/999999", None, None, 404),
        (c, "GET", t + "/reservations/99999999999999999999999", None, None, 400),
        (c, "GET", t + "/reservations/-1", None, None, 404),
        (c, "GET", "/api/tenants/999/reservations", None, None, 403),
        (c, "GET", t + "/../../etc/passwd", None, None, 404),
        (c, "GET", "/api/tenants/1%2F..%2F2/resources", None, None, 404),
        (c, "GET", "/api/../api/health/../../etc/passwd", None, None, 404),
        (c, "GET", "/api/tenants/" + "9" * 5000, None, None, None),  # any 4xx (too long / unknown)
        (c, "POST", t + "/reservations/1/reschedule", {"start": "x"}, None, 400),
        (c, "POST", t + "/reservations/1/confirm", {"if_version": "seven"}, None, 400),
        (c, "DELETE", t + "/resources/1", None, None, 403),
        (c, "PUT", t + "/resources/1", {"name": SQL}, None, 400),
        (anon, "GET", t + "/resources", None, None, 401),
        (anon, "POST", "/api/auth/login", {"tenant": tenant, "email": SQL, "password": SQL}, None, 401),
        (anon, "POST", "/api/auth/login", {"tenant": "1", "email": 5, "password": []}, None, 400),
        (anon, "POST", "/api/auth/login", {"tenant": tenant, "email": "staff@corpus.test", "password": "x" * 5000}, None, 400),
        (anon, "GET", t + "/resources", None, {"Authorization": "Bearer forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401),
        (anon, "GET", t + "/resources", None, {"Authorization": "Bearer boka_1_notarealkeyatall"}, 401),
        (anon, "GET", t + "/resources", None, {"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        (anon, "GET", t + "/resources", None, {"Authorization": "Bearer " + "A" * 400}, 401),
        (anon, "POST", "/api/auth/mfa/verify", {"code": "123456"}, {"Authorization": "Bearer nope"}, 401),
        (c, "POST", "/api/tenants", {"name": SQL}, None, 403),
        (c, "GET", "/api/admin/api-keys", None, None, 403),
        (c, "DELETE", "/api/admin/api-keys/1", None, None, 403),
        (c, "GET", "/api/nowhere", None, None, 404),
    ]
    for client, method, path, body, headers, expected in corpus:
        raw = body if isinstance(body, bytes) else None
        r = client.request(method, path, body=None if raw is not None else body, raw=raw, headers=headers)
        label = f"{method} {path[:80]} -> {r}"
        check(400 <= r.status < 500, "not a 4xx: " + label)
        if expected is not None:
            check(r.status == expected, f"wanted {expected}: " + label)
        if r.status != 413 or r.body:
            problem = r.json()
            check(r.headers.get("Content-Type", "").startswith("application/problem+json"), "not a problem document: " + label)
            check(problem["status"] == r.status and problem["detail"], "problem without detail: " + label)
            check("corpus password" not in r.body and SQL not in problem["title"], "echoes a secret: " + label)
        check(server.process.poll() is None, "the server died after: " + label)

    # Still up, and the data untouched.
    check(anon.get("/api/health").status == 200, "health after the corpus")
    r = c.get(t + "/reservations")
    check(r.status == 200 and r.json() == [], f"nothing was booked: {r}")
    log = server.output()
    check("corpus password" not in log, "a password reached the server's output")
    with open(server.env["BOKA_ACCESS_LOG"]) as f:
        access = f.read()
    check("corpus password" not in access and "forged-token" not in access, "a secret reached the access log")
    check(server.stop() == 0, "clean exit")
    print("bad input e2e: ok")


if __name__ == "__main__":
    main()
