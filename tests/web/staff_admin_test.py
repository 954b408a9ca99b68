#!/usr/bin/env python3
"""The staff and admin pages in headless Chromium against a real boka-server (tests/web/
browser.py), at the seeded salon in Berlin.

Staff (password only):
1. signs in and sees, on the day view, a booking made through the API (the customer's name
   and its time in the salon's zone), a hold counting down ("hold: N min left") and the
   opening hours; opens the booking and cancels it: the API reads it cancelled and the block
   leaves the calendar; confirms the hold;
2. books an empty hour of Chair 2 with the keyboard alone (Tab to the cell, Enter, type the
   customer): the API holds a confirmed booking at exactly that hour for a customer record with
   that email, and the calendar shows it; reschedules it an hour later;
3. switches to the week view, reads the waitlist of Chair 1 (an entry made through the API)
   and finds the new customer with their booking history.
Admin (password and TOTP):
4. adds a user, changes their role, disables and enables them: the API agrees each time;
5. creates an API key: its secret is shown once, works, and is gone from the page (and was
   never in localStorage or sessionStorage) once the dialog closes; revokes it after a
   confirmation: the API shows revoked_at and refuses the key;
6. sees the failed sign-in just made in the security view, and "OK" when verifying the
   audit trail; reads the detailed health report, and that backups are the operator's;
   an operator (a superadmin with MFA) backs up with "Back up now": the backup verifies and
   the API lists it.
7. staff opening the admin pages are told they are not for them.
8. axe-core finds nothing serious or critical on every staff and admin view, at 1280x900 and
   390x844 (screenshots of each kept under <BOKA_BUILD_DIR>/web-screenshots); at 390 px the
   calendar scrolls inside its box, not the page.

No page may log a Content Security Policy violation or an uncaught error."""
import re
import sys
import traceback
from datetime import datetime, time as dtime, timedelta
from zoneinfo import ZoneInfo

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from browser import PASSWORD, Browser, WebServer, check, query, rfc3339, scratch, totp

BERLIN = ZoneInfo("Europe/Berlin")
browsers = []


def open_browser(width=1280, height=900):
    b = Browser(width=width, height=height, zone="America/New_York")
    browsers.append(b)
    return b


def close(b):
    problems = [m for m in b.console_errors() if "Content Security Policy" in m or "Uncaught" in m]
    storage = b.driver.execute_script(
        "return JSON.stringify([Object.keys(localStorage), Object.keys(sessionStorage)])")
    b.quit()
    browsers.remove(b)
    check(not problems, "the browser console reports:\n  " + "\n  ".join(problems))
    check(storage == "[[],[]]", f"the pages keep nothing in web storage: {storage}")


# --- time
def epoch(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def at(day, hour, minute=0):
    """Unix seconds of `day` hour:minute in Berlin."""
    return int(datetime.combine(day, dtime(hour, minute), BERLIN).timestamp())


def test_day():
    """The day after tomorrow in Berlin, or the next day the salon opens (not Sunday)."""
    day = datetime.now(BERLIN).date() + timedelta(days=2)
    return day + timedelta(days=1) if day.weekday() == 6 else day


# --- the API
class Api:
    def __init__(self, srv):
        self.srv = srv
        self.t = f"/api/tenants/{srv.tenant}"
        self.chair1, self.chair2 = (r["id"] for r in srv.resources)

    def call(self, method, path, body=None, token=None, status=(200, 201)):
        s, _, data = self.srv.api(method, path if path.startswith("/api/") else self.t + path, body, token=token)
        check(s in status, f"{method} {path}: {s} {data}")
        return data

    def customer(self, name, email):
        return self.call("POST", "/customers", {"display_name": name, "email": email})

    def book(self, chair, start, end, record=None, **extra):
        body = {"allocations": [{"resource": chair}], "start": rfc3339(start), "end": rfc3339(end), **extra}
        if record:
            body["customer_id"] = record["id"]
        return self.call("POST", "/reservations", body)

    def reservations_at(self, chair, start):
        path = (f"/reservations?limit=1000&resource={chair}&from={query(rfc3339(start))}"
                f"&to={query(rfc3339(start + 60))}&status=held,confirmed")
        return [r for r in self.call("GET", path) if epoch(r["start"]) == start]


# --- pages
def text(b, css):
    """The rendered text of the first element matching `css` ("" when there is none), read in
    the page in one step: views redraw, and an element found a moment ago may be gone."""
    return b.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)


def wait_text(b, css, wanted, timeout=10):
    """Waits until the element matching `css` shows `wanted` (a string, or a compiled regular
    expression); returns its text."""
    found = lambda d: (wanted.search(text(b, css)) if hasattr(wanted, "search") else wanted in text(b, css))  # noqa: E731
    b.wait_until(lambda d: found(d) and text(b, css), f"{css} to show {wanted!r}", timeout)
    return text(b, css)


def sign_in(b, srv, area, email, password, secret=None, role=None):
    """Signs in through the page's form (and its TOTP step when `secret` is given)."""
    b.open(f"{srv.base}/{area}/{srv.slug}")
    b.wait_for("#login-form")
    b.type("#email", email)
    b.type("#password", password)
    b.click("#login-submit")
    if secret:
        b.wait_for("#mfa-form")
        b.type("#mfa-code", totp(secret))
        b.click("#mfa-submit")
    b.wait_for("#app-nav")
    wait_text(b, "#signed-in-as", f"({role or area})")


def go(b, view, ready):
    """Opens a view through the navigation and waits for `ready` in it."""
    b.click(f'#app-nav a[data-view="{view}"]')
    b.wait_for(f"#{view}-view")
    return b.wait_for(ready)


def day_view_at(b, day):
    """The staff calendar's day view on `day`, moved to with "Next day" from today."""
    b.wait_for("#calendar .timeline-row")
    today = datetime.now(BERLIN).date()
    for _ in range((day - today).days):
        before = text(b, "#range-label")
        b.click("#next-range")
        b.wait_until(lambda d: text(b, "#range-label") != before, "the calendar to move a day")
    wait_text(b, "#range-label", str(day.day))
    b.wait_for("#calendar .timeline-row")


def block(b, rid, timeout=10):
    return b.wait_for(f'#calendar .booking[data-id="{rid}"]', timeout=timeout)


def dialog_closed(b, css):
    b.wait_until(lambda d: not d.execute_script(f"return document.querySelector('{css}').open"), f"{css} to close")


def no_page_overflow(b, label):
    """At phone width the page itself never scrolls sideways (wide content scrolls in a box)."""
    overflow = b.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    check(overflow <= 1, f"{label}: the page is {overflow} px wider than the screen")


def checked(b, label):
    b.axe_check(label)
    b.screenshot(label)
    if b.width < 600:
        no_page_overflow(b, label)


# --- from the public page to the staff calendar and back
def visitor_booking_cancelled_by_staff(srv, api, day):
    """The issue's whole loop: a visitor books through the public page; the booking appears in
    the staff calendar; staff cancel it there; the visitor's manage link shows it cancelled."""
    start = at(day, 12)
    visitor = open_browser()
    visitor.open(f"{srv.base}/book/{srv.slug}")
    visitor.wait_for("#week button.slot")
    slot = f'#week button.slot[data-start="{rfc3339(start)}"]'
    for _ in range(3):
        if visitor.find_all(slot):
            break
        before = visitor.text_of("#week-label")
        visitor.click("#next-week")
        visitor.wait_until(lambda d: visitor.text_of("#week-label") != before, "the next week")
        visitor.wait_for("#week button.slot")
    visitor.click(slot)
    visitor.wait_for("#details-form")
    visitor.type("#name", "Vera Visitor")
    visitor.type("#email", "vera@example.test")
    visitor.click("#book-button")
    manage = visitor.wait_for("#confirmation a#manage-link").get_attribute("href")
    check("/manage/bokm_" in manage, f"the confirmation gives a manage link: {manage}")
    close(visitor)
    booked = [r for c in (api.chair1, api.chair2) for r in api.reservations_at(c, start)]
    check(len(booked) == 1 and booked[0]["status"] == "confirmed", f"the API has the visitor's booking: {booked}")
    rid = booked[0]["id"]

    staff = open_browser()
    sign_in(staff, srv, "staff", srv.staff_email, srv.staff_password)
    day_view_at(staff, day)
    wait_text(staff, f'#calendar .booking[data-id="{rid}"]', "Vera Visitor")
    staff.click(f'#calendar .booking[data-id="{rid}"]')
    staff.wait_for("#booking-dialog")
    wait_text(staff, "#booking-details", "Vera Visitor")
    # The customer lost the email: staff show the same link. It leaked: staff revoke it, and
    # the old one stops working while the new one shows the booking.
    staff.click("#show-manage-link")
    shown = staff.wait_for("#manage-link-field #manage-link-url").get_attribute("value")
    check(shown == manage, f"staff see the visitor's link: {shown} != {manage}")
    staff.click("#revoke-manage-link")
    staff.wait_until(lambda d: d.find_element("css selector", "#manage-link-url").get_attribute("value") != manage,
                     "a new manage link")
    renewed = staff.driver.find_element("css selector", "#manage-link-url").get_attribute("value")
    old_token, new_token = manage.rsplit("/", 1)[1], renewed.rsplit("/", 1)[1]
    check(srv.api("GET", f"/api/public/bookings/{old_token}", token="")[0] == 401, "the revoked link is refused")
    check(srv.api("GET", f"/api/public/bookings/{new_token}", token="")[0] == 200, "the new link works")
    manage = renewed
    staff.click("#cancel-booking")
    dialog_closed(staff, "#booking-dialog")
    wait_text(staff, "#status", "cancelled")
    close(staff)

    visitor = open_browser()
    visitor.open(manage)
    wait_text(visitor, "#booking-status", "Cancelled")
    check(not visitor.driver.find_element("css selector", "#cancel-button").is_displayed(),
          "a cancelled booking offers no cancel button")
    close(visitor)
    print("  a visitor books on the public page; staff see it in the calendar, show and revoke its "
          "manage link, and cancel it; the manage link shows it cancelled")


# --- the staff pages
def staff_day(srv, api, day):
    ada = api.customer("Ada Lovelace", "ada@example.test")
    booked = api.book(api.chair1, at(day, 10), at(day, 11), ada)
    hold = api.book(api.chair1, at(day, 15), at(day, 15, 30), api.customer("Hal Held", "hal@example.test"),
                    hold_for=600)
    check(hold["status"] == "held", f"a hold: {hold}")

    b = open_browser()
    sign_in(b, srv, "staff", srv.staff_email, srv.staff_password)
    day_view_at(b, day)
    shown = wait_text(b, f'#calendar .booking[data-id="{booked["id"]}"]', "Ada Lovelace")
    check("10:00" in shown, f"the booking shows its time in Berlin: {shown!r}")
    wait_text(b, f'#calendar .booking[data-id="{hold["id"]}"]', re.compile(r"hold: \d+ min left"))
    minutes = sorted({int(c.get_attribute("data-minute")) for c in b.find_all("#calendar .cell")})
    check(minutes == list(range(9 * 60, 17 * 60, 60)), f"the day view spans the opening hours, 09:00 to 17:00: {minutes}")
    checked(b, "staff-day")

    # Open it and cancel it.
    b.click(f'#calendar .booking[data-id="{booked["id"]}"]')
    b.wait_for("#booking-dialog")
    wait_text(b, "#booking-details", "Ada Lovelace")
    wait_text(b, "#booking-details", "confirmed")
    checked(b, "staff-booking")
    b.click("#cancel-booking")
    dialog_closed(b, "#booking-dialog")
    wait_text(b, "#status", "cancelled")
    b.wait_until(lambda d: not b.find_all(f'#calendar .booking[data-id="{booked["id"]}"]'),
                 "the cancelled booking to leave the calendar")
    check(api.call("GET", f"/reservations/{booked['id']}")["status"] == "cancelled", "the API reads it cancelled")

    # Confirm the hold: it stops counting down.
    b.click(f'#calendar .booking[data-id="{hold["id"]}"]')
    wait_text(b, "#booking-details", "left")
    b.click("#confirm-booking")
    dialog_closed(b, "#booking-dialog")
    wait_text(b, "#status", "confirmed")
    b.wait_until(lambda d: "hold" not in text(b, f'#calendar .booking[data-id="{hold["id"]}"]'),
                 "the confirmed booking to show no countdown")
    check(api.call("GET", f"/reservations/{hold['id']}")["status"] == "confirmed", "the API reads the hold confirmed")
    print("  staff see a booking made through the API and a hold counting down; cancel one, confirm the other")
    return b


def staff_books_with_the_keyboard(b, api, day):
    cell = b.wait_for(f'#calendar .cell[data-resource="{api.chair2}"][data-minute="840"]')
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", cell)
    cell.send_keys(Keys.ENTER)
    b.wait_for("#new-booking-dialog")
    check(b.driver.find_element("css selector", "#new-time").get_attribute("value") == "14:00",
          "the new booking starts at the hour of the cell")
    check(b.driver.find_element("css selector", "#new-date").get_attribute("value") == day.isoformat(),
          "the new booking is on the shown day")
    check(b.driver.switch_to.active_element.get_attribute("id") == "new-customer-name",
          "focus moves into the dialog, to the customer's name")
    checked(b, "staff-new-booking")
    b.driver.switch_to.active_element.send_keys("Grace Hopper", Keys.TAB)
    email = b.driver.switch_to.active_element
    check(email.get_attribute("id") == "new-customer-email", "Tab goes from the name to the email")
    email.send_keys("grace@example.test", Keys.ENTER)
    dialog_closed(b, "#new-booking-dialog")
    wait_text(b, "#status", "Grace Hopper")
    found = api.reservations_at(api.chair2, at(day, 14))
    check(len(found) == 1 and found[0]["status"] == "confirmed" and epoch(found[0]["end"]) == at(day, 15),
          f"the API holds one confirmed hour at 14:00 on Chair 2: {found}")
    customer = api.call("GET", f"/customers/{found[0]['customer_id']}")
    check(customer["email"] == "grace@example.test" and customer["display_name"] == "Grace Hopper",
          f"the booking is for a customer record with that email: {customer}")
    wait_text(b, f'#calendar .booking[data-id="{found[0]["id"]}"]', "Grace Hopper")
    print("  staff book an empty hour with the keyboard; the API has it, for a new customer record")

    # Move it an hour later: a new start in the dialog, the same length.
    b.click(f'#calendar .booking[data-id="{found[0]["id"]}"]')
    b.wait_for("#reschedule-time")
    b.driver.execute_script("document.querySelector('#reschedule-time').value = '15:00'")
    b.click("#reschedule-booking")
    dialog_closed(b, "#booking-dialog")
    wait_text(b, "#status", "moved")
    moved = api.call("GET", f"/reservations/{found[0]['id']}")
    check(epoch(moved["start"]) == at(day, 15) and epoch(moved["end"]) == at(day, 16),
          f"the API has it at 15:00-16:00: {moved['start']} {moved['end']}")
    print("  staff reschedule it an hour later")

    # With the mouse, a service: a click in the third quarter of the 10:00 cell means 10:30.
    beard = next(x for x in api.srv.services if x["name"] == "Beard trim")
    cell = b.wait_for(f'#calendar .cell[data-resource="{api.chair2}"][data-minute="600"]')
    ActionChains(b.driver).move_to_element_with_offset(cell, cell.size["width"] // 8, 0).click().perform()
    b.wait_for("#new-booking-dialog")
    check(b.driver.find_element("css selector", "#new-time").get_attribute("value") == "10:30",
          "a click picks the quarter hour under the pointer: "
          + b.driver.find_element("css selector", "#new-time").get_attribute("value"))
    Select(b.wait_for("#new-service")).select_by_value(str(beard["id"]))
    check(not b.find_all("#new-duration-field:not([hidden])"), "a service brings its own length")
    b.type("#new-customer-name", "Grace Hopper")
    b.type("#new-customer-email", "GRACE@example.test")
    b.click("#new-booking-submit")
    dialog_closed(b, "#new-booking-dialog")
    trim = api.reservations_at(api.chair2, at(day, 10, 30))
    check(len(trim) == 1 and trim[0]["service"] == beard["id"] and epoch(trim[0]["end"]) == at(day, 10, 45)
          and trim[0]["customer_id"] == moved["customer_id"],
          f"a 15-minute beard trim at 10:30 for the same customer record: {trim}")
    wait_text(b, f'#calendar .booking[data-id="{trim[0]["id"]}"]', "Beard trim")
    print("  staff book a service with the mouse, for the customer they already have")
    return moved


def staff_week_waitlist_customers(b, api, day, grace_booking):
    b.click("#view-week")
    b.wait_for("#calendar.week .day-cell")
    block(b, grace_booking["id"])
    checked(b, "staff-week")
    b.click("#view-day")
    b.wait_for("#calendar.day .cell")

    # The waitlist of Chair 1: someone waits for its noon hour, which a walk-in took.
    api.book(api.chair1, at(day, 12), at(day, 13), customer="walk-in")
    wanda = api.customer("Wanda Waiting", "wanda@example.test")
    entry = api.call("POST", "/waitlist", {"allocations": [{"resource": api.chair1}],
                                           "earliest_start": rfc3339(at(day, 12)), "latest_start": rfc3339(at(day, 12)),
                                           "duration": 3600, "customer_id": wanda["id"]})
    check(entry["status"] == "waiting", f"the entry waits: {entry}")
    go(b, "waitlist", "#waitlist-resource")
    Select(b.wait_for("#waitlist-resource")).select_by_value(str(api.chair1))
    wait_text(b, "#waitlist-table tbody", "Wanda Waiting")
    checked(b, "staff-waitlist")

    go(b, "customers", "#customer-query")
    b.type("#customer-query", "grace")
    b.click("#customer-search")
    wait_text(b, "#customer-results tbody", "grace@example.test")
    b.click(".customer-open")
    b.wait_for("#customer-history")
    wait_text(b, "#customer-history-heading", "Grace Hopper")
    b.wait_for(f'.history-open[data-id="{grace_booking["id"]}"]')
    checked(b, "staff-customers")
    b.click(f'.history-open[data-id="{grace_booking["id"]}"]')
    wait_text(b, "#booking-details", "Grace Hopper")
    # The dialog moves focus into itself once it has opened; Escape goes to what has focus
    # then (on a loaded machine the key could otherwise reach an element not yet shown).
    b.wait_until(lambda d: d.execute_script(
        "return !!document.activeElement && !!document.activeElement.closest('#booking-dialog')"),
        "focus inside the booking dialog")
    b.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    dialog_closed(b, "#booking-dialog")
    print("  staff see the week, the waitlist of a resource, and a customer's booking history")


def staff_phone(srv, api, day):
    b = open_browser(390, 844)
    # Without a business in the address the page asks for it.
    b.open(f"{srv.base}/staff")
    b.type("#business-slug", srv.slug + "\n")
    b.wait_for("#login-form")
    check(b.driver.current_url.endswith(f"/staff/{srv.slug}"), f"the address names the business: {b.driver.current_url}")
    sign_in(b, srv, "staff", srv.staff_email, srv.staff_password)
    day_view_at(b, day)
    box = b.wait_for("#calendar-scroll")
    check(b.driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", box),
          "at 390 px the timeline scrolls sideways inside its box")
    checked(b, "staff-day")
    b.click("#calendar .booking")
    b.wait_for("#booking-dialog")
    checked(b, "staff-booking")
    b.click("#booking-close")
    dialog_closed(b, "#booking-dialog")
    b.click("#view-week")
    b.wait_for("#calendar.week .day-cell")
    checked(b, "staff-week")
    go(b, "waitlist", "#waitlist-resource")
    b.wait_for("#waitlist-table")
    checked(b, "staff-waitlist")
    go(b, "customers", "#customer-query")
    b.type("#customer-query", "wanda")
    b.click("#customer-search")
    b.click(".customer-open")
    wait_text(b, "#customer-history-heading", "Wanda Waiting")
    checked(b, "staff-customers")

    # The same staff account on the admin pages: told plainly it is not for them.
    b.open(f"{srv.base}/admin/{srv.slug}")
    wait_text(b, "#access-denied", "for administrators")
    check(not b.driver.find_element("css selector", "#app").is_displayed(), "no admin view is shown to staff")
    checked(b, "admin-denied")
    close(b)
    print("  at 390 px: the calendar scrolls in its box, every staff view passes axe; staff are kept off the admin pages")


# --- the admin pages
def user(api, uid):
    return next(u for u in api.call("GET", "/users?limit=1000") if u["id"] == uid)


def admin_users(b, srv, api):
    b.wait_for("#users-table tbody tr")
    wait_text(b, "#users-table tbody", srv.staff_email)
    checked(b, "admin-users")
    b.type("#new-user-name", "Carla Casual")
    b.type("#new-user-email", "carla@harbour-salon.test")
    Select(b.wait_for("#new-user-role")).select_by_value("customer")
    b.type("#new-user-password", "a long first password")
    b.click("#create-user")
    wait_text(b, "#status", "Carla Casual")
    users = api.call("GET", "/users?limit=1000")
    carla = next(u for u in users if u["email"] == "carla@harbour-salon.test")
    check(carla["role"] == "customer", f"the user was created as a customer: {carla}")

    Select(b.wait_for(f'select.user-role[data-id="{carla["id"]}"]')).select_by_value("staff")
    b.click(f'.save-role[data-id="{carla["id"]}"]')
    wait_text(b, "#status", "now staff")
    check(user(api, carla["id"])["role"] == "staff", "the API reads the new role")

    b.click(f'.disable-user[data-id="{carla["id"]}"]')
    b.wait_for("#confirm-dialog")
    check(b.driver.switch_to.active_element.get_attribute("id") == "confirm-no",
          "the confirmation starts on the safe answer")
    b.click("#confirm-yes")
    wait_text(b, "#status", "disabled")
    check(user(api, carla["id"])["state"] == "disabled", "the API reads the account disabled")
    b.click(f'.enable-user[data-id="{carla["id"]}"]')
    wait_text(b, "#status", "active again")
    check(user(api, carla["id"])["state"] == "active", "the API reads the account active again")
    print("  admins add a user, change their role, disable and enable them")


def admin_keys(b, srv, api):
    go(b, "keys", "#create-key-form")
    b.type("#key-name", "Website widget")
    b.click("#create-key")
    b.wait_for("#key-secret-dialog")
    secret = b.wait_until(lambda d: d.find_element("css selector", "#key-secret").get_attribute("value"),
                          "the new key's secret")
    check(secret.startswith("boka_"), f"the secret is an API key: {secret[:6]}...")
    checked(b, "admin-key-secret")
    status, _, _ = srv.api("GET", f"{api.t}/resources", token=secret)
    check(status == 200, f"the new key works: {status}")
    b.click("#key-secret-done")
    dialog_closed(b, "#key-secret-dialog")
    check(secret not in b.driver.page_source, "the secret is gone from the page once the dialog closes")
    check(b.driver.execute_script("return JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
          .find(secret) < 0, "the secret was never in web storage")
    key_id = int(secret.split("_")[1])
    b.wait_for(f'#api-keys-table tr[data-id="{key_id}"]')
    checked(b, "admin-keys")

    b.click(f'.revoke-key[data-id="{key_id}"]')
    b.wait_for("#confirm-dialog")
    wait_text(b, "#confirm-title", "Website widget")
    b.click("#confirm-yes")
    wait_text(b, f'#api-keys-table tr[data-id="{key_id}"]', "revoked")
    keys = api.call("GET", "/api/admin/api-keys?limit=1000")
    check(next(k for k in keys if k["id"] == key_id)["revoked_at"], "the API shows revoked_at set")
    status, _, _ = srv.api("GET", f"{api.t}/resources", token=secret)
    check(status == 401, f"the revoked key no longer authenticates: {status}")
    print("  admins create an API key (its secret shown once) and revoke it")


def admin_security_audit_health(b, srv, api):
    status, _, _ = srv.api("POST", "/api/auth/login",
                           {"tenant": srv.tenant, "email": "nobody@harbour-salon.test", "password": "not the password"},
                           token="")
    check(status == 401, f"a failed sign-in: {status}")
    go(b, "security", "#mfa-stats .numbers")
    wait_text(b, "#failed-logins tbody", "nobody@harbour-salon.test")
    b.wait_for("#security-report .numbers")
    checked(b, "admin-security")

    go(b, "audit", "#audit-table tbody tr")
    checked(b, "admin-audit")
    b.click("#audit-verify")
    b.wait_for('#audit-result[data-ok="true"]')
    wait_text(b, "#audit-result", "OK")
    if b.find_all("#audit-next:enabled"):
        b.click("#audit-next")
        wait_text(b, "#audit-page", "Records")
    print("  admins see failed sign-ins and verify the audit trail: OK")

    go(b, "health", "#health-report[data-status]")
    wait_text(b, "#health-report", "storage")
    b.wait_until(lambda d: text(b, "#backups-status") or b.find_all("#backups-table tbody tr"),
                 "the backups view to say what it has")
    checked(b, "admin-health")
    print("  admins read the detailed health report and the backups view")


def admin_phone(srv):
    b = open_browser(390, 844)
    sign_in(b, srv, "admin", srv.admin_email, srv.admin_password, secret=srv.admin_totp_secret)
    b.wait_for("#users-table tbody tr")
    checked(b, "admin-users")
    for view, ready in (("keys", "#api-keys-table tbody tr"), ("security", "#mfa-stats .numbers"),
                        ("audit", "#audit-table tbody tr"), ("health", "#health-report[data-status]")):
        go(b, view, ready)
        checked(b, f"admin-{view}")
    b.click("#logout")
    b.wait_for("#login-form")
    status = b.driver.execute_script(
        "return fetch('/api/auth/me', {credentials: 'same-origin'}).then(r => r.status)")
    check(status == 401, f"signing out ends the session: /api/auth/me answers {status}")
    close(b)
    print("  at 390 px every admin view passes axe; signing out ends the session")


def operator_backs_up(srv, api):
    """A superadmin with MFA (an operator) may make backups: "Back up now" writes one and the
    list shows it."""
    email = "otto@harbour-salon.test"
    api.call("POST", "/users", {"email": email, "password": PASSWORD, "display_name": "Otto Operator",
                                "role": "superadmin"}, token=srv.emergency_key)
    session = srv.login(email, PASSWORD)["token"]
    secret = api.call("POST", "/api/auth/mfa/enroll", {}, token=session)["secret"]
    api.call("POST", "/api/auth/mfa/confirm", {"code": totp(secret)}, token=session)

    b = open_browser()
    sign_in(b, srv, "admin", email, PASSWORD, secret=secret, role="superadmin")
    go(b, "health", "#health-report[data-status]")
    wait_text(b, "#backups-empty", "No backups yet")
    b.click("#backup-now")
    said = wait_text(b, "#backups-status", "Backup written")
    check("It verifies" in said, f"the new backup verifies: the page says {said!r}")
    b.wait_for("#backups-table tbody tr")
    backups = api.call("GET", "/api/admin/backups", token=srv.emergency_key)
    check(len(backups) == 1 and backups[0]["kind"] == "manual", f"the API lists the one manual backup: {backups}")
    last_backup = ("return [...document.querySelectorAll('#health-report dt')]"
                   ".find((dt) => dt.textContent === 'Last backup')?.nextElementSibling?.textContent || ''")
    b.wait_until(lambda d: d.execute_script(last_backup) not in ("", "Never"),
                 "the health report to name the last backup")
    checked(b, "admin-backups")
    close(b)
    print("  an operator backs up from the health view; the backup verifies and is listed")


def main():
    srv = WebServer(env={"BOKA_BACKUP_DIR": scratch()})
    api = Api(srv)
    day = test_day()
    try:
        # A week later than the other staff flows, so they never meet.
        visitor_booking_cancelled_by_staff(srv, api, day + timedelta(days=7))
        b = staff_day(srv, api, day)
        grace_booking = staff_books_with_the_keyboard(b, api, day)
        staff_week_waitlist_customers(b, api, day, grace_booking)
        close(b)
        staff_phone(srv, api, day)

        b = open_browser()
        sign_in(b, srv, "admin", srv.admin_email, srv.admin_password, secret=srv.admin_totp_secret)
        admin_users(b, srv, api)
        admin_keys(b, srv, api)
        admin_security_audit_health(b, srv, api)
        close(b)
        admin_phone(srv)
        operator_backs_up(srv, api)
    except BaseException:
        for i, b in enumerate(list(browsers)):
            try:
                print(f"failure screenshot: {b.screenshot(f'failure-staff-admin-{i}')} ({b.driver.current_url})",
                      file=sys.stderr)
            except Exception:
                traceback.print_exc()
        raise
    finally:
        for b in list(browsers):
            b.quit()
        srv.stop()
    print("staff/admin web: ok")


if __name__ == "__main__":
    main()
