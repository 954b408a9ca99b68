"""Browser test harness of the web app (web/, served by boka-server): a real boka-server on a
SQLite file with one seeded business (WebServer), and headless Chromium driven by Selenium
(Browser), with axe-core for accessibility, screenshots and page-weight measurements.

Reuses the e2e harness (tests/e2e/harness.py: processes, Client, boka-admin, oathtool).
Chromium, chromedriver and python3-selenium are Debian packages (scripts/install-deps.sh);
axe-core comes from npm and is installed under $BOKA_BUILD_DIR/tools on first use.

    from browser import WebServer, Browser, check, totp
    srv = WebServer()
    b = Browser(width=390, height=844, zone="America/New_York")
    b.open(srv.base + "/book/" + srv.slug)
    b.axe_check("book-week"); b.screenshot("book-week")
    b.quit(); srv.stop()
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("BOKA_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
DEBIAN_PYTHON = os.environ.get("BOKA_DEBIAN_PYTHON", "/usr/bin/python3")

# Selenium is Debian's python3-selenium: run by /usr/bin/python3 when the interpreter that
# started the test (a pyenv one first on PATH, say) does not have it.
try:
    import selenium  # noqa: F401
except ImportError:
    main = sys.modules.get("__main__")
    if (os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(DEBIAN_PYTHON)
            and getattr(main, "__file__", None)):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(main.__file__), *sys.argv[1:]])
    raise

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# Run directly (not by ctest): the binaries of the release build, when there is one.
BUILD_DIR = os.environ.setdefault("BOKA_BUILD_DIR", os.path.join(SOURCE, "build", "release"))
for _var, _path in (("BOKA_SERVER", "examples/server/boka-server"), ("BOKA_WORKER", "examples/boka-worker"),
                    ("BOKA_ADMIN", "examples/boka-admin")):
    if _var not in os.environ and os.path.exists(os.path.join(BUILD_DIR, _path)):
        os.environ[_var] = os.path.join(BUILD_DIR, _path)
os.environ.setdefault("BOKA_SOURCE_DIR", SOURCE)

sys.path.insert(0, os.path.join(SOURCE, "tests", "e2e"))
import harness  # noqa: E402,F401  (harness.totp, harness.Client, ... for the tests)
from harness import Server, admin, check, free_port, rfc3339, scratch  # noqa: E402,F401

CHROMIUM = os.environ.get("BOKA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BOKA_CHROMEDRIVER", "/usr/bin/chromedriver")
TOOLS = os.path.join(BUILD_DIR, "tools")
SCREENSHOTS = os.path.join(BUILD_DIR, "web-screenshots")
WEB_DIR = os.path.join(SOURCE, "web")
PASSWORD = "web test password 1"

_used_steps = {}  # secret -> the last TOTP time step handed out (one code opens one session)


def _code_at(secret, t):
    return subprocess.run(["oathtool", "--totp", "-b", "-N", f"@{int(t)}", secret], capture_output=True,
                          text=True, check=True).stdout.strip()


def totp(secret):
    """The current TOTP code of `secret`, computed by oathtool (as harness.totp). boka accepts
    each 30-second step's code once, so when this process already handed out the current step's
    code (WebServer's enrolment used one), this waits for the next step."""
    while True:
        now = time.time()
        step = int(now // 30)
        if step > _used_steps.get(secret, -1):
            _used_steps[secret] = step
            return _code_at(secret, now)
        time.sleep(30 - now % 30 + 0.05)


def slug_of(name):
    """The slug boka-server derives from a tenant's name: lower case, every run of characters
    other than a-z and 0-9 one "-", none at either end."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class WebServer:
    """A real boka-server serving the web app (BOKA_WEB_DIR=<source>/web) on a SQLite file in a
    scratch directory, with one business seeded:

    tenant "Harbour Salon" (slug harbour-salon), two chairs in Europe/Berlin open Monday to
    Saturday 09:00-17:00 on a 15-minute grid, the pool "Chairs" of both, the services
    "Haircut" (30 min, EUR 35.00, one chair of the pool) and "Beard trim" (15 min, Chair 2),
    both customer_bookable; an admin with TOTP enrolled and confirmed (admin_token: a session
    that passed MFA) and a staff user without MFA."""

    NAME = "Harbour Salon"
    ZONE = "Europe/Berlin"
    OPEN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    OPEN_MINUTES = (9 * 60, 17 * 60)

    def __init__(self, env=None):
        self.dir = scratch()
        self.database = "sqlite:" + os.path.join(self.dir, "boka.db")
        self.tenant = int(admin("create-tenant", "--name", self.NAME, database=self.database).stdout)
        self.slug = slug_of(self.NAME)
        self.zone = self.ZONE
        self.emergency_key = admin("generate-emergency-key", "--hours", "2", database=self.database).stdout.strip()
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.encryption_key = base64.b64encode(os.urandom(32)).decode()
        self.server = Server(self.database, port=port, log_dir=self.dir, env={
            "ENCRYPTION_KEY": self.encryption_key,
            "BOKA_WEB_DIR": WEB_DIR,
            "BOKA_PUBLIC_URL": self.base,
            "TOTP_SERVICE_NAME": "boka-web-test",
            **(env or {}),
        })
        self.log = self.server.log  # standard output and error
        self.access_log = self.server.env["BOKA_ACCESS_LOG"]
        self.server.start()
        self.client = self.server.client
        self._seed()

    # --- HTTP
    def api(self, method, path, body=None, token=None, headers=None):
        """`method path` with a JSON body; Authorization: Bearer admin_token unless `token` is
        given ('' sends none). Returns (status, headers, parsed JSON or text)."""
        client = self.client.with_token(self.admin_token if token is None else token)
        r = client.request(method, path, body, headers=headers)
        content_type = r.headers.get("Content-Type", "")
        parsed = r.body
        if "json" in content_type and r.body:
            try:
                parsed = json.loads(r.body)
            except ValueError:
                pass
        return r.status, r.headers, parsed

    def _must(self, method, path, body=None, token=None, status=(200, 201)):
        s, _, data = self.api(method, path, body, token=token)
        check(s in ((status,) if isinstance(status, int) else status), f"seeding: {method} {path}: {s} {data}")
        return data

    def login(self, email, password, mfa_code=None):
        body = {"tenant": self.tenant, "email": email, "password": password}
        if mfa_code:
            body["mfa_code"] = mfa_code
        return self._must("POST", "/api/auth/login", body, token="")

    def logs(self):
        """The server's output and its access log, as text."""
        out = []
        for path in (self.log, self.access_log):
            try:
                with open(path, errors="replace") as f:
                    out.append(f.read())
            except FileNotFoundError:
                pass
        return "\n".join(out)

    def stop(self):
        return self.server.stop()

    # --- the business
    def _seed(self):
        self.admin_token = self.emergency_key  # a superadmin key while seeding
        t = f"/api/tenants/{self.tenant}"
        open_, close = self.OPEN_MINUTES
        schedule = self._must("POST", t + "/schedules", {
            "name": "Opening hours",
            "weekly": [{"day": d, "intervals": [{"start_minute": open_, "end_minute": close}]}
                       for d in self.OPEN_DAYS]})
        self.schedule = schedule
        self.resources = [self._must("POST", t + "/resources", {
            "name": name, "zone": self.ZONE, "capacity": 1, "schedule": schedule["id"],
            "policy": {"slot_step": 900}}) for name in ("Chair 1", "Chair 2")]
        chair1, chair2 = (r["id"] for r in self.resources)
        self.pool = self._must("POST", t + "/pools", {"name": "Chairs", "members": [chair1, chair2]})
        self.services = [
            self._must("POST", t + "/services", {
                "name": "Haircut", "duration": 1800, "allocations": [{"pool": self.pool["id"]}],
                "price_minor": 3500, "currency": "EUR", "customer_bookable": True}),
            self._must("POST", t + "/services", {
                "name": "Beard trim", "duration": 900, "allocations": [{"resource": chair2}],
                "customer_bookable": True}),
        ]

        # The admin: TOTP enrolled and confirmed; admin_token passed MFA.
        self.admin_email, self.admin_password = "owner@harbour-salon.test", PASSWORD
        self._must("POST", t + "/users", {"email": self.admin_email, "password": self.admin_password,
                                          "display_name": "Olga Owner", "role": "admin"})
        session = self.login(self.admin_email, self.admin_password)
        enrolment = self._must("POST", "/api/auth/mfa/enroll", {}, token=session["token"])
        self.admin_totp_secret = enrolment["secret"]
        # Confirmed with the previous step's code (boka allows one step of drift), so the
        # current step's code stays unused for a login by the test itself.
        previous = int(time.time() // 30) - 1
        _used_steps[self.admin_totp_secret] = previous
        confirmed = self._must("POST", "/api/auth/mfa/confirm",
                               {"code": _code_at(self.admin_totp_secret, previous * 30 + 15)},
                               token=session["token"])
        check(not confirmed["mfa_pending"], f"MFA confirmed: {confirmed}")
        self.admin_recovery_codes = confirmed["recovery_codes"]
        self.admin_token = confirmed["token"]
        s, _, me = self.api("GET", t + "/users?limit=1")  # an admin-only route: MFA passed
        check(s == 200, f"the admin session passed MFA: {s} {me}")

        # Staff, password only.
        self.staff_email, self.staff_password = "sam@harbour-salon.test", PASSWORD
        self._must("POST", t + "/users", {"email": self.staff_email, "password": self.staff_password,
                                          "display_name": "Sam Staff", "role": "staff"})


class Browser:
    """Headless Chromium (a fresh profile per instance) at width x height, its time zone `zone`
    (the TZ of chromedriver and Chromium, and the DevTools override)."""

    def __init__(self, width=1280, height=900, zone="America/New_York"):
        self.width, self.height, self.zone = width, height, zone
        self.profile = tempfile.mkdtemp(prefix="boka-web-profile-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-sync", "--disable-component-update",
                    "--lang=en-US", "--hide-scrollbars", f"--user-data-dir={self.profile}",
                    f"--window-size={width},{height}"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(CHROMEDRIVER, env={**os.environ, "TZ": zone, "LANG": "en_US.UTF-8"},
                          log_path=os.devnull)
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(60)
        self.driver.set_page_load_timeout(60)
        self.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": zone})
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    # --- navigation and elements
    def open(self, url):
        self.driver.get(url)
        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def wait_for(self, css, timeout=10, visible=True):
        """The first element matching `css` once it is there (and displayed, unless
        visible=False)."""
        condition = EC.visibility_of_element_located if visible else EC.presence_of_element_located
        try:
            return WebDriverWait(self.driver, timeout).until(condition((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(f"{css} did not appear within {timeout} s on {self.driver.current_url}") from None

    def wait_until(self, predicate, what, timeout=10):
        """Waits until predicate(driver) is truthy; returns its value."""
        try:
            return WebDriverWait(self.driver, timeout).until(predicate)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what} on {self.driver.current_url}") from None

    def wait_for_text(self, css, text, timeout=10):
        """Waits until the element matching `css` contains `text`; returns the element."""
        self.wait_until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
                        f"{css} to contain {text!r} (has {self.text_of(css)!r})", timeout)
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text_of(self, css):
        elements = self.driver.find_elements(By.CSS_SELECTOR, css)
        return elements[0].text if elements else None

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css, timeout=10):
        element = self.wait_until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)), f"{css} clickable", timeout)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return element

    def type(self, css, text, clear=True):
        element = self.wait_for(css)
        if clear:
            element.clear()
        element.send_keys(text)
        return element

    def accept_confirm(self, timeout=2):
        """Accepts a window.confirm() if one opens within `timeout` s; True if there was one."""
        try:
            WebDriverWait(self.driver, timeout).until(EC.alert_is_present())
        except TimeoutException:
            return False
        try:
            self.driver.switch_to.alert.accept()
            return True
        except NoAlertPresentException:
            return False

    def console_errors(self):
        """Severe browser console messages since the last call (CSP violations, script errors)."""
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    # --- accessibility
    def axe_check(self, label):
        """Runs axe-core on the current page; raises AssertionError listing every violation of
        impact serious or critical. Returns the whole result."""
        self.driver.execute_script(_axe_source())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " targets: v.nodes.map(n => n.target.join(' '))}))}))"
            ".catch(e => done({error: String(e)}));")
        check("error" not in result, f"axe-core failed on {label}: {result.get('error')}")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            lines = [f"  {v['impact']} {v['id']}: {v['help']} at {', '.join(v['targets'][:8])}" for v in bad]
            message = (f"axe-core: {len(bad)} serious or critical violations on {label} "
                       f"({self.width}x{self.height}, {self.driver.current_url}):\n" + "\n".join(lines))
            if os.environ.get("BOKA_AXE_REPORT_ONLY") == "1":  # while working on a page: go on
                print(message, file=sys.stderr)
            else:
                raise AssertionError(message)
        return result

    # --- artifacts
    def screenshot(self, label):
        """The whole page as <BOKA_BUILD_DIR>/web-screenshots/<label>-<width>.png."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{label}-{self.width}.png")
        try:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": max(self.width, size["width"]),
                         "height": max(self.height, min(size["height"], 16000)), "scale": 1}})
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        except Exception:  # the viewport, at least
            self.driver.save_screenshot(path)
        return path

    def measure(self, url):
        """Loads `url` with the cache disabled (this profile is fresh anyway) and measures it:
        bytes transferred by the navigation and every resource it loaded (scripts, styles,
        images, the API calls of its scripts), first contentful paint and DOMContentLoaded
        (milliseconds after the navigation started)."""
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        self.open(url)
        # Until the page's own requests are done: the resource list stable for a second.
        last, stable_since = -1, time.time()
        deadline = time.time() + 20
        while time.time() < deadline:
            n = self.driver.execute_script("return performance.getEntriesByType('resource').length")
            if n != last:
                last, stable_since = n, time.time()
            elif time.time() - stable_since >= 1.0:
                break
            time.sleep(0.1)
        data = self.wait_until(lambda d: d.execute_script("""
            const nav = performance.getEntriesByType('navigation')[0];
            const fcp = performance.getEntriesByName('first-contentful-paint')[0];
            if (!nav || !fcp || !nav.loadEventEnd) return null;
            const resources = performance.getEntriesByType('resource');
            return {
              navigation_bytes: nav.transferSize,
              resources: resources.map(r => ({name: r.name, bytes: r.transferSize, type: r.initiatorType})),
              first_contentful_paint_ms: fcp.startTime,
              dom_content_loaded_ms: nav.domContentLoadedEventEnd,
              load_ms: nav.loadEventEnd};"""), "the navigation's timings and first contentful paint", 20)
        self.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
        total = data["navigation_bytes"] + sum(r["bytes"] for r in data["resources"])
        return {"url": url, "bytes": total, "first_contentful_paint_ms": round(data["first_contentful_paint_ms"], 1),
                "dom_content_loaded_ms": round(data["dom_content_loaded_ms"], 1), "load_ms": round(data["load_ms"], 1),
                "navigation_bytes": data["navigation_bytes"], "resources": data["resources"],
                "width": self.width, "height": self.height}

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


_axe = None


def _axe_source():
    """axe-core's browser build, installed from npm under $BOKA_BUILD_DIR/tools once."""
    global _axe
    if _axe is None:
        path = os.path.join(TOOLS, "node_modules", "axe-core", "axe.min.js")
        if not os.path.exists(path):
            subprocess.run(["npm", "install", "--prefix", TOOLS, "--no-audit", "--no-fund", "axe-core@4"], check=True)
        with open(path) as f:
            _axe = f.read()
    return _axe


def query(value):
    """A query value, percent-encoded (RFC 3339 times carry ':' and maybe '+')."""
    return urllib.parse.quote(value, safe="")
