"""OpenID Connect Back-Channel Logout 1.0: when the student's session ends at EduSSO (signing out, a password reset,
an operator's disable), an app that registered a backchannel_logout_uri receives a logout token, verified here with
jwcrypto against the published JWKS; an app whose endpoint is down gets it once the endpoint is back (the durable
queue retries)."""
import json
import time

import requests
from jwcrypto import jwk, jwt

from conftest import (ISSUER, Browser, authorization_params, callback_params, csrf_of, form_action, new_rp,
                      sign_in_and_get_code)
from sinks import messages, set_down, wait_for_code, wait_for_message
from test_recovery import cli, post, request_code

APP = {"client_id": "interop-bcl", "client_secret": "bcl-secret-0123456789", "redirect_uri": "http://127.0.0.1:9/cb"}
PATH = "/backchannel/interop-bcl"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def sign_in():
    browser = Browser()
    params, verifier = authorization_params(client=APP, scope="openid profile")
    code = sign_in_and_get_code(browser, params)
    tokens = new_rp("openid profile", client=APP).fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    return browser, tokens


def claims_of(token, verify=True):
    keys = jwk.JWKSet.from_json(requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).text)
    checked = jwt.JWT(jwt=token, key=keys, check_claims={"iss": ISSUER, "aud": APP["client_id"], "exp": None})
    return json.loads(checked.claims), json.loads(checked.header)


def test_discovery_says_back_channel_logout_is_supported(discovery):
    assert discovery["backchannel_logout_supported"] is True
    assert discovery["backchannel_logout_session_supported"] is True


def test_logout_sends_the_app_a_logout_token_for_its_session():
    browser, tokens = sign_in()
    signed_in, _ = claims_of(tokens["id_token"])
    since = time.time()
    response = browser.get(ISSUER + "/oidc/v1/logout-to-go", params={"id_token_hint": tokens["id_token"]})
    assert response.status_code == 200
    notice = wait_for_message("backchannel", PATH, since=since)
    assert notice["content_type"].startswith("application/x-www-form-urlencoded")
    claims, header = claims_of(notice["body"])
    assert header["typ"] == "logout+jwt" and header["alg"] == "RS256"
    assert claims["sub"] == signed_in["sub"] and claims["sid"] == signed_in["sid"]
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims and claims["jti"]
    assert 0 < claims["exp"] - claims["iat"] <= 120


def test_an_app_that_is_down_gets_its_logout_token_when_it_is_back():
    browser, tokens = sign_in()
    set_down("backchannel", True)
    try:
        since = time.time()
        browser.get(ISSUER + "/oidc/v1/logout-to-go", params={"id_token_hint": tokens["id_token"]})
        # The queue tried, was refused, and keeps the notice for a later attempt.
        deadline = time.time() + 10
        while not [m for m in messages("backchannel-refused") if m["received"] > since] and time.time() < deadline:
            time.sleep(0.1)
        assert [m for m in messages("backchannel-refused") if m["received"] > since], "no attempt was made"
        assert not [m for m in messages("backchannel") if m["received"] > since]
    finally:
        set_down("backchannel", False)
    notice = wait_for_message("backchannel", PATH, since=since, timeout=30)
    claims, _ = claims_of(notice["body"])
    assert claims["sid"] == claims_of(tokens["id_token"])[0]["sid"]


def test_only_apps_of_the_ended_session_are_told():
    # Signed in to another app only, then signed out (confirmed on the page): interop-bcl hears nothing.
    browser = Browser()
    params, _ = authorization_params(scope="openid profile")
    sign_in_and_get_code(browser, params)
    since = time.time()
    page = browser.get(ISSUER + "/oidc/v1/logout-to-go")
    assert page.status_code == 200
    done = browser.post(form_action(page.text), {"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200
    params, _ = authorization_params(scope="openid profile", prompt="none")
    assert callback_params(browser.authorize(params))[0]["error"] == "login_required", "the session should have ended"
    time.sleep(1.5)
    assert not [m for m in messages("backchannel") if m["received"] > since]


def sign_in_as(username, password):
    browser = Browser()
    params, verifier = authorization_params(client=APP, scope="openid profile")
    code = sign_in_and_get_code(browser, params, account=(username, password))
    tokens = new_rp("openid profile", client=APP).fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    return claims_of(tokens["id_token"])[0]


def test_a_password_reset_tells_the_apps_of_every_session_it_ended():
    cli("account", "add", "--username", "interop.bcl.reset", "--password", "Passw0rd1234", "--name", "王重設",
        "--email", "bcl-reset@example.com")
    # Two sessions (two browsers), each signed in to the app.
    first = sign_in_as("interop.bcl.reset", "Passw0rd1234")
    second = sign_in_as("interop.bcl.reset", "Passw0rd1234")
    assert first["sid"] != second["sid"]
    browser = Browser()
    code_page, since = request_code(browser, "reset", "interop.bcl.reset")
    reset = browser.follow(post(browser, code_page, {"code": wait_for_code("mail", "bcl-reset@example.com", since)}))
    since = time.time()
    done = browser.follow(post(browser, reset, {"password": "NewPass2024", "confirmation": "NewPass2024"}))
    assert "密碼變更完成" in done.text
    told = {}
    deadline = time.time() + 20
    while len(told) < 2 and time.time() < deadline:
        for message in messages("backchannel"):
            if message["received"] > since and message["to"] == PATH:
                claims, _ = claims_of(message["body"])
                told[claims["sid"]] = claims
        time.sleep(0.2)
    assert set(told) == {first["sid"], second["sid"]}
    assert all(claims["sub"] == first["sub"] and claims["events"] == {EVENT: {}} for claims in told.values())


def test_an_operator_disable_tells_the_app_through_a_serving_node():
    cli("account", "add", "--username", "interop.bcl.off", "--password", "Passw0rd1234", "--name", "王停用")
    signed_in = sign_in_as("interop.bcl.off", "Passw0rd1234")
    since = time.time()
    # The command queues the notice; the server's dispatcher signs and delivers it on its next poll.
    # One session, one app with a back-channel logout URI: exactly one notice.
    assert "1 back-channel logout notice(s) queued" in cli("account", "disable", "interop.bcl.off")
    deadline = time.time() + 20
    found = []
    while not found and time.time() < deadline:
        found = [m for m in messages("backchannel") if m["received"] > since and m["to"] == PATH
                 and claims_of(m["body"])[0]["sid"] == signed_in["sid"]]
        time.sleep(0.2)
    assert found, "no logout token for the disabled account's session"
    claims, header = claims_of(found[0]["body"])
    assert claims["sub"] == signed_in["sub"] and header["typ"] == "logout+jwt"
    assert 0 < claims["exp"] - claims["iat"] <= 120


def test_turning_two_factor_on_tells_the_apps_of_the_other_sessions():
    from test_security_pages import bind_authenticator, post_form, sign_in_directly
    who = ("interop.bcl.tfa", "Passw0rd1234")
    cli("account", "add", "--username", who[0], "--password", who[1], "--name", "王雙因", "--email", "bcl@example.com")
    elsewhere = sign_in_as(*who)  # a password-only session, signed in to the app
    browser = Browser()
    assert sign_in_directly(browser, who).status_code == 200
    bind_authenticator(browser, who)
    status = browser.get(ISSUER + "/account/2fa")
    since = time.time()
    assert "已啟用" in browser.follow(post_form(browser, status, {})).text
    deadline = time.time() + 20
    found = []
    while not found and time.time() < deadline:
        found = [m for m in messages("backchannel") if m["received"] > since and m["to"] == PATH
                 and claims_of(m["body"])[0]["sid"] == elsewhere["sid"]]
        time.sleep(0.2)
    assert found, "no logout token for the session that turning two-factor on ended"
    assert claims_of(found[0]["body"])[0]["sub"] == elsewhere["sub"]
