"""忘記帳號 (manual 伍.2), 忘記密碼 (manual 陸: by code, personal data, default password) and 啟用帳號 (manual 柒),
over HTTP without JavaScript, with codes read from the real SMTP server and SMS gateway the server delivered to."""
import os
import re
import subprocess
import time

import requests

from conftest import (CAPTCHA, database, ISSUER, RP, SEEN_SECRETS, Browser, authorization_params, captcha_id_of, csrf_of,
                      form_action, sign_in_and_get_code)
from sinks import wait_for_code, wait_for_message

BIN = os.environ["INTEROP_BIN"]


def captcha_id(html):
    return re.search(r'name="captcha_id"[^>]*value="([^"]+)"', html).group(1)


def look_up(browser, national_id, captcha=CAPTCHA):
    page = browser.get(ISSUER + "/account/forgot-account")
    assert page.status_code == 200 and "帳號取得" in page.text
    return browser.post(ISSUER + "/account/forgot-account", {
        "csrf_token": csrf_of(page.text), "national_id": national_id, "captcha_id": captcha_id(page.text),
        "captcha": captcha, "lookup": "1"})


def test_forgot_account_shows_the_account_for_the_id_number():
    browser = Browser()
    found = look_up(browser, "a123456789")
    assert found.status_code == 200
    assert "interop.student@mail.edu.tw" in found.text and 'href="/login' in found.text
    # The page is not cached, and the ID is not echoed back.
    assert found.headers.get("Cache-Control") == "no-store" and "A123456789" not in found.text
    # The lookup is in the account's records, without the ID number.
    rows = database("SELECT e.kind, e.ip FROM account_events e JOIN accounts a ON a.id = e.account_id "
                    "WHERE a.username = 'interop.student'")
    assert ("account_looked_up", "127.0.0.1") in rows
    assert not any("A123456789" in " ".join(row) for row in database("SELECT * FROM account_events"))


def test_forgot_account_refuses_a_wrong_captcha_a_bad_id_and_reports_no_account():
    browser = Browser()
    wrong = look_up(browser, "A123456789", captcha="000" if CAPTCHA != "000" else "111")
    assert wrong.status_code == 400 and "interop.student" not in wrong.text
    invalid = look_up(browser, "A123456788")
    assert invalid.status_code == 422 and "請輸入正確的身分證字號" in invalid.text
    none = look_up(browser, "B220000019")
    assert none.status_code == 200 and "查無此身分證字號" in none.text


def test_forgot_account_is_throttled_per_id_number():
    # A different address cannot be simulated here, but the per-ID limit (3 a minute) holds from anywhere.
    statuses = [look_up(Browser(), "B120000026").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:], statuses


def test_forgot_account_needs_the_csrf_token():
    response = requests.post(ISSUER + "/account/forgot-account", data={"national_id": "A123456789"}, timeout=10,
                             allow_redirects=False)
    assert response.status_code == 403


# ---- 忘記密碼 and 啟用帳號 (manual 陸 and 柒) ----

def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, check=True).stdout


def post(browser, page, data):
    return browser.post(form_action(page.text), {"csrf_token": csrf_of(page.text), **data})


def start(browser, purpose, method):
    choose = browser.get(ISSUER + ("/account/forgot-password" if purpose == "reset" else "/account/activate"))
    assert choose.status_code == 200
    response = browser.post(ISSUER + "/account/recover", {"csrf_token": csrf_of(choose.text), "purpose": purpose,
                                                          "method": method})
    assert response.status_code == 303 and response.headers["Location"].startswith("/account/recover/")
    return browser.follow(response)


def with_captcha(page, data):
    return {**data, "captcha_id": captcha_id_of(page.text), "captcha": CAPTCHA}


def request_code(browser, purpose, username):
    page = start(browser, purpose, "code")
    assert "傳送認證碼" in page.text
    since = time.time()
    code_page = browser.follow(post(browser, page, with_captcha(page, {"username": username, "send": "1"})))
    assert code_page.status_code == 200 and "開始驗證" in code_page.text and "收不到驗證碼，聯絡我們" in code_page.text
    return code_page, since


def browser_url(response):
    """The page's own address (for a page that shows no form), as the browser would post back to it."""
    return response.url


def sign_in_status(username, password):
    browser = Browser()
    page = browser.get(ISSUER + "/login")
    return browser.post(ISSUER + "/login", {"csrf_token": csrf_of(page.text), "username": username, "password": password,
                                            "captcha_id": captcha_id_of(page.text), "captcha": CAPTCHA}).status_code


def test_reset_by_code_to_email_and_mobile_signs_out_everywhere_and_holds_for_24_hours():
    cli("account", "add", "--username", "interop.forgetful", "--password", "Passw0rd1234", "--name", "王忘記",
        "--email", "forgetful@example.com", "--mobile", "0977111222")
    # A session and a refresh token from before the reset.
    before = Browser()
    params, verifier = authorization_params()
    code = sign_in_and_get_code(before, params, account=("interop.forgetful", "Passw0rd1234"))
    tokens = requests.post(ISSUER + "/oidc/v1/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": RP["redirect_uri"], "code_verifier": verifier},
        auth=(RP["client_id"], RP["client_secret"]), timeout=10).json()
    assert "refresh_token" in tokens

    browser = Browser()
    code_page, since = request_code(browser, "reset", "interop.forgetful@mail.edu.tw")
    # One code, to the backup e-mail and to the mobile (delivered through the real SMTP server and SMS gateway).
    mailed = wait_for_code("mail", "forgetful@example.com", since)
    texted = wait_for_code("sms", "0977111222", since)
    assert mailed == texted
    message = wait_for_message("mail", "forgetful@example.com", since)
    assert "重設密碼" in message["subject"] and "Passw0rd1234" not in message["body"]
    wrong = post(browser, code_page, {"code": "000000" if mailed != "000000" else "111111"})
    assert wrong.status_code == 422 and "驗證碼錯誤" in wrong.text
    reset = browser.follow(post(browser, wrong, {"code": mailed}))
    assert reset.status_code == 200 and "interop.forgetful@mail.edu.tw" in reset.text and "王忘記" in reset.text
    assert "英文字元與數字" in reset.text
    weak = post(browser, reset, {"password": "onlyletters", "confirmation": "onlyletters"})
    assert weak.status_code == 422 and "英文字元與數字" in weak.text
    mismatch = post(browser, weak, {"password": "NewPass2024", "confirmation": "NewPass2025"})
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    done = browser.follow(post(browser, mismatch, {"password": "NewPass2024", "confirmation": "NewPass2024"}))
    assert "密碼變更完成" in done.text and "24 小時" in done.text
    assert 'href="/account/forgot-account' in done.text and 'href="/login' in done.text
    # The old password is gone, the new one works; every session ended and every refresh token was revoked.
    assert sign_in_status("interop.forgetful", "Passw0rd1234") == 401
    assert sign_in_status("interop.forgetful", "NewPass2024") == 303
    assert before.get(ISSUER + "/profile").headers["Location"].startswith("/login")
    refreshed = requests.post(ISSUER + "/oidc/v1/token", data={"grant_type": "refresh_token",
                                                                "refresh_token": tokens["refresh_token"]},
                              auth=(RP["client_id"], RP["client_secret"]), timeout=10)
    assert refreshed.json()["error"] == "invalid_grant"
    notice = wait_for_message("mail", "forgetful@example.com", since=time.time() - 30)
    assert "密碼已變更" in notice["subject"] and "NewPass2024" not in notice["body"]
    # The used code does not work again, and within 24 hours the password cannot be reset again.
    again_page, since = request_code(browser, "reset", "interop.forgetful")
    fresh = wait_for_code("mail", "forgetful@example.com", since)
    if fresh != mailed:  # (one chance in a million that the new code is the old one)
        assert post(browser, again_page, {"code": mailed}).status_code == 422
    blocked = browser.follow(post(browser, again_page, {"code": fresh}))
    assert "24 小時" in blocked.text and 'name="password"' not in blocked.text
    assert sign_in_status("interop.forgetful", "NewPass2024") == 303


def test_a_code_wears_out_after_five_wrong_tries_and_an_unknown_account_looks_the_same():
    cli("account", "add", "--username", "interop.guessed", "--password", "Passw0rd1234", "--name", "猜測",
        "--email", "guessed@example.com")
    browser = Browser()
    code_page, since = request_code(browser, "reset", "interop.guessed")
    code = wait_for_code("mail", "guessed@example.com", since)
    page = code_page
    for _ in range(5):
        page = post(browser, page, {"code": "999999" if code != "999999" else "888888"})
        assert page.status_code == 422
    assert post(browser, page, {"code": code}).status_code == 422
    # An account that does not exist gets the very same page, and no code can open it.
    unknown, _ = request_code(Browser(), "reset", "no.such.account")
    assert "開始驗證" in unknown.text


def test_activation_by_personal_data_needs_the_stricter_rule():
    cli("account", "add", "--username", "interop.dormant", "--password", "Passw0rd1234", "--name", "鄭家豪",
        "--national-id", "B120000062")
    cli("account", "disable", "interop.dormant")
    refused = Browser()
    login = refused.get(ISSUER + "/login")
    page = refused.post(ISSUER + "/login", {"csrf_token": csrf_of(login.text), "username": "interop.dormant",
                                            "password": "Passw0rd1234", "captcha_id": captcha_id_of(login.text),
                                            "captcha": CAPTCHA})
    assert page.status_code == 403 and 'href="/account/activate' in page.text
    browser = Browser()
    page = start(browser, "activate", "personal")
    page = browser.follow(post(browser, page, {"county": "臺中市", "district": "西屯區", "level": "國小", "school": "193662",
                                               "next": "1"}))
    assert 'name="national_id"' in page.text
    miss = post(browser, page, with_captcha(page, {"name": "鄭家豪", "national_id": "B220000082", "next": "1"}))
    assert miss.status_code == 422 and "查無資料，回報問題" in miss.text
    reset = browser.follow(post(browser, miss, with_captcha(miss, {"name": "鄭家豪", "national_id": "B120000062",
                                                                   "next": "1"})))
    assert "interop.dormant@mail.edu.tw" in reset.text and "任意三項" in reset.text
    weak = post(browser, reset, {"password": "passw0rd99", "confirmation": "passw0rd99"})
    assert weak.status_code == 422 and "任意三項" in weak.text
    done = browser.follow(post(browser, weak, {"password": "Dormant#2024", "confirmation": "Dormant#2024"}))
    assert "密碼變更完成" in done.text
    assert sign_in_status("interop.dormant", "Dormant#2024") == 303


def test_reset_by_default_password_works_once():
    cli("account", "add", "--username", "interop.defaulted", "--password", "Passw0rd1234", "--name", "蔡宜庭",
        "--national-id", "B220000082")
    csv_text = cli("admin", "default-password", "--school", "193662", "--student", "B220000082")
    header, row = csv_text.strip().splitlines()
    assert header.startswith("學校代碼,班級,座號,姓名,教育雲端帳號,預設密碼")
    fields = row.split(",")
    assert fields[4] == "interop.defaulted@mail.edu.tw" and fields[3] == "蔡宜庭"
    default = fields[5]
    SEEN_SECRETS.add(default)
    browser = Browser()
    page = start(browser, "reset", "default")
    wrong = post(browser, page, with_captcha(page, {"username": "interop.defaulted", "default_password": default + "x",
                                                    "submit": "1"}))
    assert wrong.status_code == 422
    reset = browser.follow(post(browser, wrong, with_captcha(wrong, {"username": "interop.defaulted",
                                                                     "default_password": default, "submit": "1"})))
    assert "interop.defaulted@mail.edu.tw" in reset.text
    # The proven recovery belongs to this browser: another one, with its own cookie and CSRF token, can neither
    # see nor use it.
    stranger = Browser()
    own_token = csrf_of(stranger.get(ISSUER + "/account/forgot-password").text)
    assert stranger.get(form_action(reset.text)).status_code == 400
    stolen = stranger.post(form_action(reset.text), {"csrf_token": own_token, "password": "Stolen2024x",
                                                      "confirmation": "Stolen2024x"})
    assert stolen.status_code == 400
    assert "密碼變更完成" in browser.follow(post(browser, reset, {"password": "Fresh2024x", "confirmation": "Fresh2024x"})).text
    # Used once: a second attempt with the same default password fails.
    other = Browser()
    page = start(other, "reset", "default")
    again = post(other, page, with_captcha(page, {"username": "interop.defaulted", "default_password": default, "submit": "1"}))
    assert again.status_code == 422


def test_recovery_steps_cannot_be_skipped_or_taken_by_another_browser():
    browser = Browser()
    page = start(browser, "reset", "code")
    action = form_action(page.text)
    reset_url = action.replace("/send", "/reset")
    # The new-password step before any proof sends the browser back to where the recovery stands.
    skipped = browser.get(reset_url)
    assert skipped.status_code == 303 and skipped.headers["Location"].split("?")[0].endswith("/send")
    forged = browser.post(reset_url, {"csrf_token": csrf_of(page.text), "password": "Hijack2024", "confirmation": "Hijack2024"})
    assert forged.status_code == 303
    # Another browser cannot use this recovery at all.
    assert Browser().get(action).status_code == 400


def test_personal_data_tries_for_one_id_stop_after_five_a_day_wherever_they_come_from():
    """Someone who knows a student's name and ID cannot try every school: failures count per ID, in the database."""
    cli("account", "add", "--username", "interop.target", "--password", "Passw0rd1234", "--name", "林目標",
        "--national-id", "B120000106")
    statuses = []
    for school in ["193516", "193662", "193516", "193662", "193516"]:
        browser = Browser()
        page = start(browser, "reset", "personal")
        level = "國中" if school == "193516" else "國小"
        page = browser.follow(post(browser, page, {"county": "臺中市", "district": "西屯區", "level": level, "school": school,
                                                   "next": "1"}))
        # Wrong name at the right school, or the wrong school: both are misses.
        statuses.append(post(browser, page, with_captcha(page, {"name": "林猜測", "national_id": "B120000106",
                                                                "next": "1"})).status_code)
    assert statuses == [422] * 5
    browser = Browser()
    page = start(browser, "reset", "personal")
    page = browser.follow(post(browser, page, {"county": "臺中市", "district": "西屯區", "level": "國小", "school": "193662",
                                               "next": "1"}))
    # Even the right answer is refused now, for a day; the code way and 聯絡我們 remain.
    refused = post(browser, page, with_captcha(page, {"name": "林目標", "national_id": "B120000106", "next": "1"}))
    assert refused.status_code == 429 and "今日嘗試次數過多" in refused.text


def test_activation_by_code_and_a_reset_of_a_disabled_account_points_to_activation():
    cli("account", "add", "--username", "interop.sleepy", "--password", "Passw0rd1234", "--name", "睡美人",
        "--mobile", "0966123456")
    cli("account", "disable", "interop.sleepy")
    # 忘記密碼 for a disabled account: after the proof the page says to activate it instead.
    browser = Browser()
    code_page, since = request_code(browser, "reset", "interop.sleepy")
    reset = browser.follow(post(browser, code_page, {"code": wait_for_code("sms", "0966123456", since)}))
    assert "此帳號已停用" in reset.text and 'href="/account/activate' in reset.text and 'name="password"' not in reset.text
    # 啟用帳號 → 傳送驗證碼: the code goes to the mobile (there is no backup e-mail), then the stricter rule.
    browser = Browser()
    code_page, since = request_code(browser, "activate", "interop.sleepy")
    sms = wait_for_message("sms", "0966123456", since)
    assert "啟用帳號" in sms["body"]
    reset = browser.follow(post(browser, code_page, {"code": re.search(r"\b(\d{6})\b", sms["body"]).group(1)}))
    assert "任意三項" in reset.text
    assert post(browser, reset, {"password": "sleepy2024x", "confirmation": "sleepy2024x"}).status_code == 422
    done = browser.follow(post(browser, reset, {"password": "Awake!2024", "confirmation": "Awake!2024"}))
    assert "密碼變更完成" in done.text
    assert sign_in_status("interop.sleepy", "Awake!2024") == 303
    # An operator lock cannot be undone by the student.
    cli("account", "add", "--username", "interop.quarantined", "--password", "Passw0rd1234", "--name", "隔離",
        "--mobile", "0966654321")
    cli("account", "disable", "interop.quarantined", "--block-self-activation")
    browser = Browser()
    code_page, since = request_code(browser, "activate", "interop.quarantined")
    reset = browser.follow(post(browser, code_page, {"code": wait_for_code("sms", "0966654321", since)}))
    assert "由管理者停用" in reset.text and 'name="password"' not in reset.text
    # A forged post of a new password is refused too, and the account stays disabled.
    forged = browser.post(form_action(reset.text) if "<form" in reset.text else browser_url(reset),
                          {"csrf_token": csrf_of(code_page.text), "password": "Free!dom2024", "confirmation": "Free!dom2024"})
    assert forged.status_code == 409
    assert sign_in_status("interop.quarantined", "Passw0rd1234") == 403
    assert sign_in_status("interop.quarantined", "Free!dom2024") == 401
    # A plain disable later does not lift the operator's lock.
    cli("account", "disable", "interop.quarantined")
    browser = Browser()
    code_page, since = request_code(browser, "activate", "interop.quarantined")
    reset = browser.follow(post(browser, code_page, {"code": wait_for_code("sms", "0966654321", since)}))
    assert "由管理者停用" in reset.text


def test_an_expired_code_is_refused_over_http():
    """The code's hour is over (moved into the past in the database, since the server's clock cannot be)."""
    cli("account", "add", "--username", "interop.slowpoke", "--password", "Passw0rd1234", "--name", "慢吞吞",
        "--email", "slowpoke@example.com")
    browser = Browser()
    code_page, since = request_code(browser, "reset", "interop.slowpoke")
    code = wait_for_code("mail", "slowpoke@example.com", since)
    database("UPDATE verification_codes SET expires_at = 0 WHERE account_id = "
             "(SELECT id FROM accounts WHERE username = 'interop.slowpoke')")
    expired = post(browser, code_page, {"code": code})
    assert expired.status_code == 422 and "驗證碼錯誤或已失效" in expired.text
