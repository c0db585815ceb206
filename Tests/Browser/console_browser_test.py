"""The console in a real browser (Debian's chromium through chromium-driver and Selenium) against a real gateway:
`contacts-gateway serve --sandbox` on a free loopback port with a new SQLite file. Run by scripts/console-browser-test.

Drives sign-in (a wrong key first), creating a key (a bad form first), using its secret against the proxy, revoking
it, creating a webhook subscription (a bad URL first) and seeing its signing secret once, deleting it, filtering
the audit trail, exporting it as CSV and JSON lines, verifying it, and signing out. After every page it
fails on anything the browser reports at warning level or above (a Content-Security-Policy violation included).
Screenshots of every page go to CONSOLE_SCREENSHOTS (a temporary folder unless set; docs/console keeps a set).

Prints one closing line, `N passed, N failed`, and exits 1 when anything failed.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parent.parent.parent
BINARY = ROOT / ".build/debug/contacts-gateway"


def replaced(page):
    """Whether the page `page` (its html element) has been replaced by another. Chromedriver reports an element of a
    page being torn down either as stale or, now and then, as "Node with given id does not belong to the document"
    (a CI run): both mean the new page has come."""
    try:
        page.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


class Gateway:
    """A real `serve --sandbox` process, its admin key read off its first-start output."""

    def __init__(self, scratch: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.stdout = open(scratch / "gateway.stdout", "w+")
        self.stderr = open(scratch / "gateway.stderr", "w+")
        env = dict(os.environ, GATEWAY_LOG_LEVEL="warning")
        self.process = subprocess.Popen(
            [str(BINARY), "serve", "--sandbox", "--listen", f"127.0.0.1:{self.port}",
             "--database", f"sqlite:{scratch / 'gateway.sqlite'}"],
            stdout=self.stdout, stderr=self.stderr, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            self.stdout.seek(0)
            text = self.stdout.read()
            if "listening on" in text:
                match = re.search(r"cgw_[A-Za-z0-9_]+", text)
                if not match:
                    raise RuntimeError("serve --sandbox printed no admin key:\n" + text)
                self.admin_key = match.group(0)
                return
            if self.process.poll() is not None:
                self.stderr.seek(0)
                raise RuntimeError("the gateway stopped: " + self.stderr.read())
            time.sleep(0.2)
        raise RuntimeError("the gateway did not start in 60s")

    def call(self, path, key):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Console:
    def __init__(self, gateway: Gateway, shots: Path, downloads: Path):
        self.gateway = gateway
        self.shots = shots
        self.downloads = downloads
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--no-first-run", "--disable-extensions"]:
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads), "download.prompt_for_download": False})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(30)
        self.wait = WebDriverWait(self.driver, 15)

    def open(self, path):
        self.driver.get(self.gateway.base + path)
        self.check_browser_log()

    def check_browser_log(self):
        """Anything the browser reports at warning or above (a CSP violation, a failed script, a 404 asset) fails."""
        entries = [e for e in self.driver.get_log("browser") if e["level"] in ("WARNING", "SEVERE")]
        # A form answered with its problem (400, 401, 403) is logged as a failed load; that answer is the point.
        entries = [e for e in entries if not re.search(r"status of (400|401|403|409)", e["message"])]
        assert not entries, "the browser reported: " + json.dumps(entries, indent=1)

    def shot(self, name):
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def submit(self, form_css):
        self.click(self.driver.find_element(By.CSS_SELECTOR, f"{form_css} button[type=submit]"))

    def click(self, element, then=None):
        """Clicks something that loads a page, and waits for the new page (`then`: what to do in between, such as
        accepting a confirmation)."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        if then:
            then()
        self.wait.until(lambda _: replaced(page))
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.check_browser_log()

    def field(self, element_id, value):
        element = self.driver.find_element(By.ID, element_id)
        element.clear()
        element.send_keys(value)

    def quit(self):
        self.driver.quit()


def wait_for_download(folder: Path, suffix: str, timeout=20) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        # Chromium may show the file under its final name before its bytes are written: wait for them too.
        done = [p for p in folder.iterdir() if p.suffix == suffix and p.stat().st_size > 0]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} download in {timeout}s: {list(folder.iterdir())}")


def run(console: Console, gateway: Gateway):
    """The steps, in order; each is a (name, function) so a failure names what failed."""
    state = {}

    def sign_in_form():
        console.open("/console")
        assert console.driver.find_element(By.CSS_SELECTOR, "label[for=key]").text == "Key"
        console.shot("signin")

    def wrong_key_is_refused():
        console.field("key", "cgw_wrong_key_000")
        console.submit("form[action='/console/login']")
        error = console.driver.find_element(By.ID, "key-error")
        assert "not recognised" in error.text, error.text
        assert console.driver.find_element(By.ID, "key").get_attribute("aria-invalid") == "true"
        assert not console.driver.get_cookies(), "a wrong key set a cookie"
        console.shot("signin-wrong-key")

    def sign_in():
        console.field("key", gateway.admin_key)
        console.submit("form[action='/console/login']")
        console.wait.until(expected_conditions.presence_of_element_located((By.ID, "traffic-heading")))
        cookie = console.driver.get_cookie("console_session")
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
        assert "loc-sandbox" in console.text()
        console.shot("overview")

    def bad_key_form():
        console.open("/console/keys")
        console.field("name", "browser test")
        Select(console.driver.find_element(By.ID, "role")).select_by_value("reader")
        console.field("rate", "fast")
        console.submit("form[action='/console/keys']")
        error = console.driver.find_element(By.ID, "rate-error")
        assert "Rate 'fast'" in error.text, error.text
        assert console.driver.find_element(By.ID, "name").get_attribute("value") == "browser test"
        assert not console.driver.find_elements(By.ID, "new-secret")
        console.shot("keys-bad-input")

    def create_key():
        console.field("rate", "5/s")
        console.field("locations", "loc-sandbox")
        console.submit("form[action='/console/keys']")
        secret = console.driver.find_element(By.ID, "new-secret").get_attribute("value")
        assert secret.startswith("cgw_"), secret
        copy = console.driver.find_element(By.CSS_SELECTOR, "[data-copy=new-secret]")
        assert copy.is_displayed(), "the copy button is shown when the script runs"
        copy.click()
        console.wait.until(lambda d: copy.text != "Copy")
        console.shot("keys-created")
        state["secret"] = secret
        state["key_id"] = secret.split("_")[1]
        status = gateway.call("/contacts/?locationId=loc-sandbox&limit=1", secret)
        assert status == 200, f"the new key got {status} from the proxy"

    def revoke_key():
        console.open("/console/keys")
        console.click(
            console.driver.find_element(
                By.CSS_SELECTOR, f"form[action='/console/keys/{state['key_id']}/revoke'] button"),
            then=lambda: console.wait.until(expected_conditions.alert_is_present()).accept())
        assert "revoked" in console.driver.find_element(By.ID, f"key-{state['key_id']}").text
        status = gateway.call("/contacts/?locationId=loc-sandbox&limit=1", state["secret"])
        assert status == 401, f"the revoked key got {status}"
        console.shot("keys-revoked")

    def roles_and_connections():
        console.open("/console/roles")
        assert console.driver.find_element(By.ID, "scope-audit-read").get_attribute("type") == "checkbox"
        console.shot("roles")
        console.open("/console/connections")
        assert "loc-sandbox" in console.text()
        console.shot("connections")

    def subscriptions():
        console.open("/console/subscriptions")
        console.field("url", "ftp://tools.example/hook")
        console.field("events", "ContactCreate, ContactUpdate")
        console.submit("form[action='/console/subscriptions']")
        error = console.driver.find_element(By.ID, "url-error")
        assert "only http and https" in error.text, error.text
        assert console.driver.find_element(By.ID, "url").get_attribute("aria-invalid") == "true"
        assert console.driver.find_element(By.ID, "events").get_attribute("value") == "ContactCreate, ContactUpdate"
        assert not console.driver.find_elements(By.ID, "new-secret")
        console.shot("subscriptions-bad-input")
        console.field("url", "https://tools.example/hook")
        console.field("locations", "loc-sandbox")
        console.driver.find_element(By.ID, "enrich").click()
        console.submit("form[action='/console/subscriptions']")
        secret = console.driver.find_element(By.ID, "new-secret").get_attribute("value")
        assert secret.startswith("whsec_"), secret
        assert console.driver.find_element(By.CSS_SELECTOR, "[data-copy=new-secret]").is_displayed()
        heading = console.driver.find_element(By.ID, "secret-heading").text
        subscription_id = heading.split(": ", 1)[1]
        row = console.driver.find_element(By.ID, f"subscription-{subscription_id}").text
        assert "ContactCreate, ContactUpdate" in row and "loc-sandbox" in row and "enabled" in row, row
        console.shot("subscriptions-created")
        # Shown once: the page again has the subscription and not its secret.
        console.open("/console/subscriptions")
        assert secret not in console.driver.page_source
        assert console.driver.find_elements(By.ID, f"subscription-{subscription_id}")
        assert "No deliveries match." in console.text()
        console.shot("subscriptions")
        console.click(
            console.driver.find_element(
                By.CSS_SELECTOR, f"form[action='/console/subscriptions/{subscription_id}/delete'] button"),
            then=lambda: console.wait.until(expected_conditions.alert_is_present()).accept())
        assert not console.driver.find_elements(By.ID, f"subscription-{subscription_id}")
        assert "No subscriptions yet." in console.text()

    def filter_audit():
        console.open("/console/audit")
        console.field("route", "POST /console/keys")
        console.submit("form.filters")
        rows = console.driver.find_elements(By.CSS_SELECTOR, "#records tbody tr")
        assert len(rows) == 2, [r.text for r in rows]
        assert all("POST /console/keys" in r.text for r in rows)
        assert "The chain holds" in console.driver.find_element(By.ID, "range-check").text
        console.shot("audit")
        console.click(rows[0].find_element(By.TAG_NAME, "a"))
        assert "match its hash" in console.text()
        console.shot("audit-record")
        page = console.driver.find_element(By.TAG_NAME, "html")
        console.driver.back()
        console.wait.until(lambda _: replaced(page))

    def export_audit():
        console.driver.find_element(By.ID, "export-csv").click()
        csv_file = wait_for_download(console.downloads, ".csv")
        lines = csv_file.read_text().splitlines()
        assert lines[0].startswith("seq,time,requestId"), lines[0]
        assert len(lines) == 3 and all("POST /console/keys" in line for line in lines[1:]), lines
        console.driver.find_element(By.ID, "export-jsonl").click()
        jsonl_file = wait_for_download(console.downloads, ".jsonl")
        records = [json.loads(line) for line in jsonl_file.read_text().splitlines()]
        assert [r["route"] for r in records] == ["POST /console/keys"] * 2, records
        console.check_browser_log()

    def verify_and_exports_are_recorded():
        console.open("/console/audit/verify")
        assert "The chain holds" in console.driver.find_element(By.ID, "verify-result").text
        console.shot("audit-verify")
        console.open("/console/audit?route=GET+%2Fconsole%2Faudit%2Fexport")
        rows = console.driver.find_elements(By.CSS_SELECTOR, "#records tbody tr")
        assert len(rows) == 2 and all("admin" in r.text for r in rows), [r.text for r in rows]

    def phone():
        console.driver.set_window_size(390, 844)
        console.open("/console")
        console.shot("overview-phone")
        console.open("/console/keys")
        console.shot("keys-phone")
        console.driver.set_window_size(1280, 900)

    def sign_out():
        console.open("/console")
        console.click(console.driver.find_element(By.CSS_SELECTOR, "form.signout button"))
        assert console.driver.find_elements(By.ID, "key"), "signed out, the sign-in form"
        console.open("/console/keys")
        assert console.driver.find_elements(By.ID, "key"), "signed out, /console/keys leads to the sign-in form"

    return [
        ("the sign-in form", sign_in_form), ("a wrong key is refused", wrong_key_is_refused), ("sign in", sign_in),
        ("a bad key form", bad_key_form), ("create a key", create_key), ("revoke it", revoke_key),
        ("roles and connections", roles_and_connections),
        ("a subscription: bad input, its secret once, delete", subscriptions), ("filter the audit", filter_audit),
        ("export the audit", export_audit), ("verify; exports recorded", verify_and_exports_are_recorded),
        ("a phone's screen", phone), ("sign out", sign_out),
    ]


def main():
    if not BINARY.exists():
        print(f"console-browser-test: {BINARY} is missing: run swift build", file=sys.stderr)
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="console-browser-"))
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or scratch / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    downloads = scratch / "downloads"
    downloads.mkdir()
    passed = failed = 0
    gateway = console = None
    try:
        gateway = Gateway(scratch)
        console = Console(gateway, shots, downloads)
        for name, step in run(console, gateway):
            started = time.time()
            try:
                step()
                passed += 1
                print(f"ok   {name} ({time.time() - started:.1f}s)")
            except Exception:
                failed += 1
                print(f"FAIL {name}\n{traceback.format_exc()}")
                console.shot("failed-" + re.sub(r"\W+", "-", name))
                break  # the later steps build on this one
    except Exception:
        failed += 1
        print(f"FAIL setup\n{traceback.format_exc()}")
    finally:
        if console:
            console.quit()
        if gateway:
            gateway.stop()
            if gateway.process.returncode not in (0, -15):
                failed += 1
                print(f"FAIL the gateway exited {gateway.process.returncode}")
    print(f"screenshots: {shots}")
    print(f"{passed} passed, {failed} failed")
    if not failed:
        shutil.rmtree(scratch / "downloads", ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
