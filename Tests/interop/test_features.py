"""Client authentication by key, per-client algorithms, key rotation, max_age, the refresh grace window, the
English UI and the built-in demo app."""
import base64
import json
import os
import subprocess
import time
import uuid

import requests
from jwcrypto import jwk, jwt

from conftest import (ISSUER, RP, STUDENT, Browser, authorization_params, callback_params, csrf_of, form_action,
                      new_rp, sign_in_and_get_code)
from test_interop import full_sign_in, token_request, verify_id_token

WORK = os.environ["INTEROP_WORK"]
BIN = os.environ["INTEROP_BIN"]


def client_assertion(jti=None, audience=ISSUER + "/oidc/v1/token", client_id="interop-pkjwt"):
    key = jwk.JWK.from_json(open(os.path.join(WORK, "pkjwt-private.json")).read())
    now = int(time.time())
    token = jwt.JWT(header={"alg": "RS256", "kid": key.kid},
                    claims={"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 60,
                            "jti": jti or str(uuid.uuid4())})
    token.make_signed_token(key)
    return token.serialize()


def assertion_request(assertion, client_id=None):
    data = {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
    if client_id:
        data["client_id"] = client_id
    return requests.post(ISSUER + "/oidc/v1/token", data=data, timeout=10)


def test_private_key_jwt_authenticates_and_refuses_replays():
    assertion = client_assertion()
    first = assertion_request(assertion, client_id="interop-pkjwt")
    assert first.status_code == 200, first.text
    replay = assertion_request(assertion)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"


def test_private_key_jwt_with_wrong_audience_or_forged_key_is_invalid_client():
    assert assertion_request(client_assertion(audience="https://elsewhere.example/token")).json()["error"] == "invalid_client"
    forged_key = jwk.JWK.generate(kty="RSA", size=2048, kid="interop-key-1")
    now = int(time.time())
    forged = jwt.JWT(header={"alg": "RS256", "kid": "interop-key-1"},
                     claims={"iss": "interop-pkjwt", "sub": "interop-pkjwt", "aud": ISSUER, "exp": now + 60, "jti": "x1"})
    forged.make_signed_token(forged_key)
    assert assertion_request(forged.serialize()).json()["error"] == "invalid_client"


def test_es256_id_tokens_for_clients_that_ask():
    client = {"client_id": "interop-es256", "client_secret": "es256-secret-0123456789", "redirect_uri": RP["redirect_uri"]}
    browser = Browser()
    params, verifier = authorization_params(client=client, scope="openid profile")
    code = sign_in_and_get_code(browser, params)
    tokens = new_rp("openid profile", client).fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    claims, header = verify_id_token(tokens["id_token"], "interop-es256", params["nonce"])
    assert header["alg"] == "ES256"


def test_max_age_forces_a_new_sign_in():
    browser, _, _ = full_sign_in("openid profile")
    time.sleep(2.1)
    params, _ = authorization_params(scope="openid profile", max_age="1")
    page = browser.authorize(params)
    assert page.status_code == 200 and 'name="password"' in page.text
    params, _ = authorization_params(scope="openid profile", max_age="3600")
    query, _ = callback_params(browser.authorize(params))
    assert "code" in query


def test_refresh_retry_inside_the_grace_window_gets_the_same_successor():
    _, _, tokens = full_sign_in()
    original = tokens["refresh_token"]
    first = token_request({"grant_type": "refresh_token", "refresh_token": original}).json()
    retry = token_request({"grant_type": "refresh_token", "refresh_token": original})
    assert retry.status_code == 200, retry.text
    # Idempotent: the retry is handed the very successor the first answer carried, so neither copy is lost.
    assert retry.json()["refresh_token"] == first["refresh_token"]
    moved = token_request({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert moved.status_code == 200
    # Once the holder moved on, the old token gets nothing, and the holder's new token still works.
    assert token_request({"grant_type": "refresh_token", "refresh_token": original}).json()["error"] == "invalid_grant"
    assert token_request({"grant_type": "refresh_token", "refresh_token": moved.json()["refresh_token"]}).status_code == 200


def kid_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]


def jwks_kids():
    return {k["kid"] for k in requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).json()["keys"]}


def test_a_rotated_key_is_published_before_it_signs():
    _, _, before = full_sign_in("openid profile")
    old_kid = kid_of(before["id_token"])
    out = subprocess.run([BIN, "keys", "rotate", "--alg", "RS256"], check=True, capture_output=True, env=os.environ, text=True)
    assert "signs from" in out.stdout
    deadline = time.time() + 15
    while time.time() < deadline and len(jwks_kids()) < 3:
        time.sleep(1)
    assert len(jwks_kids()) >= 3, "the running server did not publish the new key"
    # Published, but apps that cached the JWKS before it appeared never meet its kid: the old key still signs.
    _, _, after = full_sign_in("openid profile")
    assert kid_of(after["id_token"]) == old_kid


def test_an_immediate_rotation_keeps_old_tokens_verifiable():
    _, _, before = full_sign_in("openid profile")
    old_kid = kid_of(before["id_token"])
    subprocess.run([BIN, "keys", "rotate", "--alg", "RS256", "--immediately"], check=True, capture_output=True, env=os.environ)
    deadline = time.time() + 15
    new_kid = old_kid
    while time.time() < deadline and new_kid == old_kid:
        time.sleep(1)
        _, _, after = full_sign_in("openid profile")
        new_kid = kid_of(after["id_token"])
    assert new_kid != old_kid, "the running server did not pick up the rotated key"
    assert {old_kid, new_kid} <= jwks_kids()
    verify_id_token(before["id_token"], RP["client_id"])
    userinfo = requests.get(ISSUER + "/oidc/v1/userinfo", headers={"Authorization": "Bearer " + before["access_token"]}, timeout=10)
    assert userinfo.status_code == 200


def test_english_login_page_via_ui_locales_and_switch():
    browser = Browser()
    params, _ = authorization_params(ui_locales="en")
    page = browser.authorize(params)
    assert '<html lang="en">' in page.text and "Education cloud account" in page.text
    switched = browser.get(ISSUER + page.url.replace(ISSUER, "").split("?")[0] + "?lang=zh-TW")
    assert '<html lang="zh-TW">' in switched.text and "教育雲端帳號" in switched.text


def test_demo_app_signs_in_and_shows_id_token_userinfo_and_eduinfo():
    demo = json.load(open(os.path.join(WORK, "data", "demo-credentials.json")))
    browser = Browser()
    page = browser.follow(browser.get(ISSUER + "/demo/login"))
    page = browser.login(page, demo["username"], demo["password"])
    if "授權確認" in page.text:
        page = browser.consent(page)
    assert page.status_code == 200, page.text[:300]
    assert 'id="id-token"' in page.text and "&quot;nonce&quot;" in page.text
    assert "193662" in page.text and "&quot;classinfo&quot;" in page.text


def test_registry_import_reports_bad_rows_and_commits_nothing(tmp_path):
    header = "national_id,name,school_code,school_level,grade,class_no,seat_no,academic_year,semester,status\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "A123456789,林小華,193662,國小,6,04,7,114,1,在學\nA123456788,壞,193662,國小,6,04,7,114,1,在學\n",
                   encoding="utf-8")
    result = subprocess.run([BIN, "registry", "import", str(bad)], capture_output=True, text=True, env=os.environ)
    assert result.returncode != 0 and "line 3" in result.stderr and "Nothing was imported" in result.stderr
    assert "A123456788" not in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(header + "A123456789,林小華,193662,國小,6,04,7,114,1,在學\n", encoding="utf-8")
    result = subprocess.run([BIN, "registry", "import", str(good)], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0 and "Imported 1 registry record" in result.stdout


def test_directory_import_refreshes_a_level_and_reports_bad_rows(tmp_path):
    env = {**os.environ, "EDU_SSO_DATA_DIR": str(tmp_path / "data")}
    listing = tmp_path / "u1_new.csv"
    listing.write_text("\ufeff代碼,學校名稱,公/私立,縣市名稱,地址,電話,網址,體系別\n"
                       "0001,國立政治大學,公立,[38]臺北市,[116]臺北市文山區指南路二段64號,(02)29393091,http://www.nccu.edu.tw,[1]一般\n",
                       encoding="utf-8")
    result = subprocess.run([BIN, "directory", "import", str(listing)], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and "大專校院\t152 → 1" in result.stdout, result.stderr
    shown = subprocess.run([BIN, "directory", "show"], capture_output=True, text=True, env=env).stdout
    assert "大專校院\t1" in shown and "國小\t2652" in shown
    bad = tmp_path / "bad.csv"
    bad.write_text("代碼,學校名稱,公/私立,縣市名稱,地址,電話\n0002,某大學,公立,[38]臺北市,[000]月球,(02)0\n", encoding="utf-8")
    result = subprocess.run([BIN, "directory", "import", str(bad)], capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "line 2" in result.stderr and "Nothing was changed" in result.stderr
