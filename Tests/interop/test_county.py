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
    # The IP login records say how.
    records = browser.get(ISSUER + "/account/ip-records?count=10")
    assert "縣市帳號（高雄市）" in records.text


def test_direct_county_sign_in_shows_the_linked_account_then_the_profile():
    browser = CountyBrowser()
    answer, _ = county_walk(browser, start_at_county(browser))
    page = browser.follow_all(answer)
    assert "您的教育雲端帳號是" in page.text and "interop.khlinked@mail.edu.tw" in page.text
    profile = browser.get(ISSUER + "/profile")
    assert profile.status_code == 200 and "高雄小明" in profile.text


def test_wrong_password_and_disabled_account_are_refused_at_the_county():
    browser = CountyBrowser()
    wrong, _ = county_walk(browser, start_at_county(browser), password="not-it")
    assert wrong.status_code == 401 and "縣市帳號或密碼錯誤" in wrong.text
    disabled, _ = county_walk(CountyBrowser(), start_at_county(CountyBrowser()), seat="9")
    # (a fresh browser per walk: the first one's pending login is still usable)
    assert disabled.status_code in (401, 403)


def test_a_county_identity_without_an_edu_cloud_account_is_offered_registration():
    browser = CountyBrowser()
    answer, username = county_walk(browser, start_at_county(browser), seat="8")
    assert username == "khnew"
    page = browser.follow_all(answer)
    assert "尚未對應到教育雲端帳號" in page.text and 'href="/register' in page.text


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


def test_every_bad_id_token_gives_a_clear_page_and_no_session():
    try:
        for mode in ("bad_signature", "wrong_audience", "expired", "nonce_mismatch", "wrong_issuer"):
            fault(mode)
            browser = CountyBrowser()
            answer, _ = county_walk(browser, start_at_county(browser))
            page = browser.follow_all(answer)
            assert page.status_code == 502 and "無法驗證" in page.text, (mode, page.status_code, page.text[:300])
            assert browser.get(ISSUER + "/profile").status_code in (302, 303), mode
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
    query, _ = callback_params(browser.follow_all(answer))
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
    answer, _ = county_walk(browser, start_at_county(browser, page="/account/forgot-password"))
    reset = browser.follow_all(answer)
    assert reset.status_code == 200 and "/reset" in reset.url, reset.url
    done = browser.follow(browser.post(form_action(reset.text), {
        "csrf_token": csrf_of(reset.text), "password": "NewCounty2026", "confirmation": "NewCounty2026"}))
    assert done.status_code == 200 and "密碼變更完成" in done.text, done.text[:400]
    # The new password signs in at EduSSO; a second reset within 24 hours is refused.
    again = CountyBrowser()
    answer, _ = county_walk(again, start_at_county(again, page="/account/forgot-password"))
    refused = again.follow_all(answer)
    assert "24 小時才能再次變更" in refused.text, refused.text[:400]
