"""修改備用電子郵件信箱/行動電話 (manual 參 steps 2–5): a change is proven with codes sent to the new address and
number (read here from the SMTP server and the SMS gateway the server delivered them to)."""
import os
import re
import subprocess
import time

import requests

from conftest import ISSUER, RP, Browser, authorization_params, callback_params, csrf_of
from sinks import messages, set_down, wait_for_code, wait_for_message

def latest_code(channel, to):
    """The code in the newest message to `to`, as the real SMTP server or SMS gateway received it."""
    return wait_for_code("mail" if channel == "email" else "sms", to)


def signed_in():
    browser = Browser()
    profile = browser.login(browser.get(ISSUER + "/login"), "interop.editor", "Passw0rd1234")
    assert "修改備用電子郵件信箱/行動電話" in profile.text
    return browser


def phone_claims(browser):
    """userinfo's phone claims, through an app authorization in the signed-in browser."""
    params, verifier = authorization_params(scope="openid phone")
    response = browser.authorize(params)
    if response.status_code == 200:
        response = browser.consent(response)
    query, _ = callback_params(response)
    tokens = requests.post(ISSUER + "/oidc/v1/token", data={
        "grant_type": "authorization_code", "code": query["code"], "redirect_uri": RP["redirect_uri"], "code_verifier": verifier},
        auth=(RP["client_id"], RP["client_secret"]), timeout=10).json()
    info = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, timeout=10).json()
    return info["phone_number"], info["phone_number_verified"]


def test_change_email_and_mobile_with_codes():
    browser = signed_in()
    # A number typed in by an operator was never proven.
    assert phone_claims(browser) == ("+886966777888", False)
    page = browser.get(ISSUER + "/profile/edit")
    assert 'value="old@example.com"' in page.text and 'value="0966777888"' in page.text
    bad = browser.post(ISSUER + "/profile/edit", {"csrf_token": csrf_of(page.text), "email": "nope", "mobile": "123"})
    assert bad.status_code == 422 and "請輸入正確的電子郵件信箱" in bad.text and "09 開頭" in bad.text
    unchanged = browser.post(ISSUER + "/profile/edit", {"csrf_token": csrf_of(page.text), "email": "old@example.com",
                                                         "mobile": "0966777888"})
    assert "資料沒有變更" in unchanged.text
    sent = browser.post(ISSUER + "/profile/edit", {"csrf_token": csrf_of(page.text), "email": "new@example.com",
                                                    "mobile": "0966777999"})
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/profile/verify")
    verify = browser.follow(sent)
    assert "new@example.com" in verify.text and "0966777999" in verify.text
    email_code = latest_code("email", "new@example.com")
    sms_code = latest_code("sms", "0966777999")
    wrong = browser.post(ISSUER + "/profile/verify", {"csrf_token": csrf_of(verify.text), "code_change_email": email_code,
                                                       "code_change_mobile": "000000" if sms_code != "000000" else "111111"})
    assert wrong.status_code == 422 and "驗證碼錯誤" in wrong.text
    done = browser.follow(browser.post(ISSUER + "/profile/verify", {
        "csrf_token": csrf_of(wrong.text), "code_change_email": email_code, "code_change_mobile": sms_code}))
    assert "資料更新成功" in done.text and 'href="/profile' in done.text
    profile = browser.get(ISSUER + "/profile")
    assert "new@example.com" in profile.text and "0966777999" in profile.text
    # The new number was proven with the code sent to it.
    assert phone_claims(browser) == ("+886966777999", True)


def test_codes_are_stored_only_as_hashes_and_wear_out():
    browser = signed_in()
    page = browser.get(ISSUER + "/profile/edit")
    mobile = re.search(r'name="mobile"[^>]*value="([^"]*)"', page.text).group(1)
    browser.post(ISSUER + "/profile/edit", {"csrf_token": csrf_of(page.text), "email": "third@example.com", "mobile": mobile})
    verify = browser.get(ISSUER + "/profile/verify")
    code = latest_code("email", "third@example.com")
    for _ in range(5):
        verify = browser.post(ISSUER + "/profile/verify", {"csrf_token": csrf_of(verify.text), "code_change_email": "999999" if code != "999999" else "888888"})
    final = browser.post(ISSUER + "/profile/verify", {"csrf_token": csrf_of(verify.text), "code_change_email": code})
    assert "資料更新成功" not in final.text and "沒有待確認的變更" in final.text


def test_an_smtp_outage_delays_the_code_and_it_arrives_after_recovery():
    """The relay answers 451 for a while: the page still answers at once, the message waits in the queue (the
    operator sees it), and it is delivered once the relay is back."""
    browser = signed_in()
    page = browser.get(ISSUER + "/profile/edit")
    mobile = re.search(r'name="mobile"[^>]*value="([^"]*)"', page.text).group(1)
    set_down("smtp", True)
    try:
        started = time.time()
        sent = browser.post(ISSUER + "/profile/edit", {"csrf_token": csrf_of(page.text), "email": "outage@example.com",
                                                        "mobile": mobile})
        assert sent.status_code == 303 and time.time() - started < 2, "sending must not wait for the relay"
        time.sleep(2.5)
        assert not [m for m in messages("mail") if m["to"] == "outage@example.com"]
        queue = subprocess.run([os.environ["INTEROP_BIN"], "messages"], capture_output=True, text=True, timeout=60)
        assert queue.returncode == 0 and re.search(r"^pending\s+[1-9]", queue.stdout, re.M), queue.stdout
    finally:
        set_down("smtp", False)
    message = wait_for_message("mail", "outage@example.com", timeout=30)
    assert message["tls"] and message["authenticated"] and "驗證碼" in message["subject"]
    queue = subprocess.run([os.environ["INTEROP_BIN"], "messages"], capture_output=True, text=True, timeout=60)
    assert re.search(r"^sent\s+[1-9]", queue.stdout, re.M)
