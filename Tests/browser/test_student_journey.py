"""The student journey in a real browser, on a phone and a desktop viewport: 申請帳號 (4-2 branch) → 登入 →
修改備用電子郵件信箱/行動電話 → 更新個人資料, with screenshots and an axe-core check on every page."""
import os
import re
import subprocess

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import BIN, CAPTCHA, ISSUER, WORK, check_page
from sinks import wait_for_code

STUDENTS = {
    "phone": {"name": "周柏翰", "id": "B120000035", "username": "chou.bohan", "mobile": "0977000111"},
    "desktop": {"name": "吳思妤", "id": "B120000044", "username": "wu.siyu", "mobile": "0977000222"},
}


def replaced(old):
    """A wait condition: the element belongs to a page that has gone. Chromedriver reports a node of an unloaded
    document sometimes as stale and sometimes as an inspector error, so any driver error counts."""
    def check(_driver):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def loaded(driver):
    return driver.execute_script("return document.readyState") == "complete"


def click(driver, selector, navigates=True, by_xpath=False):
    """Clicks, and when the click submits a form or follows a link, waits until the next page has loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.XPATH if by_xpath else By.CSS_SELECTOR, selector).click()
    if navigates:
        WebDriverWait(driver, 10).until(replaced(page))
        WebDriverWait(driver, 10).until(loaded)


def fill(driver, field, value):
    element = driver.find_element(By.NAME, field)
    element.clear()
    element.send_keys(value)


def choose(driver, field, text=None, value=None):
    select = Select(WebDriverWait(driver, 10).until(ready.presence_of_element_located((By.NAME, field))))
    select.select_by_visible_text(text) if text else select.select_by_value(value)
    # Choosing submits the staged form; wait for the page to come back.
    WebDriverWait(driver, 10).until(replaced(select._el))
    WebDriverWait(driver, 10).until(loaded)


def outbox_code(to):
    """The code in the newest e-mail to `to`, as the real SMTP server received it."""
    return wait_for_code("mail", to)


def sign_in(driver, username, password):
    """Fills in and submits the sign-in form on the current page."""
    fill(driver, "username", username)
    fill(driver, "password", password)
    fill(driver, "captcha", CAPTCHA)
    click(driver, "form button.primary[type=submit]")


def choose_school(driver, level, school):
    choose(driver, "county", "臺中市")
    choose(driver, "district", "西屯區")
    choose(driver, "level", level)
    Select(driver.find_element(By.NAME, "school")).select_by_value(school)


def test_student_journey(browser):
    driver = browser
    student = STUDENTS[driver.viewport]

    # 申請帳號
    driver.get(ISSUER + "/register")
    check_page(driver, "register-identity")
    click(driver, "button.primary")
    check_page(driver, "register-school")
    choose_school(driver, "國小", "193662")
    check_page(driver, "register-school-chosen")
    click(driver, "button[name=next]")
    check_page(driver, "register-method")
    click(driver, "button[value=personal]")
    check_page(driver, "register-personal")
    fill(driver, "name", student["name"])
    fill(driver, "national_id", student["id"])
    fill(driver, "captcha", CAPTCHA)
    click(driver, "button[name=next]")
    assert "資料無誤，下一步" in driver.page_source
    check_page(driver, "register-confirm")
    click(driver, "button[name=next]")
    check_page(driver, "register-consent")
    click(driver, "button[value=agree]")
    check_page(driver, "register-account")
    fill(driver, "username", student["username"])
    fill(driver, "password", "Journey2Go")
    fill(driver, "confirmation", "Journey2Go")
    # 7-4: the eye icon shows the password.
    click(driver, "button[data-toggle-password=password]", navigates=False)
    assert driver.find_element(By.ID, "password").get_attribute("type") == "text"
    fill(driver, "email", f"{student['username']}@example.com")
    fill(driver, "mobile", student["mobile"])
    click(driver, "button[name=next]")
    check_page(driver, "register-summary")
    click(driver, "button[name=finish]")
    assert "新建帳號成功！" in driver.page_source
    check_page(driver, "register-done")

    # 登入
    click(driver, "a.button.primary")
    check_page(driver, "login")
    sign_in(driver, student["username"], "Journey2Go")
    assert "查閱個人資料" in driver.page_source and student["name"] in driver.page_source
    check_page(driver, "profile")

    # 修改備用電子郵件信箱/行動電話
    click(driver, "main a[href^='/profile/edit']")
    check_page(driver, "profile-edit")
    fill(driver, "email", f"{student['username']}.new@example.com")
    click(driver, "button.primary")
    check_page(driver, "profile-verify")
    fill(driver, "code_change_email", outbox_code(f"{student['username']}.new@example.com"))
    click(driver, "button.primary")
    assert "資料更新成功" in driver.page_source
    check_page(driver, "profile-updated")
    click(driver, "a.button.primary")
    assert f"{student['username']}.new@example.com" in driver.page_source

    # 更新個人資料: the school registry now lists the student at a junior high school.
    roster = os.path.join(WORK, f"moved-{driver.viewport}.csv")
    with open(roster, "w", encoding="utf-8") as out:
        out.write("national_id,name,school_code,school_level,grade,class_no,seat_no,academic_year,semester,status\n")
        out.write(f"{student['id']},{student['name']},193516,國中,7,02,5,114,2,在學\n")
    subprocess.run([BIN, "registry", "import", roster], check=True, capture_output=True, env=os.environ)
    click(driver, "main a[href^='/profile/update']")
    check_page(driver, "update-sign-in-again")
    sign_in(driver, student["username"], "Journey2Go")
    check_page(driver, "update-form")
    choose_school(driver, "國中", "193516")
    fill(driver, "national_id", student["id"])
    click(driver, "button[name=lookup]")
    assert "目前資料" in driver.page_source and "來源資料" in driver.page_source
    check_page(driver, "update-compare")
    click(driver, "form button.primary")
    assert "更新成功" in driver.page_source
    check_page(driver, "update-done")
    click(driver, "a.button.primary")
    assert "市立中山國中" in driver.page_source and "七年二班" in driver.page_source
