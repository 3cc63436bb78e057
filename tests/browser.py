"""Open a page in real headless Chromium (Debian ``chromium`` + ``chromium-driver``) via Selenium.

Every request the page makes is recorded from Chrome's DevTools performance log and every
request that could leave the machine (http, https, ws, ftp …) is blocked through the DevTools
protocol, so a page that tries to fetch anything is caught, not just slowed down.  Used by the
HTML view tests and by ``bench/html_view.py``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: the flags the HTML-view issue asks for, plus a fixed window and no DNS at all
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

#: URL patterns blocked through DevTools (everything that is not file: or data:)
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*", "chrome-extension://*"]


def chromium_available() -> bool:
    """True when both Chromium and its WebDriver are installed (``.ci/system-deps.sh``)."""
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


@dataclass(slots=True)
class PageReport:
    """What happened while a page loaded."""

    requests: list[str] = field(default_factory=list)  #: every URL requested, in order
    console_errors: list[str] = field(default_factory=list)  #: SEVERE console entries
    page_errors: list[str] = field(default_factory=list)  #: window.onerror / CSP violations
    load_seconds: float = 0.0  #: navigation start -> interactive (data read, graph drawn)
    texts_seconds: float = 0.0  #: navigation start -> abstracts and evidence read too

    def outside_requests(self, page_url: str) -> list[str]:
        """Requests for anything but the page itself and inline ``data:`` resources."""
        return [u for u in self.requests if u != page_url and not u.startswith("data:")]


@contextmanager
def headless_chromium() -> Iterator[object]:
    """A Selenium Chrome driver for headless Debian Chromium, with logs enabled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
        yield driver
    finally:
        driver.quit()


def _drain_logs(driver, report: PageReport) -> None:
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            report.requests.append(message["params"]["request"]["url"])
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            report.console_errors.append(entry.get("message", ""))


def open_page(driver, path: Path, timeout: float = 120.0) -> PageReport:
    """Load ``path`` from ``file://`` and wait until it is interactive (or reports an error)."""
    report = PageReport()
    driver.get_log("performance")  # drop anything logged before this page
    driver.get_log("browser")
    url = path.resolve().as_uri()
    driver.get(url)
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = driver.execute_script(
            "return window.paperkg ? {ready: window.paperkg.ready, texts: window.paperkg.textsAt,"
            " readyAt: window.paperkg.readyAt, errors: window.paperkg.errors} : null"
        )
        if state and ((state["ready"] and state["texts"]) or state["errors"]):
            break
        time.sleep(0.05)
    else:
        raise TimeoutError(f"{path}: the page was not interactive within {timeout:.0f} s ({state})")
    report.page_errors = list(state["errors"])
    report.load_seconds = (state["readyAt"] or 0.0) / 1000.0
    report.texts_seconds = (state["texts"] or 0.0) / 1000.0
    _drain_logs(driver, report)
    return report
