#!/usr/bin/env python3
"""The README's run command (scripts/run-server.sh) brings up a working server on the
embedded SQLite default with a demo tenant, the login it prints works, and so do the web app's
addresses it prints: a booking page that offers the demo's services, and the staff page."""
import os
import re
import signal
import subprocess
import time

from harness import Client, SOURCE, check, free_port, scratch, wait_for


def main():
    work = scratch()
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": "sqlite:" + os.path.join(work, "demo.db")}
    log = os.path.join(work, "run.log")
    with open(log, "wb") as out:
        p = subprocess.Popen([os.path.join(SOURCE, "scripts", "run-server.sh")], env=env, stdout=out,
                             stderr=subprocess.STDOUT, cwd=work)
    try:
        client = Client(f"http://127.0.0.1:{port}")
        wait_for(lambda: client.get("/api/health").status == 200, "the run command's server", timeout=900)
        text = open(log, errors="replace").read()
        m = re.search(r"-d '(\{.*\})'", text)
        check(m, "the server printed no login command:\n" + text)
        import json
        login = client.post("/api/auth/login", json.loads(m.group(1)))
        check(login.status == 200 and login.json()["token"], f"the printed login: {login}")
        token = client.with_token(login.json()["token"])
        tenant = json.loads(m.group(1))["tenant"]
        rooms = token.get(f"/api/tenants/{tenant}/resources")
        check(rooms.status == 200 and rooms.json(), f"the demo tenant has a resource: {rooms}")
        booked = token.post(f"/api/tenants/{tenant}/reservations",
                            {"allocations": [{"resource": rooms.json()[0]["id"]}],
                             "start": "2030-01-01T08:00:00Z", "end": "2030-01-01T09:00:00Z"})
        check(booked.status == 201, f"a booking on the demo server: {booked}")
        pages = dict(re.findall(r"(booking page|staff) (http://\S+)", text))
        check(set(pages) == {"booking page", "staff"}, "the server printed no web app addresses:\n" + text)
        for name, url in pages.items():
            page = client.get(url[len(client.base):])
            check(page.status == 200 and page.headers.get("Content-Type", "").startswith("text/html"),
                  f"the printed {name} address: {page}")
        slug = pages["booking page"].rsplit("/", 1)[1]
        business = client.get(f"/api/public/businesses/{slug}").json()
        check(len(business["services"]) >= 2 and business["time_zone"] == "Europe/Berlin",
              f"the demo's booking page offers services: {business}")
    finally:
        p.send_signal(signal.SIGINT)
        code = p.wait(60)
    check(code == 0, f"Ctrl-C stops it cleanly (exit {code})")
    print("run command e2e: ok")


if __name__ == "__main__":
    main()
