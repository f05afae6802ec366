"""Safe defaults seen from outside: scope allow-lists for personid and guid, the guid forms, introspection rights,
disabled accounts, acr, logout confirmation, client registration rules, and the modes `serve` refuses."""
import base64
import hashlib
import json
import os
import subprocess
import time

import requests

from conftest import (ISSUER, RP, STUDENT, Browser, authorization_params, callback_params, csrf_of, form_action,
                      sign_in_and_get_code)
from test_interop import full_sign_in, token_request, verify_id_token

BIN = os.environ["INTEROP_BIN"]
OTHER = {"client_id": "interop-other", "client_secret": "other-secret-0123456789", "redirect_uri": "http://127.0.0.1:9/other"}


def cli(*args, check=True):
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=os.environ, check=check)


def exchange(client, code, verifier):
    return requests.post(ISSUER + "/oidc/v1/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"], "code_verifier": verifier},
        auth=(client["client_id"], client["client_secret"]), timeout=10).json()


def sign_in_with(client, scope, account=STUDENT, **extra):
    browser = Browser()
    params, verifier = authorization_params(client=client, scope=scope, **extra)
    code = sign_in_and_get_code(browser, params, account=account)
    return browser, exchange(client, code, verifier)


def claims_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_personid_and_guid_need_a_client_registered_for_them():
    _, tokens = sign_in_with(OTHER, "openid profile personid guid")
    assert set(tokens["scope"].split()) == {"openid", "profile"}
    for api in ("personid", "guid"):
        response = requests.get(ISSUER + "/cncresource/api/v1/" + api, headers={"Authorization": "Bearer " + tokens["access_token"]},
                                timeout=10)
        assert response.status_code == 403, api


def test_the_moe_guid_form_is_opt_in_and_only_with_personid():
    refused = cli("client", "add", "--id", "interop-moe-bad", "--name", "x", "--redirect-uri", "http://127.0.0.1:9/cb",
                  "--scopes", "openid guid", "--guid", "moe-sha256", check=False)
    assert refused.returncode != 0 and "personid" in refused.stderr
    cli("client", "add", "--id", "interop-moe-guid", "--name", "MOE-era app", "--secret", "moe-secret-0123456789",
        "--redirect-uri", "http://127.0.0.1:9/cb", "--scopes", "openid guid personid", "--guid", "moe-sha256")
    time.sleep(1.2)  # the server's client cache
    moe = {"client_id": "interop-moe-guid", "client_secret": "moe-secret-0123456789", "redirect_uri": "http://127.0.0.1:9/cb"}
    browser = Browser()
    params, verifier = authorization_params(client=moe, scope="openid guid personid")
    page = browser.login(browser.authorize(params))
    # The consent page says plainly that this guid identifies the ID number.
    assert "可據以辨識您的身分證字號" in page.text
    query, _ = callback_params(browser.consent(page))
    tokens = exchange(moe, query["code"], verifier)
    guid = requests.get(ISSUER + "/cncresource/api/v1/guid", headers={"Authorization": "Bearer " + tokens["access_token"]},
                        timeout=10).json()["guid"]
    assert guid == hashlib.sha256(b"A123456789").hexdigest()


def test_confidential_clients_need_a_real_authentication_method():
    refused = cli("client", "add", "--id", "interop-none", "--name", "x", "--redirect-uri", "http://127.0.0.1:9/cb",
                  "--auth-method", "none", check=False)
    assert refused.returncode != 0 and "public" in refused.stderr


def introspect(token, auth):
    return requests.post(ISSUER + "/oidc/v1/introspect", data={"token": token}, auth=auth, timeout=10).json()


def test_only_the_owner_or_a_registered_resource_server_may_introspect():
    _, _, tokens = full_sign_in()
    other = (OTHER["client_id"], OTHER["client_secret"])
    assert introspect(tokens["access_token"], other) == {"active": False}
    assert introspect(tokens["refresh_token"], other) == {"active": False}
    cli("client", "add", "--id", "interop-rs", "--name", "Resource server", "--secret", "rs-secret-0123456789",
        "--redirect-uri", "http://127.0.0.1:9/rs", "--may-introspect")
    time.sleep(1.2)
    described = introspect(tokens["access_token"], ("interop-rs", "rs-secret-0123456789"))
    assert described["active"] is True and described["client_id"] == RP["client_id"]


def test_a_disabled_accounts_tokens_stop_working():
    cli("account", "add", "--username", "interop.leaver", "--password", "Passw0rd1234", "--name", "離校生")
    browser = Browser()
    params, verifier = authorization_params()
    code = sign_in_and_get_code(browser, params, account=("interop.leaver", "Passw0rd1234"))
    tokens = exchange(RP, code, verifier)
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    assert requests.get(ISSUER + "/oidc/v1/userinfo", headers=bearer, timeout=10).status_code == 200
    cli("account", "disable", "interop.leaver")
    time.sleep(1.2)
    auth = (RP["client_id"], RP["client_secret"])
    assert introspect(tokens["access_token"], auth) == {"active": False}
    assert introspect(tokens["refresh_token"], auth) == {"active": False}
    assert requests.get(ISSUER + "/oidc/v1/userinfo", headers=bearer, timeout=10).status_code == 401
    assert requests.get(ISSUER + "/moeresource/api/v2/oidc/eduinfo", headers=bearer, timeout=10).status_code == 401
    assert token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"] == "invalid_grant"
    # Enabling the account again brings none of it back: disabling revoked the grants and ended the sessions.
    cli("account", "enable", "interop.leaver")
    time.sleep(1.2)
    assert introspect(tokens["access_token"], auth) == {"active": False}
    assert requests.get(ISSUER + "/oidc/v1/userinfo", headers=bearer, timeout=10).status_code == 401
    assert token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()["error"] == "invalid_grant"
    assert browser.get(ISSUER + "/profile").headers["Location"].startswith("/login")


def test_acr_reports_a_password_sign_in_and_acr_values_are_honoured_or_refused(discovery):
    assert discovery["acr_values_supported"] == ["1", "2"]
    _, _, tokens = full_sign_in("openid")
    assert claims_of(tokens["id_token"])["acr"] == "1" and claims_of(tokens["id_token"])["amr"] == ["pwd"]
    browser, _, _ = full_sign_in("openid")
    params, _ = authorization_params(scope="openid", acr_values="3")
    query, _ = callback_params(browser.authorize(params))
    assert query["error"] == "unmet_authentication_requirements" and query["state"] == params["state"]
    # Two factors asked for: a password-only session is not enough, so the student is asked to sign in (the
    # two-factor flows are in test_security_pages).
    params, _ = authorization_params(scope="openid", acr_values="2")
    assert "captcha" in browser.authorize(params).text
    params, _ = authorization_params(scope="openid", acr_values="2 1")
    query, _ = callback_params(browser.authorize(params))
    assert "code" in query


def test_logout_with_someone_elses_hint_asks_first():
    victim, _, _ = full_sign_in("openid")
    _, _, attacker_tokens = full_sign_in("openid")  # a valid hint, but of another browser session
    page = victim.get(ISSUER + "/oidc/v1/logout-to-go", params={
        "id_token_hint": attacker_tokens["id_token"], "post_logout_redirect_uri": "http://127.0.0.1:9/bye"})
    assert page.status_code == 200 and 'action="/logout/confirm"' in page.text
    # The student is still signed in until they confirm.
    params, _ = authorization_params(scope="openid", prompt="none")
    assert "code" in callback_params(victim.authorize(params))[0]
    fields = dict(__import__("re").findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    confirmed = victim.post(ISSUER + "/logout/confirm", fields)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "http://127.0.0.1:9/bye"
    assert callback_params(victim.authorize(authorization_params(scope="openid", prompt="none")[0]))[0]["error"] == "login_required"
    # The confirmation form is CSRF-protected like every form.
    assert victim.post(ISSUER + "/logout/confirm", {**fields, "csrf_token": "forged"}).status_code == 403


def serve_refusal(*removed, **overrides):
    env = {**os.environ, "EDU_SSO_PORT": "1", **overrides}
    for name in ("EDU_SSO_CAPTCHA_TEST_CODE", *removed):
        env.pop(name, None)
    return subprocess.run([BIN, "serve"], capture_output=True, text=True, env=env, timeout=60)


def test_serve_refuses_development_mode_off_loopback_and_production_without_a_sender():
    https = serve_refusal(EDU_SSO_ISSUER="https://sso.example.edu.tw")
    assert https.returncode != 0 and "development: true is only for a loopback http issuer" in https.stderr
    public_host = serve_refusal(EDU_SSO_HOST="0.0.0.0")
    assert public_host.returncode != 0 and "loopback" in public_host.stderr
    # Production refuses the development counties' plain-http issuers.
    counties = serve_refusal(EDU_SSO_DEVELOPMENT="false")
    assert counties.returncode != 0 and "issuer must be https in production" in counties.stderr
    # Production with neither sender, and with only one of the two channels the recovery flows need (no counties
    # configured, so that the sender check is the one that speaks).
    production = serve_refusal("EDU_SSO_SMTP_HOST", "EDU_SSO_SMS_GATEWAY_URL", EDU_SSO_DEVELOPMENT="false", EDU_SSO_COUNTIES="")
    assert production.returncode != 0 and "Production mode needs a real sender for every channel" in production.stderr
    assert "smtp_host" in production.stderr and "sms_gateway_url" in production.stderr
    email_only = serve_refusal("EDU_SSO_SMS_GATEWAY_URL", EDU_SSO_DEVELOPMENT="false", EDU_SSO_COUNTIES="")
    assert email_only.returncode != 0 and "SMS (sms_gateway_url)" in email_only.stderr
    assert "smtp_host" not in email_only.stderr
