"""The student's security pages over real HTTP: 應用服務授權清單 (revoking an app revokes its tokens and brings the
consent page back), 應用服務登入紀錄, IP登入紀錄, 雙因子認證綁定 (the QR code read back with zbarimg, codes computed
by pyotp, an independent TOTP implementation), sign-in with two factors (amr/acr checked in the ID token with
jwcrypto), replay and recovery codes, acr_values=2, and the 介接應用服務 portal."""
import calendar
import os
import re
import subprocess
import tempfile
import time
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import requests

from conftest import (ISSUER, RP, SEEN_SECRETS, Browser, authorization_params, callback_params, csrf_of, form_action,
                      new_rp, sign_in_and_get_code)
from sinks import wait_for_message
from test_interop import token_request, verify_id_token
from totp_steps import code_after

PASSWORD = "Passw0rd1234"


def account(name):
    return ("interop." + name, PASSWORD)


def sign_in_directly(browser, who):
    """Direct sign-in (/login): lands on 查閱個人資料, or on the code step when two-factor is on."""
    return browser.login(browser.get(ISSUER + "/login"), who[0], who[1])


def app_sign_in(browser, who, scope="openid profile offline_access", **extra):
    params, verifier = authorization_params(scope=scope, **extra)
    code = sign_in_and_get_code(browser, params, account=who)
    tokens = new_rp(scope).fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    return params, tokens


def post_form(browser, page, extra):
    data = {"csrf_token": csrf_of(page.text)}
    data.update(extra)
    return browser.post(form_action(page.text), data)


# --- 應用服務授權清單 (manual 捌.1)

def test_revoking_an_app_revokes_its_tokens_and_the_next_sign_in_asks_for_consent_again():
    who = account("revoker")
    browser = Browser()
    _, tokens = app_sign_in(browser, who)
    assert requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]},
                        timeout=10).status_code == 200
    listing = browser.get(ISSUER + "/account/apps")
    assert listing.status_code == 200 and "Interop RP" in listing.text
    assert "首次授權時間" in listing.text and "最近使用時間" in listing.text
    # The scopes are in plain words, not scope names.
    assert "您的姓名與帳號" in listing.text
    # Nothing selected: the list again, with a clear message.
    nothing = post_form(browser, listing, {})
    assert nothing.status_code == 422 and "請勾選" in nothing.text
    # A code issued just before the revocation, exchanged after it, must not become a live grant.
    early, early_verifier = authorization_params(scope="openid profile", prompt="none")
    early_code = callback_params(browser.authorize(early))[0]["code"]
    confirm = post_form(browser, listing, {"client_id": ["interop-rp", "not-authorized-app"]})
    assert confirm.status_code == 200
    assert "確定要取消以下 1 個應用服務的授權嗎？" in confirm.text and "Interop RP" in confirm.text
    done = browser.post(form_action(confirm.text), {"csrf_token": csrf_of(confirm.text), "client_id": "interop-rp"})
    assert done.status_code == 200 and "取消授權成功" in done.text and "Interop RP" in done.text
    # The app's tokens stopped working: the refresh token, and the access token at userinfo and introspection.
    refreshed = token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]},
                        timeout=10).status_code == 401
    introspected = requests.post(ISSUER + "/oidc/v1/introspect", data={"token": tokens["access_token"]},
                                 auth=(RP["client_id"], RP["client_secret"]), timeout=10)
    assert introspected.json() == {"active": False}
    assert "Interop RP" not in browser.get(ISSUER + "/account/apps").text
    late = token_request({"grant_type": "authorization_code", "code": early_code, "redirect_uri": RP["redirect_uri"],
                          "code_verifier": early_verifier})
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    # Still signed in to EduSSO, but the app must ask again: the consent page comes back.
    params, _ = authorization_params(scope="openid profile")
    again = browser.authorize(params)
    assert again.status_code == 200 and "授權確認" in again.text
    # A confirmation posted without the page's CSRF token (from another site) is refused.
    forged = browser.post(ISSUER + "/account/apps/revoke/confirm", {"client_id": "interop-rp"})
    assert forged.status_code == 403


def test_the_pages_need_a_signed_in_student():
    for path in ("/account/apps", "/account/app-records", "/account/ip-records", "/account/2fa",
                 "/account/2fa/setup/bind", "/account/2fa/unbind"):
        response = Browser().get(ISSUER + path)
        assert response.status_code in (302, 303) and response.headers["Location"].startswith("/login"), path


# --- 應用服務登入紀錄 (捌.2) and IP登入紀錄 (玖)

def test_record_pages_list_newest_first_with_the_chosen_count():
    who = account("records")
    browser = Browser()
    # A wrong password first, then sign-ins to two apps.
    wrong = browser.login(browser.get(ISSUER + "/login"), who[0], "wrong-password-1")
    assert wrong.status_code == 401
    app_sign_in(browser, who)
    other = {"client_id": "interop-other", "client_secret": "other-secret-0123456789",
             "redirect_uri": "http://127.0.0.1:9/other"}
    params, _ = authorization_params(client=other, scope="openid", prompt="login")
    sign_in_and_get_code(browser, params, account=who)
    # Records are written in batches (record_batch_ms, 1 s by default): the page says so, and they appear.
    page = browser.get(ISSUER + "/account/app-records")
    assert "稍候" in page.text
    for _ in range(50):
        page = browser.get(ISSUER + "/account/app-records?count=20")
        if page.text.count("<tr><td") >= 2:
            break
        time.sleep(0.2)
    cell = r'<td data-label="[^"]*">([^<]+)</td>'
    rows = re.findall(r"<tr>" + cell * 4 + r"</tr>", page.text)
    assert [row[0] for row in rows[:2]] == ["Other RP", "Interop RP"], rows
    assert [row[3] for row in rows[:2]] == ["密碼", "密碼"], rows
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", rows[0][1]) and rows[0][2] == "127.0.0.1"
    # Asia/Taipei: eight hours ahead of UTC.
    assert abs(calendar.timegm(time.strptime(rows[0][1], "%Y-%m-%d %H:%M:%S")) - 8 * 3600 - time.time()) < 120
    assert '<option value="20" selected>' in page.text
    assert '<option value="10" selected>' in browser.get(ISSUER + "/account/app-records?count=7").text
    one = browser.get(ISSUER + "/account/app-records?count=10")
    assert one.status_code == 200
    ip_page = browser.get(ISSUER + "/account/ip-records?count=10")
    cells = re.findall(r'<tr(?: class="failed")?>' + cell * 5 + r"</tr>", ip_page.text)
    # Newest first: two successful password sign-ins after the wrong password.
    assert [c[3] for c in cells[:3]] == ["成功", "成功", "帳號或密碼錯誤"], cells
    assert all(c[2] == "密碼" and c[1] == "127.0.0.1" for c in cells[:3])
    assert cells[0][4] == "Python"
    english = browser.get(ISSUER + "/account/ip-records?count=10&lang=en")
    assert "Wrong password" in english.text and "Password" in english.text


# --- 雙因子認證綁定 (壹拾)

def decode_qr(svg):
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as file:
        file.write(svg)
    try:
        return subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", file.name], capture_output=True, timeout=30,
                              check=True).stdout.rstrip(b"\n").decode("utf-8")
    finally:
        os.unlink(file.name)


def bind_authenticator(browser, who):
    """Walks the wizard; returns (pyotp.TOTP from the QR code, recovery codes, the otpauth URI, the step whose
    code bound it)."""
    status = browser.get(ISSUER + "/account/2fa")
    assert status.status_code == 200 and "開始" in status.text
    # 開始 asks for the password again.
    refused = post_form(browser, status, {"password": "not-the-password"})
    assert refused.status_code == 422 and "密碼不正確" in refused.text
    step = browser.follow(post_form(browser, refused, {"password": who[1]}))
    assert "準備裝置" in step.text
    step = browser.get(ISSUER + "/account/2fa/setup/apps")
    store_links = [decode_qr(svg) for svg in re.findall(r"<svg.*?</svg>", step.text, re.S)]
    assert "https://apps.apple.com/app/google-authenticator/id388497605" in store_links
    assert "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2" in store_links
    assert "iOS" in browser.get(ISSUER + "/account/2fa/setup/howto").text
    bind = browser.get(ISSUER + "/account/2fa/setup/bind")
    assert bind.headers["Cache-Control"] == "no-store"
    uri = decode_qr(re.search(r'<figure class="qr" id="binding-qr">(<svg.*?</svg>)', bind.text, re.S).group(1))
    parsed = urlparse(uri)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert query == {"secret": query["secret"], "issuer": "EduSSO", "algorithm": "SHA1", "digits": "6", "period": "30"}
    # The key shown for manual entry is the one in the QR code.
    shown = re.search(r'<code id="totp-secret">([^<]+)</code>', bind.text).group(1).replace(" ", "")
    assert shown == query["secret"]
    totp = pyotp.TOTP(query["secret"])
    SEEN_SECRETS.add(query["secret"])
    bound_step = int(time.time()) // 30
    code = totp.at(bound_step * 30)
    wrong = post_form(browser, bind, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and "驗證碼不正確" in wrong.text
    since = time.time()
    done = post_form(browser, wrong, {"code": code})
    assert done.status_code == 200 and "綁定完成" in done.text and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    SEEN_SECRETS.update(codes)
    # The owner is told by e-mail.
    notice = wait_for_message("mail", who[0].split(".")[1] + "@example.com", since)
    assert "雙因子" in notice["subject"] and "綁定了驗證器" in notice["body"]
    return totp, codes, parsed, bound_step


def test_binding_enabling_signing_in_with_a_code_replay_recovery_and_unbinding():
    who = account("tfa")
    browser = Browser()
    assert sign_in_directly(browser, who).status_code == 200
    totp, codes, parsed, last_step = bind_authenticator(browser, who)
    assert unquote(parsed.path) == "/EduSSO:interop.tfa@mail.edu.tw"
    status = browser.get(ISSUER + "/account/2fa")
    assert "未啟用" in status.text and "<dd>10</dd>" in status.text
    # Bound but not turned on: sign-in is still the password alone.
    elsewhere = Browser()
    assert "查閱個人資料" in sign_in_directly(elsewhere, who).text
    # Turning it on signs out every other session (a password-only one above all) and revokes its apps' grants.
    _, elsewhere_tokens = app_sign_in(elsewhere, who, prompt="login")
    since = time.time()
    enabled = browser.follow(post_form(browser, status, {}))
    assert "已啟用" in enabled.text
    assert "啟用了雙因子驗證" in wait_for_message("mail", "tfa@example.com", since)["body"]
    assert elsewhere.get(ISSUER + "/profile").status_code in (302, 303)
    assert token_request({"grant_type": "refresh_token", "refresh_token": elsewhere_tokens["refresh_token"]}).json()["error"] == "invalid_grant"
    assert browser.get(ISSUER + "/profile").status_code == 200

    # Signing in to an app now needs a code after the password; no session exists before it.
    phone = Browser()
    params, verifier = authorization_params(scope="openid profile")
    step = phone.login(phone.authorize(params), who[0], who[1])
    assert step.status_code == 200 and "雙因子驗證" in step.text and "/login/2fa/" in step.text
    assert phone.get(ISSUER + "/profile").status_code in (302, 303)
    wrong = post_form(phone, step, {"code": "12345"})
    assert wrong.status_code == 401 and "驗證碼不正確" in wrong.text
    # The code step belongs to the browser that typed the password: another browser, with its own cookie and
    # CSRF token, gets nowhere.
    stranger = Browser()
    own = stranger.get(ISSUER + "/login")
    assert stranger.post(form_action(step.text), {"csrf_token": csrf_of(own.text), "code": "123456"}).status_code == 400
    last_step, used = code_after(totp, last_step)
    response = phone.follow(post_form(phone, wrong, {"code": used}))
    if response.status_code == 200:
        response = phone.consent(response)
    query, _ = callback_params(response)
    tokens = new_rp("openid profile").fetch_token(ISSUER + "/oidc/v1/token", code=query["code"], code_verifier=verifier)
    claims, _ = verify_id_token(tokens["id_token"], RP["client_id"], params["nonce"])
    assert claims["amr"] == ["pwd", "otp"] and claims["acr"] == "2"

    # The same code again, in another sign-in within its step: refused as a replay.
    again = Browser()
    step = sign_in_directly(again, who)
    replay = post_form(again, step, {"code": used})
    assert replay.status_code == 401 and "已使用過" in replay.text
    # A recovery code replaces the device, once.
    recovered = again.follow(post_form(again, replay, {"code": codes[0].upper()}))
    assert recovered.status_code == 200 and "查閱個人資料" in recovered.text
    reuse = Browser()
    step = sign_in_directly(reuse, who)
    assert post_form(reuse, step, {"code": codes[0]}).status_code == 401
    assert "<dd>9</dd>" in again.get(ISSUER + "/account/2fa").text
    # 更新個人資料 asks for a fresh sign-in: with two factors, the code step leads back to it.
    update = again.login(again.get(ISSUER + "/profile/update"), who[0], who[1])
    assert "/login/2fa/" in update.text
    last_step, code = code_after(totp, last_step)
    landed = post_form(again, update, {"code": code})
    assert landed.status_code == 303 and landed.headers["Location"].startswith("/profile/update/school")
    # The IP records show each method and outcome.
    records = again.get(ISSUER + "/account/ip-records?count=20").text
    for text in ("備用救援碼", "驗證碼重複使用", "驗證碼錯誤", "雙因子驗證碼", "密碼"):
        assert text in records, text

    # Unbinding needs a current code, or (in a session signed in with a code, as this one) the password again.
    unbind = again.get(ISSUER + "/account/2fa/unbind")
    assert 'name="password"' in unbind.text
    refused = post_form(again, unbind, {"password": "not-the-password"})
    assert refused.status_code == 422 and "不正確" in refused.text
    since = time.time()
    removed = post_form(again, refused, {"password": PASSWORD})
    assert removed.status_code == 200 and "已解除雙因子綁定" in removed.text
    assert "解除了雙因子綁定" in wait_for_message("mail", "tfa@example.com", since)["body"]
    assert sign_in_directly(Browser(), who).status_code == 200
    assert "開始" in again.get(ISSUER + "/account/2fa").text


def test_unbinding_with_a_current_code():
    who = account("tfa2")
    browser = Browser()
    sign_in_directly(browser, who)
    totp, _, _, last_step = bind_authenticator(browser, who)
    unbind = browser.get(ISSUER + "/account/2fa/unbind")
    # This session was signed in with the password alone: the password cannot remove the binding, only a code.
    assert 'name="password"' not in unbind.text
    refused = post_form(browser, unbind, {"password": PASSWORD})
    assert refused.status_code == 422
    removed = post_form(browser, refused, {"code": code_after(totp, last_step)[1]})
    assert removed.status_code == 200 and "已解除雙因子綁定" in removed.text


def test_an_app_can_require_two_factors_with_acr_values():
    who = account("stepup")
    browser = Browser()
    # Without an authenticator the app's requirement cannot be met: the page says so, and 返回應用服務 tells the app.
    params, _ = authorization_params(scope="openid", acr_values="2")
    page = browser.login(browser.authorize(params), who[0], who[1])
    assert page.status_code == 403 and "此應用服務要求雙因子驗證" in page.text
    back = browser.post(form_action(page.text), {"csrf_token": csrf_of(page.text)})
    query, _ = callback_params(back)
    assert query["error"] == "unmet_authentication_requirements" and query["state"] == params["state"]
    # Bound (not even turned on): an app asking for acr 2 gets the code step, and a password-only session is not
    # enough for it.
    totp, _, _, last_step = bind_authenticator(browser, who)
    params, verifier = authorization_params(scope="openid", acr_values="2")
    step = browser.login(browser.authorize(params), who[0], who[1])
    assert "/login/2fa/" in step.text
    response = browser.follow(post_form(browser, step, {"code": code_after(totp, last_step)[1]}))
    if response.status_code == 200:
        response = browser.consent(response)
    query, _ = callback_params(response)
    tokens = new_rp("openid").fetch_token(ISSUER + "/oidc/v1/token", code=query["code"], code_verifier=verifier)
    claims, _ = verify_id_token(tokens["id_token"], RP["client_id"], params["nonce"])
    assert claims["acr"] == "2" and claims["amr"] == ["pwd", "otp"]
    # That two-factor session now satisfies acr 2 silently.
    params, _ = authorization_params(scope="openid", acr_values="2", prompt="none")
    query, _ = callback_params(browser.authorize(params))
    assert "code" in query


def test_discovery_lists_both_authentication_levels(discovery):
    assert discovery["acr_values_supported"] == ["1", "2"]


# --- 介接應用服務 portal

def test_the_portal_shows_listed_apps_only_with_logo_and_authorization():
    who = account("revoker")
    browser = Browser()
    profile = sign_in_directly(browser, who)
    assert profile.status_code == 200
    assert "介接應用服務" in profile.text and "互通測試用的學習平臺" in profile.text and "學習資源" in profile.text
    assert 'href="https://rp.example.edu.tw/"' in profile.text
    # Only the app with a logo has an image; the others a placeholder.
    assert profile.text.count('<img src="/portal/logo/interop-rp"') == 1 and "<img src=\"\"" not in profile.text
    # Unlisted apps (test and internal ones) are not shown.
    for hidden in ("Kaohsiung-style RP", "Mobile RP", "Service", "Key-based RP"):
        assert hidden not in profile.text
    logo = requests.get(ISSUER + "/portal/logo/interop-rp", timeout=10)
    assert logo.status_code == 200 and logo.headers["Content-Type"] == "image/png" and logo.content.startswith(b"\x89PNG")
    assert requests.get(ISSUER + "/portal/logo/interop-other", timeout=10).status_code == 404
    # 已授權 once the student has a consent for it.
    app_sign_in(browser, who, scope="openid", prompt="login")
    assert "已授權" in browser.get(ISSUER + "/profile").text
