"""Malformed and hostile requests get the error the specification names, never a 500."""
import time

import requests

from conftest import (ISSUER, RP, Browser, authorization_params, callback_params, new_rp,
                      sign_in_and_get_code)

AUTH = (RP["client_id"], RP["client_secret"])


def token(data, auth=AUTH, **kw):
    return requests.post(ISSUER + "/oidc/v1/token", data=data, auth=auth, timeout=10, **kw)


def test_unknown_client_gets_error_page_not_redirect():
    params, _ = authorization_params(client_id="nope")
    response = Browser().get(ISSUER + "/oidc/v1/azp", params=params)
    assert response.status_code == 400 and "text/html" in response.headers["Content-Type"]
    assert "Location" not in response.headers


def test_mismatched_redirect_uri_gets_error_page():
    params, _ = authorization_params(redirect_uri="http://127.0.0.1:9/cb/extra")
    response = Browser().get(ISSUER + "/oidc/v1/azp", params=params)
    assert response.status_code == 400 and "Location" not in response.headers


def test_implicit_flow_is_unsupported_response_type():
    params, _ = authorization_params(response_type="token")
    query, _ = callback_params(Browser().get(ISSUER + "/oidc/v1/azp", params=params))
    assert query["error"] == "unsupported_response_type"


def test_repeated_parameter_is_invalid_request():
    params, _ = authorization_params()
    url = ISSUER + "/oidc/v1/azp?" + requests.compat.urlencode(params) + "&scope=openid"
    query, _ = callback_params(Browser().get(url))
    assert query["error"] == "invalid_request"


def test_plain_pkce_is_refused():
    params, _ = authorization_params(code_challenge_method="plain")
    query, _ = callback_params(Browser().get(ISSUER + "/oidc/v1/azp", params=params))
    assert query["error"] == "invalid_request"


def test_public_client_without_pkce_is_refused():
    params = {"response_type": "code", "client_id": "interop-public", "redirect_uri": "http://127.0.0.1:9/mobile",
              "scope": "openid", "state": "x"}
    query, _ = callback_params(Browser().get(ISSUER + "/oidc/v1/azp", params=params))
    assert query["error"] == "invalid_request" and query["state"] == "x"


def test_bad_pkce_verifier_expired_and_reused_codes():
    browser = Browser()
    params, verifier = authorization_params()
    code = sign_in_and_get_code(browser, params)
    wrong = token({"grant_type": "authorization_code", "code": code, "redirect_uri": RP["redirect_uri"],
                   "code_verifier": "x" * 50})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The code was spent by the failed attempt; a second use is invalid_grant too.
    again = token({"grant_type": "authorization_code", "code": code, "redirect_uri": RP["redirect_uri"], "code_verifier": verifier})
    assert again.json()["error"] == "invalid_grant"


def test_code_reuse_revokes_issued_tokens():
    browser = Browser()
    params, verifier = authorization_params(scope="openid profile")
    code = sign_in_and_get_code(browser, params, consent=True)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": RP["redirect_uri"], "code_verifier": verifier}
    first = token(data).json()
    second = token(data)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    userinfo = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + first["access_token"]}, timeout=10)
    assert userinfo.status_code == 401


def test_code_of_another_client_is_invalid_grant():
    browser = Browser()
    params, verifier = authorization_params(scope="openid")
    code = sign_in_and_get_code(browser, params)
    response = token({"grant_type": "authorization_code", "code": code, "redirect_uri": RP["redirect_uri"],
                      "code_verifier": verifier}, auth=("interop-other", "other-secret-0123456789"))
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_401_invalid_client_with_challenge():
    response = token({"grant_type": "client_credentials"}, auth=(RP["client_id"], "wrong"))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_client_secret_post_works():
    response = requests.post(ISSUER + "/oidc/v1/token", data={"grant_type": "client_credentials", "client_id": "interop-post",
                                                              "client_secret": "post-secret-0123456789"}, timeout=10)
    assert response.status_code == 200


def test_unknown_grant_type():
    assert token({"grant_type": "password", "username": "a", "password": "b"}).json()["error"] == "unsupported_grant_type"


def test_missing_grant_type_and_duplicates():
    assert token({}).json()["error"] == "invalid_request"
    body = "grant_type=client_credentials&grant_type=client_credentials"
    response = requests.post(ISSUER + "/oidc/v1/token", data=body, auth=AUTH, timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.json()["error"] == "invalid_request"


def test_wrong_content_type_is_invalid_request():
    response = requests.post(ISSUER + "/oidc/v1/token", json={"grant_type": "client_credentials"}, auth=AUTH, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_oversized_body_is_refused():
    response = token({"grant_type": "client_credentials", "pad": "x" * 200_000})
    assert response.status_code in (400, 413) and response.json()["error"] == "invalid_request"


def test_garbage_client_assertion_is_invalid_client():
    response = requests.post(ISSUER + "/oidc/v1/token", data={
        "grant_type": "client_credentials", "client_id": "interop-rp",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": "not.a.jwt"}, timeout=10)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_invalid_id_token_hint_is_invalid_request():
    params, _ = authorization_params(id_token_hint="eyJhbGciOiJub25lIn0.e30.")
    query, _ = callback_params(Browser().get(ISSUER + "/oidc/v1/azp", params=params))
    assert query["error"] == "invalid_request"


def test_userinfo_without_token_and_with_garbage():
    missing = requests.get(ISSUER + "/oidc/v1/userinfo", timeout=10)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="edu-sso"'
    garbage = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer abc"}, timeout=10)
    assert garbage.status_code == 401 and garbage.json()["error"] == "invalid_token"


def test_wrong_password_does_not_say_which_part_was_wrong():
    browser = Browser()
    params, _ = authorization_params()
    page = browser.authorize(params)
    bad_password = browser.login(page, password="WrongPass999")
    page = browser.authorize(authorization_params()[0])
    bad_account = browser.login(page, username="no.such.user")
    assert bad_password.status_code == bad_account.status_code == 401
    assert "帳號或密碼錯誤" in bad_password.text and "帳號或密碼錯誤" in bad_account.text


def test_disabled_account_cannot_sign_in():
    browser = Browser()
    page = browser.authorize(authorization_params()[0])
    refused = browser.login(page, username="interop.disabled")
    # With the right password the student learns why, and where to go; a wrong one reveals nothing.
    assert refused.status_code == 403 and "已停用" in refused.text and 'href="/account/activate' in refused.text
    page = browser.authorize(authorization_params()[0])
    wrong = browser.login(page, username="interop.disabled", password="WrongPass999")
    assert wrong.status_code == 401 and "已停用" not in wrong.text


def test_repeated_failures_are_throttled_even_for_the_right_password():
    """After three free failures each failure makes the account wait twice as long (1 s, 2 s, …) from the last one;
    attempts inside the wait are refused with 429 whatever the password."""
    browser = Browser()

    def attempt(password):
        page = browser.authorize(authorization_params()[0])
        return browser.login(page, username="interop.locked", password=password).status_code

    assert [attempt("Wrong0000") for _ in range(4)] == [401, 401, 401, 401]
    time.sleep(1.2)  # the 1-second wait after the fourth failure is over: the fifth counts, and asks for 2 s
    assert attempt("Wrong0000") == 401
    # Inside the 2-second wait even the right password is refused.
    assert attempt("Passw0rd1234") == 429
    assert attempt("Wrong0000") == 429


def test_login_form_without_csrf_token_is_refused():
    browser = Browser()
    page = browser.authorize(authorization_params()[0])
    from conftest import form_action
    response = browser.post(form_action(page.text), {"username": "interop.student", "password": "Passw0rd1234"})
    assert response.status_code == 403


def test_unknown_page_is_a_localised_404():
    response = requests.get(ISSUER + "/no/such/page", timeout=10)
    assert response.status_code == 404 and "找不到" in response.text
