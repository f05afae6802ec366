"""Headless Chromium (Debian's chromium + chromedriver) driven by Selenium, with axe-core on every page."""
import os
import pathlib
import sys

import pytest
from axe_core_python.selenium import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# The message sinks' readers are shared with the interop suite.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "interop"))

ISSUER = os.environ["EDU_SSO_ISSUER"]
CAPTCHA = os.environ["EDU_SSO_CAPTCHA_TEST_CODE"]
WORK = os.environ["INTEROP_WORK"]
BIN = os.environ["INTEROP_BIN"]
ARTIFACTS = pathlib.Path(os.environ.get("EDU_SSO_ARTIFACTS", "artifacts")) / "screenshots"

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture(params=list(VIEWPORTS))
def browser(request):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-TW"):
        options.add_argument(flag)
    width, height = VIEWPORTS[request.param]
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(5)
    driver.viewport = request.param
    driver.shots = 0
    yield driver
    driver.quit()


def check_page(driver, name):
    """Saves a screenshot (a CI artefact) and fails on any WCAG 2.1 A/AA violation axe-core (4.4, bundled by the
    axe-core-python package) finds."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.shots += 1
    driver.save_screenshot(str(ARTIFACTS / f"{driver.viewport}-{driver.shots:02d}-{name}.png"))
    results = Axe().run(driver, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    problems = [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})" for v in results["violations"]]
    assert not problems, f"{name} on {driver.viewport}: " + "; ".join(problems)
