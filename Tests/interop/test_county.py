"""County federation over real HTTP: EduSSO as the relying party of a running mock county provider (county-idp):
the county's student login screens, linking by national ID, the ID token EduSSO issues afterwards (amr "fed",
idp the county, verified with jwcrypto), and every fault the county can throw at it."""
import os
import re
import time
from urllib.parse import parse_qs, urlparse

import requests

from conftest import ISSUER, RP, Browser, authorization_params, callback_params, csrf_of, form_action, new_rp
from test_interop import verify_id_token

COUNTIES = {c["code"]: c for c in __import__("json").loads(os.environ["EDU_SSO_COUNTIES"])}
KH = COUNTIES["kh"]["issuer"]


def fault(mode, delay_ms=0, issuer=KH):
    requests.post(issuer + "/_test/fault", data={"mode": mode, "delay_ms": str(delay_ms)}, timeout=10).raise_for_status()


def links(page):
    return {html_text(text): href.replace("&amp;", "&") for href, text in re.findall(r'<a class="(?:choice|start)" href="([^"]+)">([^<]+)</a>', page.text)}


def html_text(text):
    return text.strip()


class CountyBrowser(Browser):
    def follow_all(self, response):
        """Follows redirects on EduSSO and on the county; stops at the app's callback."""
        while response.status_code in (302, 303) and not response.headers["Location"].startswith("http://127.0.0.1:9/"):
            location = response.headers["Location"]
            if location.startswith("/"):
                base = urlparse(response.url)
                location = f"{base.scheme}://{base.netloc}{location}"
            response = self.get(location)
        return response


def county_walk(browser, start, password="County1234", seat="7"):
    """At the Kaohsiung-style county: 學生登入 → 區域 → 學校 → 年級 → 班級 → 座號 (fills the account) → 密碼 → 登入."""
    page = browser.follow_all(start)
    assert "縣市帳號登入" in page.text, page.text[:300]
    base = f"{urlparse(page.url).scheme}://{urlparse(page.url).netloc}"
    for choice in ("學生登入", "鼓山區", "市立鼓山區鼓山國小", "5 年級", "03 班", f"{seat} 號"):
        options = links(page)
        assert choice in options, (choice, list(options)[:20])
        page = browser.get(base + options[choice])
        assert page.status_code == 200
    username = re.search(r'name="username" value="([^"]*)"', page.text).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    hidden.update({"username": username, "password": password})
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    return browser.post(base + action, hidden), username


def start_at_county(browser, code="kh", params=None, page="/login"):
    """From an EduSSO page (sign-in, 忘記帳號, 忘記密碼): the county button → the county's icon."""
    if params is None:
        login = browser.get(ISSUER + page)
    else:
        login = browser.follow(browser.get(ISSUER + "/oidc/v1/azp", params=params))
    choose_url = re.search(r'href="(/login/county[^"]*)"', login.text).group(1).replace("&amp;", "&")
    choose = browser.get(ISSUER + choose_url)
    assert "高雄市" in choose.text and "臺北市" in choose.text
    go = re.search(rf'href="([^"]+)" data-county="{code}"', choose.text).group(1).replace("&amp;", "&")
    return browser.get(ISSUER + go)


def test_county_sign_in_to_an_app_links_by_national_id_and_says_so_in_the_id_token():
    browser = CountyBrowser()
    params, verifier = authorization_params(scope="openid profile")
    answer, username = county_walk(browser, start_at_county(browser, params=params))
    # Grade, class and seat filled in the account (Kaohsiung style).
    assert username == "khlinked"
    response = browser.follow_all(answer)
    if response.status_code == 200:
        response = browser.consent(response)
    query, _ = callback_params(response)
    assert query["state"] == params["state"]
    tokens = new_rp("openid profile").fetch_token(ISSUER + "/oidc/v1/token", code=query["code"], code_verifier=verifier)
    claims, _ = verify_id_token(tokens["id_token"], RP["client_id"], params["nonce"])
    assert claims["amr"] == ["fed"] and claims["idp"] == KH and claims["acr"] == "1"
    assert claims["preferred_username"] == "interop.khlinked"
    # The IP login records and the app login records (written in batches) say how.
    records = browser.get(ISSUER + "/account/ip-records?count=10")
    assert "縣市帳號（高雄市）" in records.text
    cell = r'<td data-label="[^"]*">([^<]+)</td>'
    for _ in range(50):
        rows = re.findall(r"<tr>" + cell * 4 + r"</tr>", browser.get(ISSUER + "/account/app-records?count=10").text)
        if rows:
            break
        time.sleep(0.2)
    assert rows and rows[0][0] == "Interop RP" and rows[0][3] == "縣市帳號（高雄市）", rows


def test_direct_county_sign_in_shows_the_linked_account_then_the_profile():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    page = browser.follow_all(answer)
    assert "您的教育雲端帳號是" in page.text and "interop.khlinked@mail.edu.tw" in page.text
    profile = browser.get(ISSUER + "/profile")
    assert profile.status_code == 200 and "高雄小明" in profile.text


def test_signing_out_after_a_county_sign_in_offers_the_county_logout():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    browser.follow_all(answer)
    profile = browser.get(ISSUER + "/profile")
    ask = browser.post(ISSUER + "/oidc/v1/logout-to-go", {"csrf_token": csrf_of(profile.text)})
    done = browser.post(ISSUER + "/logout/confirm", {"csrf_token": csrf_of(ask.text), "ui_locales": "zh-TW"})
    assert done.status_code == 200 and "同時登出縣市帳號（高雄市）" in done.text
    assert browser.get(ISSUER + "/profile").status_code in (302, 303)
    county_logout = re.search(r'id="county-logout" href="([^"]+)"', done.text).group(1).replace("&amp;", "&")
    assert county_logout.startswith(KH + "/oidc/v1/logout-to-go?client_id=edu-sso")
    back = browser.get(county_logout)
    assert back.status_code in (302, 303) and back.headers["Location"] == ISSUER + "/"


def test_wrong_password_and_disabled_account_are_refused_at_the_county():
    browser = CountyBrowser()
    wrong, _ = county_walk(browser, start_at_county(browser), password="not-it")
    assert wrong.status_code == 401 and "縣市帳號或密碼錯誤" in wrong.text
    other = CountyBrowser()
    disabled, _ = county_walk(other, start_at_county(other), seat="9")
    assert disabled.status_code == 403 and "已停用" in disabled.text


def test_a_county_identity_without_an_edu_cloud_account_is_offered_registration_at_step_5():
    browser = CountyBrowser()
    answer, username = county_walk(browser, start_at_county(browser), seat="12")
    assert username == "khfresh"
    page = browser.follow_all(answer)
    assert "尚未對應到教育雲端帳號" in page.text
    # 申請帳號 continues at step 5 with the county's data (school from the registry, account suggested).
    register = re.search(r'href="(/register/[^"]+/confirm[^"]*)"', page.text).group(1).replace("&amp;", "&")
    confirm = browser.get(ISSUER + register)
    assert confirm.status_code == 200 and "資料無誤，下一步" in confirm.text and "高雄未申" in confirm.text
    # The application belongs to this browser only.
    assert CountyBrowser().get(ISSUER + register).status_code != 200


def test_a_replayed_or_foreign_state_is_refused():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    callback = answer.headers["Location"]
    assert callback.startswith(ISSUER + "/login/county/callback")
    first = browser.get(callback)
    assert first.status_code in (302, 303)
    again = browser.get(callback)
    assert again.status_code == 400 and "已失效或已使用過" in again.text
    # Another browser cannot use a callback meant for this one.
    other = CountyBrowser()
    answer, _ = county_walk(other, start_at_county(other))
    stranger = CountyBrowser()
    stranger.get(ISSUER + "/login")
    assert stranger.get(answer.headers["Location"]).status_code == 400


def server_log():
    with open(os.path.join(os.environ["INTEROP_WORK"], "server.log"), encoding="utf-8", errors="replace") as log:
        return log.read()


def test_every_bad_id_token_gives_a_clear_page_and_no_session():
    # Each fault is caught by its own check: the log names the check that refused the token.
    reasons = {"bad_signature": "signature not valid", "wrong_audience": "aud does not name EduSSO",
               "expired": "expired", "nonce_mismatch": "nonce does not match", "wrong_issuer": "iss is not the county"}
    try:
        for mode, reason in reasons.items():
            fault(mode)
            browser = CountyBrowser()
            answer, _ = county_walk(browser, start_at_county(browser))
            logged = len(server_log())
            page = browser.follow_all(answer)
            assert page.status_code == 502 and "無法驗證" in page.text, (mode, page.status_code, page.text[:300])
            assert browser.get(ISSUER + "/profile").status_code in (302, 303), mode
            failure = [line for line in server_log()[logged:].splitlines() if "county sign-in failed" in line]
            assert failure and reason in failure[-1], (mode, failure)
        fault("garbage")
        browser = CountyBrowser()
        answer, _ = county_walk(browser, start_at_county(browser))
        page = browser.follow_all(answer)
        assert page.status_code == 502 and "無法連線" in page.text
    finally:
        fault("none")


def test_a_county_that_is_down_or_slow_answers_within_seconds():
    browser = CountyBrowser()
    started = time.time()
    down = start_at_county(browser, code="zz")
    assert down.status_code == 502 and "無法連線" in down.text and time.time() - started < 5
    # Slow: the county takes 8 s, EduSSO gives up after county_timeout_seconds (2 in this suite).
    try:
        fault("slow", delay_ms=8000, issuer=COUNTIES["tp"]["issuer"])
        started = time.time()
        slow = start_at_county(CountyBrowser(), code="tp")
        assert slow.status_code == 502 and time.time() - started < 5
    finally:
        fault("none", issuer=COUNTIES["tp"]["issuer"])
    # Slow after the student signed in at the county: the code exchange hangs, the student waits one deadline.
    try:
        browser = CountyBrowser()
        answer, _ = county_walk(browser, start_at_county(browser))
        fault("slow_token", delay_ms=8000)
        started = time.time()
        page = browser.follow_all(answer)
        assert page.status_code == 502 and "無法連線" in page.text and time.time() - started < 4
    finally:
        fault("none")


def test_key_rotation_at_the_county_is_followed():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    assert "您的教育雲端帳號是" in browser.follow_all(answer).text
    old = requests.get(KH + "/oidc/v1/jwksets", timeout=10).json()["keys"]
    requests.post(KH + "/_test/rotate-keys", timeout=10).raise_for_status()
    new = requests.get(KH + "/oidc/v1/jwksets", timeout=10).json()["keys"]
    assert {k["kid"] for k in old}.isdisjoint({k["kid"] for k in new})
    # EduSSO cached the old JWKS; the new kid makes it fetch the set again (at most every 5 s).
    time.sleep(5.1)
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    assert "您的教育雲端帳號是" in browser.follow_all(answer).text


def test_an_app_that_requires_two_factors_is_told_a_county_sign_in_is_one():
    browser = CountyBrowser()
    params, _ = authorization_params(scope="openid", acr_values="2")
    answer, _ = county_walk(browser, start_at_county(browser, params=params))
    # The page that explains the app's requirement, as after a one-factor password sign-in; its button tells the app.
    page = browser.follow_all(answer)
    assert page.status_code == 403 and "雙因子" in page.text
    back = browser.post(form_action(page.text), {"csrf_token": csrf_of(page.text)})
    query, _ = callback_params(back)
    assert query["error"] == "unmet_authentication_requirements" and query["state"] == params["state"]


def test_forgot_account_through_the_county_shows_the_linked_account():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser, page="/account/forgot-account"))
    page = browser.follow_all(answer)
    assert "interop.khlinked@mail.edu.tw" in page.text
    # Finding the account signs nobody in.
    assert browser.get(ISSUER + "/profile").status_code in (302, 303)


def test_forgot_password_through_the_county_leads_to_the_reset_and_the_24_hour_rule():
    browser = CountyBrowser()
    choose = browser.get(ISSUER + "/account/forgot-password")
    assert "/login/county?purpose=forgot_password" in choose.text.replace("&amp;", "&")
    answer, _ = county_walk(browser, start_at_county(browser, page="/account/forgot-password"), seat="13")
    reset = browser.follow_all(answer)
    assert reset.status_code == 200 and "/reset" in reset.url, reset.url
    done = browser.follow(browser.post(form_action(reset.text), {
        "csrf_token": csrf_of(reset.text), "password": "NewCounty2026", "confirmation": "NewCounty2026"}))
    assert done.status_code == 200 and "密碼變更完成" in done.text, done.text[:400]
    # The new password signs in at EduSSO; a second reset within 24 hours is refused.
    signed_in = Browser()
    assert "高雄重設" in signed_in.login(signed_in.get(ISSUER + "/login"), "interop.khreset", "NewCounty2026").text
    again = CountyBrowser()
    answer, _ = county_walk(again, start_at_county(again, page="/account/forgot-password"), seat="13")
    refused = again.follow_all(answer)
    assert "24 小時才能再次變更" in refused.text, refused.text[:400]


def test_applying_for_an_account_with_a_county_account():
    """申請帳號 step 4-1: the county's data stand in for the personal data; step 5 shows the registry record and step
    7 suggests <county account>.kh."""
    from test_registration import choose_school, post, start
    browser = CountyBrowser()
    method = choose_school(browser, start(browser), county="高雄市", district="鼓山區", level="國小", school="523601")
    assert "我有縣市帳號" in method.text
    choose = browser.follow(post(browser, method, {"method": "county"}))
    go = re.search(r'href="([^"]+)" data-county="kh"', choose.text).group(1).replace("&amp;", "&")
    answer, username = county_walk(browser, browser.get(ISSUER + go), seat="8")
    assert username == "khnew"
    confirm = browser.follow_all(answer)
    assert confirm.status_code == 200 and "資料無誤，下一步" in confirm.text and "高雄小華" in confirm.text
    assert "E12****014" in confirm.text and "E120002014" not in confirm.text
    consent = browser.follow(post(browser, confirm, {"next": "1"}))
    account = browser.follow(post(browser, consent, {"decision": "agree"}))
    assert "khnew.kh" in account.text
    summary = browser.follow(post(browser, account, {"username": "khnew.kh", "password": "Safe2Pass",
                                                     "confirmation": "Safe2Pass", "email": "khnew@example.com",
                                                     "mobile": "0933111222", "next": "1"}))
    assert "khnew.kh@mail.edu.tw" in summary.text, summary.text[:500]
    done = browser.follow(post(browser, summary, {"finish": "1"}))
    assert "新建帳號成功！" in done.text
    # From now on the county account signs in to it.
    again = CountyBrowser()
    answer, _ = county_walk(again, start_at_county(again), seat="8")
    assert "khnew.kh@mail.edu.tw" in again.follow_all(answer).text


def test_a_county_sign_in_still_asks_for_the_accounts_second_factor():
    from test_security_pages import bind_authenticator, post_form
    from totp_steps import code_after
    who = ("interop.khtfa", "Passw0rd1234")
    browser = Browser()
    browser.login(browser.get(ISSUER + "/login"), *who)
    totp, _, _, last_step = bind_authenticator(browser, who)
    browser.follow(post_form(browser, browser.get(ISSUER + "/account/2fa"), {}))  # 啟用雙因子驗證
    county = CountyBrowser()
    answer, username = county_walk(county, start_at_county(county), seat="10")
    assert username == "khtfa"
    step = county.follow_all(answer)
    assert "/login/2fa/" in step.text and county.get(ISSUER + "/profile").status_code in (302, 303)
    linked = county.follow(post_form(county, step, {"code": code_after(totp, last_step)[1]}))
    assert "interop.khtfa@mail.edu.tw" in linked.text
    # The session is federated and two-factor: an app asking for acr 2 needs no further sign-in.
    params, verifier = authorization_params(scope="openid", acr_values="2")
    response = county.follow_all(county.get(ISSUER + "/oidc/v1/azp", params=params))
    if response.status_code == 200:
        response = county.consent(response)
    query, _ = callback_params(response)
    tokens = new_rp("openid").fetch_token(ISSUER + "/oidc/v1/token", code=query["code"], code_verifier=verifier)
    claims, _ = verify_id_token(tokens["id_token"], RP["client_id"], params["nonce"])
    assert claims["amr"] == ["fed", "otp"] and claims["acr"] == "2" and claims["idp"] == KH
