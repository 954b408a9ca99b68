#!/usr/bin/env python3
"""The README's two screenshots of the web app, reproducibly: a booking page with a start
chosen and the staff calendar's day with a few bookings, both at 1280x800 in Chromium, written
to docs/images/. Not a test; run after a build when the pages change:

    /usr/bin/python3 tests/web/readme_screenshots.py
"""
import os
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Browser, WebServer, check  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "images")
BERLIN = ZoneInfo("Europe/Berlin")


def next_open_day():
    day = datetime.now(BERLIN).date() + timedelta(days=1)
    while day.weekday() == 6:  # closed on Sundays
        day += timedelta(days=1)
    return day


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).isoformat()


def main():
    os.makedirs(OUT, exist_ok=True)
    srv = WebServer()
    day = next_open_day()
    t = f"/api/tenants/{srv.tenant}"
    chair1, chair2 = (r["id"] for r in srv.resources)
    for resource, start, end, name in ((chair1, (9, 30), (10, 0), "Ada Lovelace"),
                                       (chair1, (11, 0), (12, 0), "Grace Hopper"),
                                       (chair2, (10, 0), (10, 45), "Alan Turing"),
                                       (chair2, (14, 15), (15, 0), "Edsger Dijkstra")):
        s, _, r = srv.api("POST", t + "/reservations", {
            "allocations": [{"resource": resource}], "start": at(day, *start), "end": at(day, *end),
            "customer": name})
        check(s == 201, f"booking for the screenshot: {s} {r}")

    b = Browser(width=1280, height=800, zone="America/New_York")
    try:
        b.open(f"{srv.base}/book/{srv.slug}")
        b.wait_for("#week button.slot")
        b.driver.save_screenshot(os.path.join(OUT, "booking-page.png"))

        b.open(f"{srv.base}/staff/{srv.slug}")
        b.wait_for("#login-form")
        b.type("#email", srv.staff_email)
        b.type("#password", srv.staff_password)
        b.click("#login-submit")
        b.wait_for("#calendar .timeline-row")
        today = datetime.now(BERLIN).date()
        for _ in range((day - today).days):
            before = b.text_of("#range-label")
            b.click("#next-range")
            b.wait_until(lambda d: b.text_of("#range-label") != before, "the calendar to move a day")
        b.wait_until(lambda d: len(b.find_all(".booking")) >= 4, "the day's bookings")
        b.driver.save_screenshot(os.path.join(OUT, "staff-calendar.png"))
    finally:
        b.quit()
        srv.stop()
    print("readme screenshots: docs/images/booking-page.png, docs/images/staff-calendar.png")


if __name__ == "__main__":
    main()
