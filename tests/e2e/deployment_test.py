#!/usr/bin/env python3
"""boka-server behind nginx (TLS, the shipped config) with Prometheus scraping it: a client
logs in, enrols MFA with codes from oathtool, creates a resource, books through nginx, sees
the conflict, cancels; Prometheus sees the target up and the booking counters move. Also:
the maintenance switch, the security headers, and the shipped files (nginx -t, promtool,
compose YAML, Grafana JSON) are valid."""
import json
import os
import subprocess

import yaml

from harness import (DEPLOYMENT, Client, Server, admin, check, free_port, make_certificate,
                     prom_value, render_nginx, rfc3339, scratch, start_nginx, start_prometheus, totp, wait_for)


def shipped_files_are_valid():
    # promtool on the shipped Prometheus config and rules, as they are.
    r = subprocess.run(["promtool", "check", "config", os.path.join(DEPLOYMENT, "prometheus", "prometheus.yml")],
                       capture_output=True, text=True)
    check(r.returncode == 0, "promtool check config: " + r.stdout + r.stderr)
    compose = yaml.safe_load(open(os.path.join(DEPLOYMENT, "docker-compose.yml")))
    check(set(compose["services"]) >= {"app", "worker", "nginx", "prometheus", "grafana", "postgres"},
          "docker-compose.yml lacks a service")
    for name in ("datasources/prometheus.yml", "dashboards/boka.yml"):
        check(isinstance(yaml.safe_load(open(os.path.join(DEPLOYMENT, "grafana", "provisioning", name))), dict),
              name + " is not a YAML mapping")
    titles = set()
    for name in os.listdir(os.path.join(DEPLOYMENT, "grafana", "dashboards")):
        d = json.load(open(os.path.join(DEPLOYMENT, "grafana", "dashboards", name)))
        check(d["panels"] and all(p["targets"] for p in d["panels"]), name + " has a panel without a query")
        titles.add(d["title"])
    check(titles == {"System Overview", "Application Metrics", "Business Metrics", "Error Monitoring"},
          f"dashboards: {titles}")


def main():
    shipped_files_are_valid()
    work = scratch()
    db = os.path.join(work, "boka.db")
    # The operator's setup, with the admin CLI on the database.
    tenant = int(admin("create-tenant", "--name", "acme", database="sqlite:" + db).stdout)
    admin("create-admin", "--email", "ops@acme.test", "--password-stdin",
          "--role", "admin", "--tenant", str(tenant), database="sqlite:" + db, input="e2e admin password")

    server = Server("sqlite:" + db, log_dir=work).start()
    cert, key = make_certificate(work)
    http_port, https_port = free_port(), free_port()
    conf, site = render_nginx(work, [f"127.0.0.1:{server.port}"], http_port, https_port, cert, key)
    start_nginx(conf, work)
    web = Client(f"https://127.0.0.1:{https_port}", cafile=cert)
    wait_for(lambda: web.get("/nginx-health").status == 200, "nginx")
    # Plain HTTP redirects to HTTPS.
    plain = Client(f"http://127.0.0.1:{http_port}").get("/api/health")
    check(plain.status == 301, f"http -> https redirect: {plain}")

    prom_port = free_port()
    _, prom = start_prometheus(work, f"127.0.0.1:{server.port}", prom_port)

    # Log in (no MFA yet), enrol MFA with a code computed by oathtool, step up.
    r = web.post("/api/auth/login", {"tenant": tenant, "email": "ops@acme.test", "password": "e2e admin password"})
    check(r.status == 200 and not r.json()["mfa_pending"], f"login: {r}")
    check(r.headers.get("Cache-Control") == "no-store", f"login through nginx: {r.headers}")
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                   "Content-Security-Policy", "Referrer-Policy"):
        check(header in r.headers, f"nginx did not add {header}")
    session = web.with_token(r.json()["token"])
    # An admin without MFA may not create resources yet.
    room = {"name": "Room 1", "zone": "Europe/Berlin", "capacity": 1}
    r = session.post(f"/api/tenants/{tenant}/resources", room)
    check(r.status == 403 and "MFA" in r.json()["detail"], f"admin without MFA: {r}")
    enrol = session.post("/api/auth/mfa/enroll")
    check(enrol.status == 200 and enrol.json()["provisioning_uri"].startswith("otpauth://totp/"), f"enrol: {enrol}")
    check(enrol.headers.get("Cache-Control") == "no-store", f"enrol through nginx: {enrol.headers}")
    confirmed = session.post("/api/auth/mfa/confirm", {"code": totp(enrol.json()["secret"])})
    check(confirmed.status == 200 and len(confirmed.json()["recovery_codes"]) == 10, f"confirm: {confirmed}")
    check(confirmed.headers.get("Cache-Control") == "no-store", f"confirm through nginx: {confirmed.headers}")
    session = web.with_token(confirmed.json()["token"])
    check(session.get("/api/auth/sessions").status == 200, "the MFA session works")
    # A later login must give the code, again from oathtool.
    r = web.post("/api/auth/login", {"tenant": tenant, "email": "ops@acme.test", "password": "e2e admin password"})
    check(r.status == 200 and r.json()["mfa_pending"], f"login with MFA pending: {r}")
    pending = web.with_token(r.json()["token"])
    check(pending.post(f"/api/tenants/{tenant}/resources", room).status == 403, "pending session refused")

    r = session.post(f"/api/tenants/{tenant}/resources", room)
    check(r.status == 201, f"create resource: {r}")
    resource = r.json()["id"]
    slot = {"allocations": [{"resource": resource}], "start": "2030-01-01T09:00:00+01:00", "end": "2030-01-01T10:00:00+01:00"}
    first = session.post(f"/api/tenants/{tenant}/reservations", slot, headers={"Idempotency-Key": "e2e-1"})
    check(first.status == 201 and first.json()["status"] == "confirmed", f"book: {first}")
    again = session.post(f"/api/tenants/{tenant}/reservations", slot, headers={"Idempotency-Key": "e2e-1"})
    check(again.status == 201 and again.json()["id"] == first.json()["id"], f"idempotent replay: {again}")
    conflict = session.post(f"/api/tenants/{tenant}/reservations", slot)
    check(conflict.status == 409 and conflict.headers.get("Content-Type", "").startswith("application/problem+json"),
          f"conflict: {conflict}")
    check(conflict.json()["conflict"]["blocking"] == [first.json()["id"]], f"conflict names the booking: {conflict}")
    cancelled = session.post(f"/api/tenants/{tenant}/reservations/{first.json()['id']}/cancel")
    check(cancelled.status == 200 and cancelled.json()["status"] == "cancelled", f"cancel: {cancelled}")
    check(session.post(f"/api/tenants/{tenant}/reservations", slot).status == 201, "the freed slot books")

    # The guide's admin routes through nginx.
    check(session.get("/api/admin/security/mfa-stats").json()["with_mfa"] == 1, "mfa-stats")
    check(session.get("/api/admin/security/locked-accounts").status == 200, "locked-accounts")
    # /api/metrics is for the internal network: from 127.0.0.1 it is allowed.
    check("booking_transactions_total" in web.get("/api/metrics").body, "metrics through nginx")

    # Prometheus scrapes the target and sees the counters move.
    wait_for(lambda: prom_value(prom, 'up{job="boka"}') == 1, "Prometheus sees boka up", timeout=30)
    wait_for(lambda: (prom_value(prom, 'bookings_created_total{job="boka"}') or 0) >= 2,
             "bookings_created_total in Prometheus", timeout=30)
    wait_for(lambda: (prom_value(prom, 'booking_transactions_total{job="boka",operation="reserve",outcome="conflict"}') or 0) >= 1,
             "the conflict in Prometheus", timeout=30)
    wait_for(lambda: (prom_value(prom, 'sum(http_requests_total{job="boka",route="reservations.reserve"})') or 0) >= 4,
             "http_requests_total in Prometheus", timeout=30)

    # The web app through nginx: the booking page with boka's own Content-Security-Policy
    # (nginx's API policy would forbid its scripts), its files, and a manage link whose token
    # stays out of nginx's access log.
    r = session.post(f"/api/tenants/{tenant}/services",
                     {"name": "Consultation", "duration": 3600, "allocations": [{"resource": resource}]})
    check(r.status == 201, f"create service: {r}")
    page = web.get("/book/acme")
    check(page.status == 200 and page.headers.get("Content-Type", "").startswith("text/html"), f"booking page: {page}")
    csp = page.headers.get("Content-Security-Policy", "")
    check("script-src 'self'" in csp and "unsafe-inline" not in csp, f"the page's CSP: {page.headers}")
    check(page.headers.get("Cache-Control") == "no-store" and page.headers.get("Referrer-Policy") == "no-referrer",
          f"the page's headers: {page.headers}")
    script = web.get("/assets/book.js")
    check(script.status == 200 and "javascript" in script.headers.get("Content-Type", ""), f"a script: {script}")
    check(script.headers.get("Cache-Control") == "no-cache", f"files are revalidated, not refetched: {script.headers}")
    check(web.get("/assets/../CMakeLists.txt").status in (400, 404), "no path out of the web directory")
    business = web.get("/api/public/businesses/acme").json()
    check([s["name"] for s in business["services"]] == ["Consultation"], f"the public business: {business}")
    hold = web.post("/api/public/businesses/acme/holds", {"service": business["services"][0]["id"],
                                                           "start": "2030-01-02T09:00:00+01:00"})
    check(hold.status == 201 and hold.json()["state"] == "held", f"a visitor's hold: {hold}")
    token = hold.json()["token"]
    booked = web.post(f"/api/public/bookings/{token}/confirm", {"name": "Ada", "email": "ada@acme.test"})
    check(booked.status == 200 and booked.json()["state"] == "confirmed", f"a visitor books: {booked}")
    check(web.get(f"/manage/{token}").status == 200, "the manage page")
    access_log = os.path.join(work, "nginx-access.log")

    def logged():
        with open(access_log) as f:
            return f.read()
    # nginx writes the line after the answer has gone out.
    wait_for(lambda: "/manage/(redacted)" in logged(), "the manage page in nginx's access log")
    check(token not in logged(), "nginx logs manage links without their token")

    # The maintenance switch: a file, no reload.
    open(os.path.join(site, "maintenance.on"), "w").close()
    r = web.get("/api/health")
    check(r.status == 503 and "maintenance" in r.body.lower(), f"maintenance page: {r}")
    os.remove(os.path.join(site, "maintenance.on"))
    check(web.get("/api/health").status == 200, "back from maintenance")

    check(server.stop() == 0, "boka-server exits 0 on SIGTERM")
    admin("verify-audit", database="sqlite:" + db)
    print("deployment e2e: ok")


if __name__ == "__main__":
    main()
