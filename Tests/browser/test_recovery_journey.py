"""忘記密碼 by a code (manual 陸.1) and 啟用帳號 by personal data (manual 柒.2) in a real browser, on a phone and a
desktop viewport, with the code read from the real SMTP server, screenshots and an axe-core check on every page."""
import subprocess
import time

from selenium.webdriver.common.by import By

from conftest import BIN, CAPTCHA, ISSUER, check_page
from sinks import wait_for_code
from test_student_journey import choose_school, click, fill, sign_in

ACCOUNTS = {
    "phone": {"username": "walk.phone", "email": "walk.phone@example.com", "name": "簡小雨", "id": "B120000071",
              "dormant": "walk.phone.off"},
    "desktop": {"username": "walk.desktop", "email": "walk.desktop@example.com", "name": "柯大山", "id": "B120000099",
                "dormant": "walk.desktop.off"},
}


def cli(*args):
    subprocess.run([BIN, *args], check=True, capture_output=True, timeout=60)


def test_reset_by_code_and_activate_by_personal_data(browser):
    driver = browser
    account = ACCOUNTS[driver.viewport]
    cli("account", "add", "--username", account["username"], "--password", "Forgot2Much", "--name", "王大明",
        "--email", account["email"], "--mobile", "0988000111")
    # A registry student whose account the school disabled.
    cli("account", "add", "--username", account["dormant"], "--password", "Asleep2Long", "--name", account["name"],
        "--national-id", account["id"])
    cli("account", "disable", account["dormant"])

    # 忘記密碼 → 傳送驗證碼重設, from the sign-in page.
    driver.get(ISSUER + "/login")
    click(driver, "main a[href^='/account/forgot-password']")
    check_page(driver, "recover-choose")
    click(driver, "button[value=code]")
    check_page(driver, "recover-send")
    fill(driver, "username", account["username"])
    fill(driver, "captcha", CAPTCHA)
    since = time.time()
    click(driver, "button[name=send]")
    assert "開始驗證" in driver.page_source
    check_page(driver, "recover-code")
    fill(driver, "code", wait_for_code("mail", account["email"], since))
    click(driver, "button[name=verify]")
    assert f"{account['username']}@mail.edu.tw" in driver.page_source and "王大明" in driver.page_source
    check_page(driver, "recover-reset")
    fill(driver, "password", "Remember2Now")
    fill(driver, "confirmation", "Remember2Now")
    # The eye icon shows what was typed (manual 陸 4-3).
    click(driver, "button[data-toggle-password=confirmation]", navigates=False)
    assert driver.find_element(By.ID, "confirmation").get_attribute("type") == "text"
    click(driver, "button[name=reset]")
    assert "密碼變更完成" in driver.page_source and "24 小時" in driver.page_source
    check_page(driver, "recover-done")

    # A disabled account: signing in with the right password says so and leads to 啟用帳號 → 使用個人基本資料重設.
    click(driver, "a.button.primary[href^='/login']")
    sign_in(driver, account["dormant"], "Asleep2Long")
    assert "已停用" in driver.page_source
    check_page(driver, "login-disabled")
    click(driver, "main a.button[href^='/account/activate']")
    check_page(driver, "activate-choose")
    click(driver, "button[value=personal]")
    check_page(driver, "activate-school")
    choose_school(driver, "國小", "193662")
    click(driver, "button[name=next]")
    check_page(driver, "activate-personal")
    fill(driver, "name", account["name"])
    fill(driver, "national_id", account["id"])
    fill(driver, "captcha", CAPTCHA)
    click(driver, "button[name=next]")
    assert f"{account['dormant']}@mail.edu.tw" in driver.page_source and "任意三項" in driver.page_source
    check_page(driver, "activate-reset")
    # The stricter rule: letters and digits alone are not enough.
    fill(driver, "password", "awake2024x")
    fill(driver, "confirmation", "awake2024x")
    click(driver, "button[name=reset]")
    assert "任意三項" in driver.page_source and "密碼變更完成" not in driver.page_source
    fill(driver, "password", "Wake#Up2024")
    fill(driver, "confirmation", "Wake#Up2024")
    click(driver, "button[name=reset]")
    assert "密碼變更完成" in driver.page_source
    check_page(driver, "activate-done")
    # Active again: the new password signs in.
    click(driver, "a.button.primary[href^='/login']")
    sign_in(driver, account["dormant"], "Wake#Up2024")
    assert "查閱個人資料" in driver.page_source
