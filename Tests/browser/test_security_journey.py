"""The 帳號管理 security pages in a real browser on a phone: sign in, bind an authenticator (the test computes the
codes from the key shown on the page, with pyotp), turn two-factor on, sign out, sign in to an app with two
factors, revoke that app, read both record pages, and send a question through 聯絡我們. Every page gets a
screenshot (a CI artefact) and an axe-core check."""
import time

import pyotp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import CAPTCHA, ISSUER, check_page
from test_student_journey import choose, click, fill, loaded, sign_in
from totp_steps import code_after

STUDENT = ("interop.journey", "Passw0rd1234")


def text_of(driver):
    return driver.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("browser", ["phone"], indirect=True)
def test_security_pages_on_a_phone(browser):
    driver = browser
    driver.get(ISSUER + "/login")
    sign_in(driver, *STUDENT)
    assert "查閱個人資料" in text_of(driver) and "介接應用服務" in text_of(driver)
    check_page(driver, "profile-portal")

    # 雙因子認證綁定: 開始 → prepare → apps → how-to → scan and bind → 綁定完成.
    click(driver, '.account-links a[href^="/account/2fa"]')
    check_page(driver, "2fa-start")
    fill(driver, "password", STUDENT[1])
    click(driver, "form button.primary")
    assert "準備裝置" in text_of(driver)
    check_page(driver, "2fa-prepare")
    click(driver, "a.button.primary")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".qr-pair svg")) == 4
    check_page(driver, "2fa-apps")
    click(driver, "a.button.primary")
    check_page(driver, "2fa-howto")
    click(driver, "a.button.primary")
    assert driver.find_element(By.CSS_SELECTOR, "#binding-qr svg").is_displayed()
    check_page(driver, "2fa-bind")
    driver.find_element(By.CSS_SELECTOR, "details.manual-entry summary").click()
    secret = driver.find_element(By.ID, "totp-secret").text.replace(" ", "")
    totp = pyotp.TOTP(secret)
    last_step = int(time.time()) // 30
    fill(driver, "code", totp.at(last_step * 30))
    click(driver, "form button.primary")
    assert "綁定完成" in text_of(driver)
    assert len(driver.find_elements(By.CSS_SELECTOR, ".recovery-codes code")) == 10
    check_page(driver, "2fa-done")
    click(driver, "a.button.primary")
    click(driver, "form button.primary")  # 啟用雙因子驗證
    assert "已啟用" in text_of(driver)
    check_page(driver, "2fa-enabled")

    # Sign out, then sign in to an app: password, then the code step, then consent.
    driver.get(ISSUER + "/profile")
    click(driver, 'form[action="/oidc/v1/logout-to-go"] button')
    check_page(driver, "sign-out-confirm")
    click(driver, "form button.primary")
    check_page(driver, "signed-out")
    # The development demo app (an app on this server, so the browser can finish the round trip).
    driver.get(ISSUER + "/demo/login")
    sign_in(driver, *STUDENT)
    assert "雙因子驗證" in text_of(driver)
    check_page(driver, "2fa-code-step")
    fill(driver, "code", code_after(totp, last_step)[1])
    click(driver, "form button.primary")
    check_page(driver, "consent")
    click(driver, 'button[name="decision"][value="approve"]')
    id_token = driver.find_element(By.ID, "id-token").text
    assert '"acr" : "2"' in id_token.replace('": "', '" : "') and "otp" in id_token
    check_page(driver, "app-signed-in")

    # 應用服務授權清單: select the app, 取消授權, confirm.
    driver.get(ISSUER + "/account/apps")
    app = "EduSSO 示範應用服務"
    assert app in text_of(driver)
    check_page(driver, "apps")
    driver.find_element(By.CSS_SELECTOR, 'input[name="client_id"][value="edu-sso-demo"]').click()
    click(driver, "form button.primary")
    assert "1 個應用服務" in text_of(driver) and app in text_of(driver)
    check_page(driver, "apps-confirm")
    click(driver, "form button.primary")
    assert "取消授權成功" in text_of(driver)
    check_page(driver, "apps-revoked")

    # 應用服務登入紀錄: choose 20, 送出 (records arrive in batches).
    driver.get(ISSUER + "/account/app-records")
    for _ in range(30):
        Select(driver.find_element(By.NAME, "count")).select_by_value("20")
        click(driver, ".records-count button")
        if app in text_of(driver):
            break
        time.sleep(0.3)
    assert app in text_of(driver) and "稍候" in text_of(driver)
    check_page(driver, "app-records")
    # IP登入紀錄: the password and two-factor sign-ins.
    driver.get(ISSUER + "/account/ip-records")
    Select(driver.find_element(By.NAME, "count")).select_by_value("50")
    click(driver, ".records-count button")
    records = text_of(driver)
    assert "雙因子驗證碼" in records and "密碼" in records and "成功" in records
    check_page(driver, "ip-records")

    # 聯絡我們: a question about the account.
    driver.get(ISSUER + "/contact")
    Select(driver.find_element(By.NAME, "category")).select_by_value("account")
    fill(driver, "identifier", STUDENT[0])
    fill(driver, "name", "安全測試")
    fill(driver, "contact", "journey@example.com")
    fill(driver, "description", "我綁定了雙因子驗證，想確認換手機時該怎麼做。")
    fill(driver, "captcha", CAPTCHA)
    check_page(driver, "contact")
    click(driver, "form button.primary")
    WebDriverWait(driver, 10).until(loaded)
    assert "客服信箱" in text_of(driver)
    check_page(driver, "contact-sent")


@pytest.mark.parametrize("browser", ["phone"], indirect=True)
def test_county_sign_in_on_a_phone(browser):
    """使用縣市帳號登入 (manual 貳.4): the county icons, the Kaohsiung-style screens (區域 → 學校 → 年級 → 班級 → 座號
    fill in the account), 「您的教育雲端帳號是 …」, 我知道了 → 查閱個人資料."""
    driver = browser
    driver.get(ISSUER + "/login")
    click(driver, 'a[href^="/login/county"]')
    assert "高雄市" in text_of(driver)
    # Counties without a configured icon get a mark, never a broken image.
    assert not driver.find_elements(By.CSS_SELECTOR, ".county-grid img")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".county-grid .county-mark")) == 3
    check_page(driver, "county-choose")
    click(driver, 'a[data-county="kh"]')
    # At the county (its own pages, not checked against EduSSO's accessibility rules).
    for choice in ("學生登入", "鼓山區", "市立鼓山區鼓山國小", "5 年級", "03 班", "7 號"):
        click(driver, f'//a[normalize-space()="{choice}"]', by_xpath=True)
    assert driver.find_element(By.NAME, "username").get_attribute("value") == "khlinked"
    fill(driver, "password", "County1234")
    click(driver, "form button")
    assert "您的教育雲端帳號是" in text_of(driver) and "interop.khlinked@mail.edu.tw" in text_of(driver)
    check_page(driver, "county-linked")
    click(driver, "a.button.primary")
    assert "查閱個人資料" in text_of(driver)
    check_page(driver, "county-profile")


@pytest.mark.parametrize("browser", ["phone"], indirect=True)
def test_registration_through_a_county_on_a_phone(browser):
    """申請帳號 step 4-1 (我有縣市帳號): the county sign-in fills in the registry data, step 7 suggests
    <county account>.kh."""
    driver = browser
    driver.get(ISSUER + "/register")
    click(driver, "button.primary")
    choose(driver, "county", "高雄市")
    choose(driver, "district", "鼓山區")
    choose(driver, "level", "國小")
    Select(driver.find_element(By.NAME, "school")).select_by_value("523601")
    click(driver, "button[name=next]")
    click(driver, "button[value=county]")
    check_page(driver, "register-county-choose")
    click(driver, 'a[data-county="kh"]')
    for choice in ("學生登入", "鼓山區", "市立鼓山區鼓山國小", "5 年級", "03 班", "11 號"):
        click(driver, f'//a[normalize-space()="{choice}"]', by_xpath=True)
    fill(driver, "password", "County1234")
    click(driver, "form button")
    assert "資料無誤，下一步" in driver.page_source and "高雄新生" in text_of(driver)
    check_page(driver, "register-county-confirm")
    click(driver, "button[name=next]")
    click(driver, "button[value=agree]")
    assert "khreg.kh" in text_of(driver)
    check_page(driver, "register-county-account")
    fill(driver, "username", "khreg.kh")
    fill(driver, "password", "Journey2Go")
    fill(driver, "confirmation", "Journey2Go")
    fill(driver, "email", "khreg@example.com")
    fill(driver, "mobile", "0977000333")
    click(driver, "button[name=next]")
    click(driver, "button[name=finish]")
    assert "新建帳號成功！" in driver.page_source
    check_page(driver, "register-county-done")
