"""EduSSO seen by independent client software: authlib (OAuth/OIDC client) and jwcrypto (JOSE)."""
import base64
import gzip
import json
import time

import requests
from jwcrypto import jwk, jwt

from conftest import (ISSUER, RP, Browser, authorization_params, callback_params, new_rp,
                      sign_in_and_get_code)


def token_request(data, auth=(RP["client_id"], RP["client_secret"]), **kw):
    return requests.post(ISSUER + "/oidc/v1/token", data=data, auth=auth, timeout=10, **kw)


def verify_id_token(token, audience, nonce=None):
    """Verifies signature (against the published JWKS), issuer, audience and lifetime with jwcrypto."""
    keys = jwk.JWKSet.from_json(requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).text)
    checked = jwt.JWT(jwt=token, key=keys, check_claims={"iss": ISSUER, "aud": audience, "exp": None})
    claims = json.loads(checked.claims)
    if nonce is not None:
        assert claims["nonce"] == nonce
    return claims, json.loads(checked.header)


def full_sign_in(scope="openid profile email eduinfo offline_access"):
    browser = Browser()
    params, verifier = authorization_params(scope=scope)
    code = sign_in_and_get_code(browser, params)
    rp = new_rp(scope)
    tokens = rp.fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    return browser, params, tokens


# --- discovery and keys

def test_discovery_points_at_moe_paths(discovery):
    assert discovery["issuer"] == ISSUER
    assert discovery["authorization_endpoint"] == ISSUER + "/oidc/v1/azp"
    assert discovery["token_endpoint"] == ISSUER + "/oidc/v1/token"
    assert discovery["userinfo_endpoint"] == ISSUER + "/oidc/v1/userinfo"
    assert discovery["jwks_uri"] == ISSUER + "/oidc/v1/jwksets"
    assert discovery["end_session_endpoint"] == ISSUER + "/oidc/v1/logout-to-go"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    for scope in ["openid", "eduinfo", "educloudroles", "openid2", "guid", "personid", "offline_access"]:
        assert scope in discovery["scopes_supported"]
    assert discovery["response_types_supported"] == ["code"]


def test_jwks_kids_are_rfc7638_thumbprints():
    keys = requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).json()["keys"]
    assert {k["alg"] for k in keys} >= {"RS256", "ES256"}
    for key in keys:
        public = jwk.JWK(**{n: key[n] for n in key if n not in ("kid", "use", "alg")})
        assert public.thumbprint() == key["kid"]


# --- code flow with PKCE

def test_code_flow_pkce_id_token_userinfo_eduinfo():
    browser, params, tokens = full_sign_in()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert set(tokens["scope"].split()) == {"openid", "profile", "email", "eduinfo", "offline_access"}
    claims, header = verify_id_token(tokens["id_token"], RP["client_id"], params["nonce"])
    assert header["alg"] == "RS256" and header["kid"]
    for name in ["sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "amr", "acr", "sid"]:
        assert name in claims, name
    assert claims["amr"] == ["pwd"] and claims["name"] == "林小華"
    assert claims["email"] == "interop.student@mail.edu.tw"

    at_header = json.loads(base64.urlsafe_b64decode(tokens["access_token"].split(".")[0] + "=="))
    assert at_header["typ"] == "at+jwt"

    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    userinfo = requests.get(ISSUER + "/oidc/v1/userinfo", headers=bearer, timeout=10).json()
    assert userinfo["sub"] == claims["sub"] and userinfo["name"] == "林小華"
    posted = requests.post(ISSUER + "/oidc/v1/userinfo", data={"access_token": tokens["access_token"]}, timeout=10)
    assert posted.status_code == 200 and posted.json()["sub"] == claims["sub"]

    edu = requests.get(ISSUER + "/moeresource/api/v2/oidc/eduinfo", headers=bearer, timeout=10).json()
    assert edu["schoolid"] == "193662"
    assert edu["titles"][0]["titles"][0] == "學生"
    assert edu["classinfo"][0]["classtitle"] == "六年四班" and edu["classinfo"][0]["seatno"] == "7"

    raw = requests.get(ISSUER + "/moeresource/api/v1/oidc/eduinfo", headers={**bearer, "Accept-Encoding": "gzip"},
                       timeout=10, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(raw.raw.read()))["schoolid"] == "193662"

    # Scopes gate the resource APIs.
    denied = requests.get(ISSUER + "/cncresource/api/v1/personid", headers=bearer, timeout=10)
    assert denied.status_code == 403 and denied.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in denied.headers["WWW-Authenticate"]


def test_personid_and_guid_released_only_with_their_scopes():
    _, _, tokens = full_sign_in("openid personid guid")
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    person = requests.get(ISSUER + "/cncresource/api/v1/personid", headers=bearer, timeout=10).json()
    assert person["personid"] == "A123456789"
    guid = requests.get(ISSUER + "/cncresource/api/v1/guid", headers=bearer, timeout=10).json()
    import hashlib
    # Keyed by default: 64 hex characters, stable, and not the unkeyed SHA-256 that anyone could reverse.
    assert len(guid["guid"]) == 64 and int(guid["guid"], 16) >= 0
    assert guid["guid"] != hashlib.sha256(b"A123456789").hexdigest()
    _, _, again = full_sign_in("openid guid")
    assert requests.get(ISSUER + "/cncresource/api/v1/guid", headers={"Authorization": "Bearer " + again["access_token"]},
                        timeout=10).json()["guid"] == guid["guid"]
    # Without the scopes the APIs refuse.
    _, _, plain = full_sign_in("openid profile")
    for api in ("personid", "guid"):
        refused = requests.get(ISSUER + "/cncresource/api/v1/" + api, headers={"Authorization": "Bearer " + plain["access_token"]},
                               timeout=10)
        assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"


def test_consent_is_remembered_and_prompt_none_is_silent():
    browser, _, _ = full_sign_in("openid profile")
    params, _ = authorization_params(scope="openid profile", prompt="none")
    query, _ = callback_params(browser.authorize(params))
    assert "code" in query and query["state"] == params["state"]
    # A new scope needs consent, which prompt=none cannot ask for.
    params, _ = authorization_params(scope="openid profile relation", prompt="none")
    query, _ = callback_params(browser.authorize(params))
    assert query["error"] == "consent_required"


def test_prompt_none_without_session_is_login_required():
    params, _ = authorization_params(prompt="none")
    query, _ = callback_params(Browser().authorize(params))
    assert query["error"] == "login_required" and query["state"] == params["state"]


def test_prompt_login_forces_a_fresh_sign_in():
    browser, _, tokens = full_sign_in("openid profile")
    first_auth = verify_id_token(tokens["id_token"], RP["client_id"])[0]["auth_time"]
    time.sleep(1.1)
    params, verifier = authorization_params(scope="openid profile", prompt="login")
    page = browser.authorize(params)
    assert page.status_code == 200 and 'name="password"' in page.text
    query, _ = callback_params(browser.login(page))
    again = new_rp("openid profile").fetch_token(ISSUER + "/oidc/v1/token", code=query["code"], code_verifier=verifier)
    assert verify_id_token(again["id_token"], RP["client_id"])[0]["auth_time"] > first_auth


def test_deny_returns_access_denied():
    browser = Browser()
    params, _ = authorization_params(scope="openid phone")
    page = browser.login(browser.authorize(params))
    query, _ = callback_params(browser.consent(page, decision="deny"))
    assert query["error"] == "access_denied" and query["state"] == params["state"]


def test_form_post_response_mode():
    browser = Browser()
    full = authorization_params(scope="openid profile", response_mode="form_post")[0]
    page = browser.login(browser.authorize(full))
    if "授權確認" in page.text:
        page = browser.consent(page)
    assert page.status_code == 200 and 'action="http://127.0.0.1:9/cb"' in page.text
    assert 'name="code"' in page.text and full["state"] in page.text


# --- refresh, revocation, introspection

def test_refresh_rotation_and_reuse_detection():
    _, _, tokens = full_sign_in()
    first = tokens["refresh_token"]
    rotated = token_request({"grant_type": "refresh_token", "refresh_token": first}).json()
    assert rotated["refresh_token"] != first and "id_token" in rotated
    verify_id_token(rotated["id_token"], RP["client_id"])
    time.sleep(11)  # past the grace window
    reuse = token_request({"grant_type": "refresh_token", "refresh_token": first})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The whole family is revoked: the rotated token and its access token die too.
    after = token_request({"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]})
    assert after.json()["error"] == "invalid_grant"
    userinfo = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + rotated["access_token"]}, timeout=10)
    assert userinfo.status_code == 401 and userinfo.json()["error"] == "invalid_token"


def test_refresh_token_of_another_client_is_invalid_grant():
    _, _, tokens = full_sign_in()
    other = token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                          auth=("interop-other", "other-secret-0123456789"))
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


def test_revocation_and_introspection():
    _, _, tokens = full_sign_in()
    introspect = lambda token: requests.post(ISSUER + "/oidc/v1/introspect", data={"token": token},
                                             auth=(RP["client_id"], RP["client_secret"]), timeout=10).json()
    active = introspect(tokens["access_token"])
    assert active["active"] is True and active["client_id"] == RP["client_id"] and "eduinfo" in active["scope"]
    assert introspect(tokens["refresh_token"])["active"] is True
    revoked = requests.post(ISSUER + "/oidc/v1/revoke", data={"token": tokens["access_token"], "token_type_hint": "access_token"},
                            auth=(RP["client_id"], RP["client_secret"]), timeout=10)
    assert revoked.status_code == 200
    assert introspect(tokens["access_token"]) == {"active": False}
    userinfo = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, timeout=10)
    assert userinfo.status_code == 401
    requests.post(ISSUER + "/oidc/v1/revoke", data={"token": tokens["refresh_token"]}, auth=(RP["client_id"], RP["client_secret"]), timeout=10)
    assert introspect(tokens["refresh_token"]) == {"active": False}
    assert token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"] == "invalid_grant"


def test_client_credentials():
    response = token_request({"grant_type": "client_credentials", "scope": "eduinfo"}, auth=("interop-svc", "svc-secret-0123456789"))
    body = response.json()
    assert response.status_code == 200 and body["scope"] == "eduinfo" and "refresh_token" not in body
    assert response.headers["Cache-Control"] == "no-store"


def test_access_tokens_are_es256_unless_the_app_registered_rs256():
    keys = jwk.JWKSet.from_json(requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).text)
    _, _, tokens = full_sign_in("openid profile")
    service = token_request({"grant_type": "client_credentials", "scope": "eduinfo"},
                            auth=("interop-svc", "svc-secret-0123456789")).json()
    for token, alg in ((tokens["access_token"], "ES256"), (service["access_token"], "RS256")):
        checked = jwt.JWT(jwt=token, key=keys, check_claims={"iss": ISSUER, "exp": None})
        header = json.loads(checked.header)
        assert header["alg"] == alg and header["typ"] == "at+jwt", header
    # ID tokens stay RS256 (MOE-era apps verify them so).
    assert json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys).header)["alg"] == "RS256"


# --- logout

def test_rp_initiated_logout_with_id_token_hint():
    browser, _, tokens = full_sign_in("openid profile")
    response = browser.get(ISSUER + "/oidc/v1/logout-to-go", params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://127.0.0.1:9/bye", "state": "s1"})
    assert response.status_code == 303 and response.headers["Location"] == "http://127.0.0.1:9/bye?state=s1"
    params, _ = authorization_params(scope="openid profile", prompt="none")
    query, _ = callback_params(browser.authorize(params))
    assert query["error"] == "login_required"


def test_moe_logout_alias_spellings():
    browser, _, tokens = full_sign_in("openid profile")
    response = browser.get(ISSUER + "/oidc/v1/userlogout", params={
        "Id_token_hint": tokens["id_token"], "post_logout_redirect_url": "http://127.0.0.1:9/bye"})
    assert response.status_code == 303 and response.headers["Location"] == "http://127.0.0.1:9/bye"


def test_logout_refuses_unregistered_post_logout_uri():
    _, _, tokens = full_sign_in("openid")
    response = requests.get(ISSUER + "/auth-logout", params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"}, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "text/html" in response.headers["Content-Type"]


def test_consent_asks_only_for_new_scopes():
    browser, _, _ = full_sign_in("openid profile")
    params, _ = authorization_params(scope="openid profile educloudroles")
    page = browser.authorize(params)
    assert "您在教育雲的身分" in page.text
    assert "您的姓名與帳號" not in page.text
