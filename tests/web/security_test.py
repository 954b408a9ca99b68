#!/usr/bin/env python3
"""The web app's HTTP security, over plain HTTP against a real boka-server (no browser):

- every page (/, /book/<slug>, /manage/<token>, /staff/<slug>, /admin/<slug>) is 200 text/html
  with a strict Content-Security-Policy (no 'unsafe-inline' or 'unsafe-eval'; default-src
  'none' or 'self'; script-src 'self'; frame-ancestors 'none'), X-Content-Type-Options:
  nosniff and Referrer-Policy: no-referrer; the private ones (staff, admin, manage) are
  Cache-Control: no-store; the HTML has no inline script, no style element or attribute and no
  event handler attribute, and every script and stylesheet it names is served;
- /assets/ serves every file of web/assets with its content type and refuses path traversal;
- the cookie session: login with ?cookie=1 sets __Host-boka_session HttpOnly, Secure,
  SameSite=Strict, Path=/ and hands out the CSRF token in X-CSRF-Token, never the session
  token in the body; a state change with the cookie needs that token (none or a wrong one is
  403 and changes nothing), a read does not; logout clears the cookie and ends the session;
  a bearer token needs no CSRF token;
- the logs never contain a session token, a bearer token or a manage-link token."""
import http.client
import json
import os
import secrets
import string
import urllib.parse
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from browser import SOURCE, WEB_DIR, WebServer, check, rfc3339

JS_TYPES = ("text/javascript", "application/javascript")
CONTENT_TYPES = {".js": JS_TYPES, ".mjs": JS_TYPES, ".css": ("text/css",), ".svg": ("image/svg+xml",),
                 ".png": ("image/png",), ".ico": ("image/x-icon", "image/vnd.microsoft.icon"),
                 ".woff2": ("font/woff2",), ".json": ("application/json",), ".webmanifest": ("application/manifest+json",),
                 ".html": ("text/html",), ".txt": ("text/plain",)}


class Raw:
    """One HTTP exchange, the path sent exactly as written, every header kept (Set-Cookie
    may come more than once)."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"


def raw(srv, method, path, body=None, headers=None):
    host, port = urllib.parse.urlsplit(srv.base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"} if data is not None else {}
    h.update(headers or {})
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    out = Raw(r.status, r.getheaders(), r.read().decode(errors="replace"))
    conn.close()
    return out


def csp_directives(value):
    directives = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens:
            directives[tokens[0].lower()] = tokens[1:]
    return directives


class PageChecker(HTMLParser):
    """Collects what a strict CSP would block or what the pages promise not to use."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.scripts, self.styles = [], []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        where = f"<{tag}{''.join(f' {k}' for k, _ in attrs)}>"
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"event handler attribute {name}= on {where}")
            if name.lower() == "style":
                self.problems.append(f"style= attribute on {where}")
            if name.lower() in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"javascript: URL in {name}= on {where}")
        if tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            self._in_script = a.get("src") or "(no src)"
        if tag == "style":
            self.problems.append("a <style> element (blocked without 'unsafe-inline' in style-src)")
        if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split():
            self.styles.append(a.get("href"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None and data.strip():
            self.problems.append(f"an inline script body in <script> ({self._in_script}): {data.strip()[:80]!r}")


def pages_are_locked_down(srv):
    fake_manage = "bokm_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(72))
    pages = [("/", False), (f"/book/{srv.slug}", False), (f"/manage/{fake_manage}", True),
             (f"/staff/{srv.slug}", True), (f"/admin/{srv.slug}", True)]
    referenced = set()
    for path, private in pages:
        r = raw(srv, "GET", path)
        check(r.status == 200, f"GET {path}: {r.status}, wanted 200: {r.body[:200]!r}")
        check((r.header("Content-Type") or "").startswith("text/html"), f"{path}: Content-Type {r.header('Content-Type')}")
        csp = r.header("Content-Security-Policy")
        check(csp, f"{path}: no Content-Security-Policy header: {r.headers}")
        check("'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{path}: unsafe CSP source: {csp}")
        d = csp_directives(csp)
        check(d.get("default-src") in (["'none'"], ["'self'"]), f"{path}: default-src {d.get('default-src')}: {csp}")
        check(d.get("script-src") == ["'self'"], f"{path}: script-src {d.get('script-src')}: {csp}")
        check(d.get("frame-ancestors") == ["'none'"], f"{path}: frame-ancestors {d.get('frame-ancestors')}: {csp}")
        check((r.header("X-Content-Type-Options") or "").lower() == "nosniff", f"{path}: X-Content-Type-Options")
        check((r.header("Referrer-Policy") or "").lower() == "no-referrer", f"{path}: Referrer-Policy {r.header('Referrer-Policy')}")
        if private:
            check("no-store" in (r.header("Cache-Control") or ""), f"{path}: Cache-Control {r.header('Cache-Control')}")
        parser = PageChecker()
        parser.feed(r.body)
        parser.close()
        check(not parser.problems, f"{path}: " + "; ".join(parser.problems))
        for ref in parser.scripts + parser.styles:
            url = urllib.parse.urljoin(srv.base + path, ref)
            check(url.startswith(srv.base + "/"), f"{path}: {ref} is not same-origin")
            referenced.add(url[len(srv.base):])
        print(f"  {path.replace(fake_manage, '<token>')}: 200, CSP {csp}")
    return fake_manage, referenced


def assets_are_served(srv, referenced):
    # Every script, stylesheet and image in web/assets (other files are not served).
    files = ["/assets/" + name for name in os.listdir(os.path.join(WEB_DIR, "assets"))
             if os.path.splitext(name)[1] in (".js", ".css", ".svg", ".png", ".ico")]
    check(files, "web/assets has no scripts or styles")
    for path in sorted(set(files) | referenced):
        r = raw(srv, "GET", path)
        check(r.status == 200, f"GET {path}: {r.status} (a page refers to it, or it is in web/assets)")
        ext = os.path.splitext(path)[1].lower()
        content_type = (r.header("Content-Type") or "").split(";")[0].strip().lower()
        if ext in CONTENT_TYPES:
            check(content_type in CONTENT_TYPES[ext], f"{path}: Content-Type {r.header('Content-Type')}")
        check((r.header("X-Content-Type-Options") or "").lower() == "nosniff", f"{path}: X-Content-Type-Options")
    print(f"  {len(set(files) | referenced)} assets served with their types")

    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        source_marker = "cmake_minimum_required"
        check(source_marker in f.read(), "CMakeLists.txt")
    attempts = ["/assets/../CMakeLists.txt", "/assets/../../CMakeLists.txt", "/assets/%2e%2e/x",
                "/assets/..%2fx", "/assets/%2e%2e/%2e%2e/CMakeLists.txt", "/assets/..%2f..%2fCMakeLists.txt",
                "/assets/%2e%2e%2f%2e%2e%2fCMakeLists.txt", "/assets/%252e%252e/%252e%252e/CMakeLists.txt",
                "/assets/..\\..\\CMakeLists.txt", "/assets/....//....//CMakeLists.txt",
                "/assets/%2fetc%2fpasswd", "/assets//etc/passwd", "/assets/api.js%00.css",
                "/assets/.%2e/.%2e/CMakeLists.txt", "/assets/"]
    for path in attempts:
        r = raw(srv, "GET", path)
        check(r.status in (400, 404), f"GET {path}: {r.status}, wanted 404 or 400")
        check(source_marker not in r.body and "root:x:0:0" not in r.body, f"GET {path} served a file outside web/assets")
    print(f"  {len(attempts)} traversal attempts refused")


def parse_cookie(header):
    parts = [p.strip() for p in header.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name, value, attrs


def session_cookie(r):
    for h in r.all("Set-Cookie"):
        name, value, attrs = parse_cookie(h)
        if name == "__Host-boka_session":
            return value, attrs, h
    return None, None, None


def cleared(attrs, value):
    if value == "" or "max-age" in attrs and attrs["max-age"].strip() in ("0", "-1"):
        return True
    if "expires" in attrs:
        try:
            return parsedate_to_datetime(attrs["expires"]) <= datetime.now(timezone.utc)
        except (TypeError, ValueError):
            return False
    return False


def cookie_sessions(srv):
    t = f"/api/tenants/{srv.tenant}"
    haircut = srv.services[0]["id"]
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    s, _, page = srv.api("POST", t + "/availability", {"service": haircut, "from": rfc3339((today + timedelta(days=1)).timestamp()),
                                                      "to": rfc3339((today + timedelta(days=9)).timestamp())})
    check(s == 200 and len(page["slots"]) > 20, f"availability: {s} {page}")
    starts = [x["start"] for x in page["slots"]]

    def reservation_ids():
        s, _, rows = srv.api("GET", t + "/reservations?limit=1000")
        check(s == 200, f"reservations: {s} {rows}")
        return sorted(r["id"] for r in rows)

    login = {"tenant": srv.tenant, "email": srv.staff_email, "password": srv.staff_password}
    # A cross-site form or no-cors fetch can only send text/plain (or form) bodies without a
    # preflight: the routes anyone may call refuse them, so no other site signs a browser in
    # (login CSRF) or makes its visitors' browsers take holds.
    before = reservation_ids()
    for path, body in (("/api/auth/login?cookie=1", login),
                       (f"/api/public/businesses/{srv.slug}/holds", {"service": haircut, "start": starts[0]})):
        r = raw(srv, "POST", path, body, headers={"Content-Type": "text/plain"})
        check(r.status == 415, f"{path} with a text/plain body: {r}")
        check(not r.all("Set-Cookie"), f"{path} with a text/plain body sets a cookie: {r.headers}")
    check(reservation_ids() == before, "a text/plain hold took nothing")
    r = raw(srv, "POST", "/api/auth/login?cookie=1", login)
    check(r.status == 200, f"cookie login: {r}")
    token, attrs, header = session_cookie(r)
    check(token, f"cookie login sets no __Host-boka_session cookie: {r.all('Set-Cookie')}")
    check(len(token) >= 32, f"the session cookie's value: {header}")
    for flag in ("httponly", "secure"):
        check(flag in attrs, f"__Host-boka_session without {flag}: {header}")
    check(attrs.get("samesite", "").lower() == "strict", f"__Host-boka_session SameSite: {header}")
    check(attrs.get("path") == "/", f"__Host-boka_session Path: {header}")
    body = r.json()
    check(body.get("token") == "", f"the cookie login's body carries the token: {body}")
    check(token not in r.body, "the session token is in the body")
    csrf = r.header("X-CSRF-Token")
    check(csrf and len(csrf) >= 16, f"no X-CSRF-Token on the cookie login: {r.headers}")
    check(csrf != token, "the CSRF token is the session token")
    cookie = {"Cookie": f"__Host-boka_session={token}"}

    # Reads need no CSRF token.
    r = raw(srv, "GET", "/api/auth/me", headers=cookie)
    check(r.status == 200, f"/api/auth/me with the cookie: {r}")
    check(srv.staff_email in r.body, f"/api/auth/me names the user: {r.body}")
    check(raw(srv, "GET", "/api/auth/me").status == 401, "/api/auth/me without a credential")
    r = raw(srv, "GET", t + "/reservations", headers=cookie)
    check(r.status == 200, f"a GET with the cookie and no CSRF token: {r}")

    # A state change with the cookie needs the CSRF token.
    before = reservation_ids()
    booking = {"service": haircut, "start": starts[0]}
    r = raw(srv, "POST", t + "/reservations", booking, headers=cookie)
    check(r.status == 403, f"a POST with the cookie but no CSRF token: {r}")
    check(reservation_ids() == before, "the refused POST booked anyway")
    wrong = csrf[:-2] + ("AA" if not csrf.endswith("AA") else "BB")
    for bad in (wrong, "", csrf + "x", token):
        r = raw(srv, "POST", t + "/reservations", booking, headers={**cookie, "X-CSRF-Token": bad})
        check(r.status == 403, f"a POST with the cookie and the CSRF token {bad!r}: {r}")
    check(reservation_ids() == before, "a POST with a wrong CSRF token booked anyway")
    r = raw(srv, "POST", t + "/reservations", booking, headers={**cookie, "X-CSRF-Token": csrf})
    check(r.status == 201, f"a POST with the cookie and the right CSRF token: {r}")
    check(len(reservation_ids()) == len(before) + 1, "one booking made")
    print("  cookie session: HttpOnly, Secure, SameSite=Strict; CSRF token required for changes only")

    # A bearer token (an API client) needs no CSRF token.
    bearer = srv.login(srv.staff_email, srv.staff_password)["token"]
    r = raw(srv, "POST", t + "/reservations", {"service": haircut, "start": starts[5]},
            headers={"Authorization": f"Bearer {bearer}"})
    check(r.status == 201, f"a bearer POST without a CSRF token: {r}")

    # Logout clears the cookie and ends the session.
    r = raw(srv, "POST", "/api/auth/logout", headers={**cookie, "X-CSRF-Token": csrf})
    check(r.status in (200, 204), f"logout: {r}")
    value, attrs, header = session_cookie(r)
    check(header is not None and cleared(attrs, value), f"logout does not clear __Host-boka_session: {r.all('Set-Cookie')}")
    r = raw(srv, "GET", "/api/auth/me", headers=cookie)
    check(r.status == 401, f"the old cookie after logout: {r}")
    r = raw(srv, "POST", t + "/reservations", {"service": haircut, "start": starts[10]},
            headers={**cookie, "X-CSRF-Token": csrf})
    check(r.status in (401, 403), f"a POST with the old cookie and token after logout: {r}")
    print("  logout clears the cookie; the old cookie no longer authenticates")
    return [token, bearer], csrf


def visitors_learn_nothing_of_others(srv):
    """A visitor who types an existing customer's email books for that record, but is never
    shown the record's name; staff fetch a booking's manage link and revoke it, after which the
    old link is refused the way any invalid one is."""
    t = f"/api/tenants/{srv.tenant}"
    s, _, jane = srv.api("POST", t + "/customers", {"display_name": "Jane Doe", "email": "jane@example.test"})
    check(s == 201, f"a customer: {s} {jane}")
    haircut = srv.services[0]["id"]
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    s, _, page = srv.api("POST", t + "/availability", {"service": haircut, "from": rfc3339((today + timedelta(days=2)).timestamp()),
                                                      "to": rfc3339((today + timedelta(days=9)).timestamp())})
    check(s == 200 and page["slots"], f"availability: {s} {page}")
    start = page["slots"][-1]["start"]
    r = raw(srv, "POST", f"/api/public/businesses/{srv.slug}/holds", {"service": haircut, "start": start})
    check(r.status == 201, f"a hold: {r}")
    token = r.json()["token"]
    r = raw(srv, "POST", f"/api/public/bookings/{token}/confirm", {"name": "Mallory", "email": "JANE@example.test"})
    check(r.status == 200 and r.json()["state"] == "confirmed", f"confirmed: {r}")
    check(r.json()["customer_name"] == "Mallory" and "Jane Doe" not in r.body, f"the answer names Jane: {r.body}")
    shown = raw(srv, "GET", f"/api/public/bookings/{token}")
    check(shown.status == 200 and "Jane Doe" not in shown.body, f"the manage link shows Jane's name: {shown.body}")
    s, _, rows = srv.api("GET", t + f"/reservations?customer_id={jane['id']}")
    check(s == 200 and len(rows) == 1, f"the booking is Jane's record's: {rows}")
    rid = rows[0]["id"]

    s, _, link = srv.api("POST", t + f"/reservations/{rid}/manage-link")
    check(s == 200 and link["token"] == token, f"staff fetch the same link: {s} {link}")
    s, _, renewed = srv.api("POST", t + f"/reservations/{rid}/manage-link/revoke")
    check(s == 200 and renewed["token"] != token and renewed["generation"] == 1, f"revoked: {s} {renewed}")
    old = raw(srv, "GET", f"/api/public/bookings/{token}")
    check(old.status == 401 and old.json()["detail"] == "invalid or revoked manage link", f"the old link: {old}")
    check(raw(srv, "GET", f"/api/public/bookings/{renewed['token']}").status == 200, "the new link works")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    check(raw(srv, "GET", f"/api/public/bookings/{forged}").json()["detail"] == "invalid or revoked manage link",
          "a forged link gets the same answer")
    # The rest of the visitor's routes, so that they run under every build this test runs in
    # (the browser suites drive them too, in the release build only).
    new_token = renewed["token"]
    later = page["slots"][-3]["start"]
    moved = raw(srv, "POST", f"/api/public/bookings/{new_token}/reschedule", {"start": later})
    check(moved.status == 200 and moved.json()["start"] == later, f"a visitor moves it: {moved}")
    gone = raw(srv, "POST", f"/api/public/bookings/{new_token}/cancel")
    check(gone.status == 200 and gone.json()["state"] == "cancelled" and not gone.json()["can_cancel"],
          f"a visitor cancels it: {gone}")
    again = raw(srv, "POST", f"/api/public/bookings/{new_token}/cancel")
    check(again.status == 409 and "no longer be cancelled" in again.json()["detail"], f"twice: {again}")
    day = page["slots"][0]["start"][:10]
    wait = raw(srv, "POST", f"/api/public/businesses/{srv.slug}/waitlist",
               {"service": haircut, "earliest_start": f"{day}T08:00:00Z", "latest_start": f"{day}T15:00:00Z",
                "name": "Wanda", "email": "wanda@example.test"})
    # That day has free starts, so the engine offers one at once (a held booking for Wanda).
    check(wait.status == 201 and wait.json()["state"] == "offered", f"a visitor joins the waitlist: {wait}")
    print("  a visitor never sees another customer's name; staff revoke a manage link, and it stops working; "
          "a visitor moves, cancels and joins the waitlist")
    return [token, renewed["token"]]


def admin_routes(srv):
    """The admin pages' own routes, by API (the admin session passed MFA)."""
    t = f"/api/tenants/{srv.tenant}"
    s, _, report = srv.api("GET", "/api/admin/security/report?days=7")
    check(s == 200 and report["audit"]["ok"] and report["mfa"]["with_mfa"] >= 1, f"the security report: {s} {report}")
    s, _, events = srv.api("GET", "/api/admin/security/events?kind=login_failed&hours=24")
    check(s == 200 and isinstance(events, list), f"failed logins: {s} {events}")
    s, _, records = srv.api("GET", t + "/audit?limit=5")
    check(s == 200 and len(records) == 5 and records[0]["seq"] < records[-1]["seq"], f"the audit trail: {s} {records}")
    s, _, verified = srv.api("POST", t + "/audit/verify")
    check(s == 200 and verified["ok"], f"audit verify: {s} {verified}")
    s, _, users = srv.api("GET", t + "/users")
    staff = next(u for u in users if u["email"] == srv.staff_email)
    s, _, changed = srv.api("PUT", t + f"/users/{staff['id']}/state", {"state": "disabled"})
    check(s == 200 and changed["state"] == "disabled", f"disable: {s} {changed}")
    s, _, changed = srv.api("PUT", t + f"/users/{staff['id']}/state", {"state": "active"})
    check(s == 200 and changed["state"] == "active", f"enable: {s} {changed}")
    s, _, bad = srv.api("PUT", t + f"/users/{staff['id']}/role", {"role": "owner"})
    check(s == 400 and "role" in bad["detail"], f"an unknown role: {s} {bad}")
    s, _, none = srv.api("GET", "/api/admin/backups", token=srv.emergency_key)
    check(s == 501 and "BOKA_BACKUP_DIR" in none["detail"], f"backups without a directory: {s} {none}")
    print("  the admin routes: security report and events, audit records and verify, user state and role, backups")


def main():
    srv = WebServer()
    try:
        fake_manage, referenced = pages_are_locked_down(srv)
        assets_are_served(srv, referenced)
        tokens, csrf = cookie_sessions(srv)
        links = visitors_learn_nothing_of_others(srv)
        admin_routes(srv)
    finally:
        srv.stop()
    logs = srv.logs()
    check(logs.strip(), "no access log written")
    secrets_ = {"a session token": tokens[0], "a bearer session token": tokens[1], "a manage-link token": fake_manage,
                "the admin's session token": srv.admin_token, "the emergency key": srv.emergency_key,
                "a revoked manage link": links[0], "a manage link": links[1]}
    for what, value in secrets_.items():
        check(value not in logs, f"the logs contain {what}")
    if csrf in logs:
        print("  note: the logs contain the CSRF token")
    print("  the logs contain no session, bearer or manage-link token")
    print("web security: ok")


if __name__ == "__main__":
    main()
