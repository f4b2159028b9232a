"""Headless Chromium for the console's browser tests (Debian's chromium and
chromedriver, driven by Selenium; flags for a machine without a network) and
``Console``, the console in that browser (tests/e2e)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = os.environ.get("PERFLOOP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PERFLOOP_CHROMEDRIVER", "/usr/bin/chromedriver")
MISSING = "no Chromium: browser tests skipped; install chromium chromium-driver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=en-US",
)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if shutil.which(p) is None]
    return f"{MISSING} (missing: {', '.join(missing)})" if missing else None


def start_chromium(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


class Console:
    """The console in one browser: open pages, sign in, wait, read, screenshot."""

    def __init__(self, driver: webdriver.Chrome, url: str, screenshots: Path | None) -> None:
        self.driver = driver
        self.url = url
        self.screenshots = screenshots

    def reset(self) -> None:
        """Signed out, English, the log emptied."""
        self.driver.get(f"{self.url}/healthz")
        self.driver.execute_script(
            "localStorage.clear(); localStorage.setItem('perfloop.lang', 'en');"
        )
        self.driver.get_log("browser")

    def open(self, route: str = "/") -> None:
        self.driver.get(f"{self.url}/#{route}")

    def wait(self, css: str, timeout: float = 20) -> WebElement:
        found: WebElement = WebDriverWait(self.driver, timeout).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
        )
        return found

    def wait_until(self, condition: Callable[[webdriver.Chrome], Any], timeout: float = 20) -> Any:
        return WebDriverWait(self.driver, timeout).until(condition)

    def all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def sign_in_as(self, email: str) -> None:
        """The demo sign-in: pick the person on the sign-in page."""
        self.open("/")
        self.wait(f"button.identity[data-email='{email}']").click()
        self.wait("[data-test=who]")

    def choose_language(self, lang: str) -> None:
        Select(self.wait("select[data-test=language]")).select_by_value(lang)
        self.wait_until(lambda d: d.execute_script("return document.documentElement.lang") == lang)

    def screenshot(self, name: str) -> None:
        """Save NAME.png in PERFLOOP_SCREENSHOTS's folder (nothing without it)."""
        if self.screenshots is None:
            return
        self.screenshots.mkdir(parents=True, exist_ok=True)
        size = self.driver.get_window_size()
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(size["width"], min(max(height, size["height"]), 1600))
        try:
            self.driver.save_screenshot(str(self.screenshots / f"{name}.png"))
        finally:
            self.driver.set_window_size(size["width"], size["height"])

    def severe_log(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
