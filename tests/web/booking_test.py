#!/usr/bin/env python3
"""The public booking pages in headless Chromium against a real boka-server (tests/web/
browser.py): a visitor in New York books at a salon in Berlin.

1. a visitor books a haircut through /book/<slug>: the API shows one confirmed reservation at
   that start for a customer with the visitor's email; the manage link shows "Confirmed";
2. staff cancel it through the API: the manage page shows "Cancelled" after a reload;
3. a race for the last free start of a day: A books it, B (whose page still shows it) is
   told it was "just taken" and offered the next free start, the one the API gives;
4. a day without a free start: the visitor joins the waitlist for it; the API lists the
   entry for the visitor's customer record;
5. booking with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows, typing);
6. the visitor cancels through the manage page;
7. axe-core finds nothing serious or critical on the week view, the details form, the
   confirmation and the manage page, at 1280x900 and 390x844 (screenshots of each kept under
   <BOKA_BUILD_DIR>/web-screenshots);
8. the first view's weight and first contentful paint (measure.json there too).

No page may log a Content Security Policy violation or an uncaught error, and the server's
logs never contain a manage-link token."""
import json
import os
import re
import sys
import traceback
import urllib.parse
from datetime import datetime, time as dtime, timedelta
from zoneinfo import ZoneInfo

from browser import SCREENSHOTS, Browser, WebServer, check, query, rfc3339  # first: it finds Selenium

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
VISITOR_ZONE = "America/New_York"
browsers = []


def open_browser(width=1280, height=900):
    b = Browser(width=width, height=height, zone=VISITOR_ZONE)
    browsers.append(b)
    return b


def close(b):
    problems = [m for m in b.console_errors() if "Content Security Policy" in m or "Uncaught" in m]
    b.quit()
    browsers.remove(b)
    check(not problems, "the browser console reports:\n  " + "\n  ".join(problems))


# --- time
def epoch(text):
    """An RFC 3339 instant (any offset, with or without a fraction) as Unix seconds."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def at(day, hour, minute=0):
    """Unix seconds of `day` hour:minute in Berlin."""
    return int(datetime.combine(day, dtime(hour, minute), BERLIN).timestamp())


def open_days(count):
    """The next `count` days the salon is open (Monday to Saturday), from the day after
    tomorrow in Berlin on."""
    day = datetime.now(BERLIN).date() + timedelta(days=2)
    days = []
    while len(days) < count:
        if day.weekday() != 6:
            days.append(day)
        day += timedelta(days=1)
    return days


# --- the API
class Api:
    def __init__(self, srv):
        self.srv = srv
        self.t = f"/api/tenants/{srv.tenant}"
        self.haircut = next(s for s in srv.services if s["name"] == "Haircut")
        self.beard = next(s for s in srv.services if s["name"] == "Beard trim")
        self.chairs = [r["id"] for r in srv.resources]

    def call(self, method, path, body=None, token=None, status=(200, 201)):
        s, _, data = self.srv.api(method, self.t + path, body, token=token)
        check(s in status, f"{method} {path}: {s} {data}")
        return data

    def free_starts(self, service, start, end):
        page = self.call("POST", "/availability", {"service": service["id"], "from": rfc3339(start), "to": rfc3339(end)})
        return [epoch(s["start"]) for s in page["slots"]]

    def block(self, chair, start, end):
        """A direct booking of `chair` over [start, end) by staff: the API filling a day."""
        return self.call("POST", "/reservations", {"allocations": [{"resource": chair}], "start": rfc3339(start),
                                                   "end": rfc3339(end), "customer": "walk-in"})

    def reservations_at(self, start, statuses=None):
        path = f"/reservations?limit=1000&from={query(rfc3339(start))}&to={query(rfc3339(start + 60))}"
        if statuses:
            path += "&status=" + statuses
        return [r for r in self.call("GET", path) if epoch(r["start"]) == start]

    def reservation(self, rid):
        return self.call("GET", f"/reservations/{rid}")

    def customer(self, cid):
        return self.call("GET", f"/customers/{cid}")


# --- the booking page
def week_html(b):
    return b.driver.execute_script("const w = document.querySelector('#week'); return w ? w.innerHTML : null")


def settle(b, timeout=15):
    """Waits until the week grid is there and has stopped changing (its data loaded)."""
    b.wait_for("#week", timeout=timeout, visible=False)
    state = {"html": None, "count": 0}

    def stable(_):
        html = week_html(b)
        busy = b.driver.execute_script(
            "return !!document.querySelector('#week[aria-busy=\"true\"], #week [aria-busy=\"true\"]')")
        if html is not None and html == state["html"] and not busy:
            state["count"] += 1
        else:
            state["html"], state["count"] = html, 0
        return state["count"] >= 3

    b.wait_until(stable, "the week grid to settle", timeout)


def wait_text(b, css, timeout=10):
    """Waits until the element matching `css` shows some text; returns the text."""
    return b.wait_until(lambda _: (b.text_of(css) or "").strip(), f"text in {css}", timeout)


def slot_button(b, start):
    """The free-start button of `start` shown now, or None (data-start compared as instants)."""
    return b.driver.execute_script(
        "return [...document.querySelectorAll('#week button.slot')]"
        ".find(e => Date.parse(e.dataset.start) === arguments[0]) || null", start * 1000)


def show_slot(b, start, weeks=8):
    """Moves the week view forward until the button of `start` shows; returns it."""
    for _ in range(weeks):
        settle(b)
        button = slot_button(b, start)
        if button is not None:
            return button
        before = week_html(b)
        b.click("#next-week")
        b.wait_until(lambda _: week_html(b) != before, "the next week")
    raise AssertionError(f"no free start {rfc3339(start)} within {weeks} weeks of the booking page")


def choose_service(b, name):
    select = Select(b.wait_for("#service"))
    option = next((o for o in select.options if name in o.text), None)
    check(option is not None, f"#service has no {name}: {[o.text for o in select.options]}")
    if not option.is_selected():
        select.select_by_value(option.get_attribute("value"))
    settle(b)


def book_page(srv):
    return f"{srv.base}/book/{srv.slug}"


def book_through_page(b, srv, start, name, email, notes="", label=None):
    """Books Haircut at `start` through the booking page; returns the manage link's path.
    With `label`, checks each state with axe-core and screenshots it."""
    b.open(book_page(srv))
    choose_service(b, "Haircut")
    button = show_slot(b, start)
    if label:
        b.axe_check(f"{label}: week view")
        b.screenshot(f"{label}-week")
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    b.wait_for("#details-form")
    wait_text(b, "#hold-timer")
    b.type("#name", name)
    b.type("#email", email)
    if notes:
        b.type("#notes", notes)
    if label:
        b.axe_check(f"{label}: details form")
        b.screenshot(f"{label}-details")
    b.click("#book-button")
    return confirmation(b, start, label)


def confirmation(b, start, label=None):
    b.wait_for("#confirmation", timeout=15)
    link = b.wait_for("a#manage-link")
    href = link.get_attribute("href")
    path = urllib.parse.urlsplit(href).path
    check(re.fullmatch(r"/manage/[A-Za-z0-9_-]{20,}", path), f"the manage link: {href}")
    local = datetime.fromtimestamp(start, BERLIN)
    text = b.text_of("#confirmation")
    wanted = [f"{local.hour:02d}:{local.minute:02d}", f"{local.hour}:{local.minute:02d}",
              f"{(local.hour - 1) % 12 + 1}:{local.minute:02d}"]  # 24- or 12-hour clock
    check(any(w in text for w in wanted), f"the confirmation does not show {wanted[0]} (Berlin): {text!r}")
    if label:
        b.axe_check(f"{label}: confirmation")
        b.screenshot(f"{label}-confirmation")
    return path


def manage_status(b, srv, path, wanted, reload=True, label=None):
    if reload:
        b.open(srv.base + path)
    b.wait_for_text("#booking-status", wanted, timeout=15)
    b.wait_for("#booking-when")
    if label:
        b.axe_check(f"{label}: manage page")
        b.screenshot(f"{label}-manage")


def confirm_cancel(b):
    """Confirms the cancel #cancel-button asked for: a window.confirm(), or the page's own
    question (#cancel-confirm with its #cancel-yes button, or #cancel-confirm as the button)."""
    if b.accept_confirm(timeout=1):
        return

    def shown(_):
        for css in ("#cancel-yes", "button#cancel-confirm"):
            if any(e.is_displayed() for e in b.find_all(css)):
                return css
        return None

    b.click(b.wait_until(shown, "the cancel's confirmation (#cancel-yes or button#cancel-confirm)", timeout=5))


# --- the tests
def first_view_is_measured(srv):
    b = open_browser()
    m = b.measure(book_page(srv))
    close(b)
    print(f"booking page: {m['bytes']} bytes, first contentful paint {m['first_contentful_paint_ms']:.0f} ms"
          f" (DOMContentLoaded {m['dom_content_loaded_ms']:.0f} ms, {len(m['resources'])} resources)")
    os.makedirs(SCREENSHOTS, exist_ok=True)
    with open(os.path.join(SCREENSHOTS, "measure.json"), "w") as f:
        json.dump({"booking_page": m}, f, indent=2)
    check(m["bytes"] > 0, f"nothing transferred: {m}")


def books_and_staff_cancel(srv, api, day):
    """Tests 1, 2 and 7 at 1280x900."""
    b = open_browser(1280, 900)
    b.open(book_page(srv))
    settle(b)
    business, visitor = b.text_of("#business-zone") or "", b.text_of("#visitor-zone") or ""
    check("Berlin" in business, f"#business-zone: {business!r}")
    check("New York" in visitor.replace("_", " "), f"#visitor-zone: {visitor!r}")

    start = at(day, 10)
    email = "ada.visitor@example.com"
    path = book_through_page(b, srv, start, "Ada Visitor", email, notes="short at the back", label="book")
    booked = api.reservations_at(start, "confirmed")
    check(len(booked) == 1, f"one confirmed reservation at {rfc3339(start)}: {booked}")
    r = booked[0]
    check(r["service"] == api.haircut["id"], f"booked as Haircut: {r}")
    check(r["customer_id"], f"the reservation has no customer record: {r}")
    check(api.customer(r["customer_id"])["email"] == email, f"the customer's email: {api.customer(r['customer_id'])}")
    print(f"  1. booked {rfc3339(start)} through the page: reservation {r['id']}")
    manage_status(b, srv, path, "Confirmed", label="book")
    print("  1. the manage link shows Confirmed")

    staff = srv.login(srv.staff_email, srv.staff_password)["token"]
    cancelled = api.call("POST", f"/reservations/{r['id']}/cancel", {}, token=staff)
    check(cancelled["status"] == "cancelled", f"staff cancel: {cancelled}")
    manage_status(b, srv, path, "Cancelled")
    print("  2. staff cancelled through the API; the manage page shows Cancelled")
    close(b)
    return [path]


def small_screen(srv, api, day):
    """Test 7 at 390x844: the same flow and the manage page."""
    b = open_browser(390, 844)
    start = at(day, 14)
    path = book_through_page(b, srv, start, "Bo Phone", "bo.phone@example.com", label="book")
    manage_status(b, srv, path, "Confirmed", label="book")
    close(b)
    if os.environ.get("BOKA_AXE_REPORT_ONLY") == "1":
        print("  7. axe-core run at 1280x900 and 390x844 (report only); screenshots kept")
    else:
        print("  7. axe-core: nothing serious or critical at 1280x900 and 390x844; screenshots kept")
    return [path]


def race_for_the_last_start(srv, api, day):
    """Test 3: the last free start of `day`."""
    last = at(day, 11)
    opening, closing = at(day, 9), at(day, 17)
    chair1, chair2 = api.chairs
    api.block(chair2, opening, closing)
    api.block(chair1, opening, last)
    api.block(chair1, last + 1800, closing)
    free = api.free_starts(api.haircut, opening, closing)
    check(free == [last], f"the day's only free start is {rfc3339(last)}: {[rfc3339(s) for s in free]}")

    a, b = open_browser(), open_browser()
    for x in (a, b):
        x.open(book_page(srv))
        choose_service(x, "Haircut")
        show_slot(x, last)
    button = slot_button(a, last)
    a.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    a.wait_for("#details-form")
    a.type("#name", "Ann First")
    a.type("#email", "ann.first@example.com")
    a.click("#book-button")
    path = confirmation(a, last)
    check(len(api.reservations_at(last, "confirmed")) == 1, "A's booking")

    button = slot_button(b, last)
    check(button is not None, "B's page no longer shows the slot before B picks it")
    b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    b.wait_for_text("#message", "just taken", timeout=15)
    next_free = b.wait_for("#next-free")
    offered = next_free.get_attribute("data-start")
    check(offered, "#next-free has no data-start")
    expected = api.free_starts(api.haircut, last, last + 14 * 86400)
    check(expected, "the API has no free start in the next two weeks")
    check(epoch(offered) > last, f"#next-free {offered} is not after {rfc3339(last)}")
    check(epoch(offered) == expected[0], f"#next-free {offered}, the API's next free start {rfc3339(expected[0])}")
    check(len(api.reservations_at(last, "held,confirmed")) == 1, "B's attempt booked or held something")
    print(f"  3. race: A booked {rfc3339(last)}; B was told it was just taken, next free {offered}")
    close(a)
    close(b)
    return [path]


def waitlist_for_a_full_day(srv, api, day):
    """Test 4."""
    for chair in api.chairs:
        api.block(chair, at(day, 9), at(day, 17))
    check(api.free_starts(api.haircut, at(day, 0), at(day, 23)) == [], "the day is full")
    b = open_browser()
    b.open(book_page(srv))
    choose_service(b, "Haircut")
    b.click("#waitlist-open")
    b.wait_for("#waitlist-form")
    email = "wanda.wait@example.com"
    b.type("#wl-name", "Wanda Wait")
    b.type("#wl-email", email)
    for css in ("#wl-from", "#wl-to"):
        element = b.wait_for(css)
        b.driver.execute_script(  # a date input's text format depends on the locale; set the value
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, day.isoformat())
    b.click("#waitlist-button")
    wait_text(b, "#waitlist-result", timeout=15)
    entries = api.call("GET", "/waitlist?limit=1000")
    ours = [e for e in entries if e.get("customer_id") and api.customer(e["customer_id"])["email"] == email]
    check(len(ours) == 1, f"one waitlist entry for {email}: {entries}")
    e = ours[0]
    check(e["status"] == "waiting", f"the entry waits: {e}")
    check(datetime.fromisoformat(e["earliest_start"].replace("Z", "+00:00")).astimezone(BERLIN).date() == day,
          f"the entry starts on {day}: {e}")
    check(epoch(e["latest_start"]) <= at(day + timedelta(days=1), 0), f"the entry ends with {day}: {e}")
    print(f"  4. waitlist: entry {e['id']} for {day} ({e['earliest_start']} .. {e['latest_start']})")
    close(b)


def keyboard_only(srv, api):
    """Test 5, then test 6 with the booking it made."""
    b = open_browser()
    d = b.driver
    b.open(book_page(srv))
    settle(b)

    def keys(*k):
        ActionChains(d).send_keys(*k).perform()

    def shift_tab():
        ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()

    def focused(css):
        return d.execute_script("return !!document.activeElement && document.activeElement.matches(arguments[0])", css)

    def tab_to(css, limit=500):
        for _ in range(limit):
            if focused(css):
                return
            keys(Keys.TAB)
        raise AssertionError(f"Tab never reached {css}")

    def selected_service():
        return d.execute_script("const s = document.querySelector('#service'); return s.options[s.selectedIndex].text")

    tab_to("#service")
    # The arrow keys change a closed select: away from Haircut and back.
    n = d.execute_script("return document.querySelector('#service').options.length")
    for _ in range(n):
        if "Haircut" in selected_service():
            break
        keys(Keys.ARROW_DOWN)
    if n > 1:
        keys(Keys.ARROW_DOWN if d.execute_script(
            "return document.querySelector('#service').selectedIndex") < n - 1 else Keys.ARROW_UP)
        settle(b)
        for _ in range(n):
            if "Haircut" in selected_service():
                break
            keys(Keys.ARROW_UP)
    check("Haircut" in selected_service(), f"Haircut chosen by keyboard: {selected_service()}")
    settle(b)

    for _ in range(6):  # a week without a free start: on to the next, by keyboard
        if d.execute_script("return !!document.querySelector('#week button.slot')"):
            break
        tab_to("#next-week")
        before = week_html(b)
        keys(Keys.ENTER)
        b.wait_until(lambda _: week_html(b) != before, "the next week")
        settle(b)
    tab_to("#week button.slot")
    start = epoch(d.execute_script("return document.activeElement.dataset.start"))
    keys(Keys.ENTER)
    b.wait_for("#details-form")
    tab_to("#name")
    keys("Kim Keys")
    keys(Keys.TAB)
    check(focused("#email"), "Tab from #name goes to #email")
    shift_tab()
    check(focused("#name"), "Shift+Tab from #email goes back to #name")
    keys(Keys.TAB, "kim.keys@example.com")
    tab_to("#notes")
    keys("by keyboard only")
    tab_to("#book-button")
    keys(Keys.SPACE)
    path = confirmation(b, start)
    booked = api.reservations_at(start, "confirmed")
    mine = [r for r in booked if r["customer_id"] and api.customer(r["customer_id"])["email"] == "kim.keys@example.com"]
    check(len(mine) == 1, f"the keyboard booking at {rfc3339(start)}: {booked}")
    print(f"  5. keyboard only: booked {rfc3339(start)}")

    # 6. The visitor cancels through the manage page.
    manage_status(b, srv, path, "Confirmed")
    b.click("#cancel-button")
    confirm_cancel(b)
    b.wait_for_text("#booking-status", "Cancelled", timeout=15)
    check(api.reservation(mine[0]["id"])["status"] == "cancelled", f"cancelled: {api.reservation(mine[0]['id'])}")
    print("  6. the visitor cancelled through the manage page")
    close(b)
    return [path]


def main():
    if os.path.isdir(SCREENSHOTS):  # the last run's failure screenshots
        for name in os.listdir(SCREENSHOTS):
            if name.startswith("failure-booking-"):
                os.remove(os.path.join(SCREENSHOTS, name))
    srv = WebServer()
    api = Api(srv)
    days = open_days(4)
    manage_paths = []
    try:
        first_view_is_measured(srv)
        manage_paths += books_and_staff_cancel(srv, api, days[0])
        manage_paths += race_for_the_last_start(srv, api, days[1])
        waitlist_for_a_full_day(srv, api, days[2])
        manage_paths += keyboard_only(srv, api)
        manage_paths += small_screen(srv, api, days[3])
    except BaseException:
        for i, b in enumerate(list(browsers)):
            try:
                print(f"failure screenshot: {b.screenshot(f'failure-booking-{i}')} ({b.driver.current_url})",
                      file=sys.stderr)
            except Exception:
                traceback.print_exc()
            try:
                print(f"browser console {i}:", *(e["message"] for e in b.driver.get_log("browser")),
                      sep="\n  ", file=sys.stderr)
            except Exception:
                traceback.print_exc()
        print("server output and access log (last lines):", *srv.logs().splitlines()[-40:], sep="\n  ",
              file=sys.stderr)
        raise
    finally:
        for b in list(browsers):
            b.quit()
        srv.stop()
    logs = srv.logs()
    for path in manage_paths:
        token = path.rsplit("/", 1)[1]
        check(token not in logs, "the server's logs contain a manage-link token")
    print("  the logs contain no manage-link token")
    print("web booking: ok")


if __name__ == "__main__":
    main()
