"""Two edu-sso nodes on one PostgreSQL behind nginx (scripts/cluster): whatever one node starts, the other can
finish, and what one node revokes or rotates, the other knows at once (keys: within key_refresh_seconds, 1 s here)."""
import base64
import json
import os
import re
import secrets
import subprocess
import time
from urllib.parse import parse_qs, urlparse

import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from jwcrypto import jwk, jwt

PORT = int(os.environ["CLUSTER_PORT"])
ISSUER = f"http://127.0.0.1:{PORT}"
A, B = f"http://127.0.0.1:{PORT + 1}", f"http://127.0.0.1:{PORT + 2}"
CLIENT = ("cluster-rp", "cluster-secret-0123456789")
REDIRECT = "http://127.0.0.1:9/cb"


def form(html):
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)"[^>]* value="([^"]*)"', html))
    fields.update(dict(re.findall(r'name="(captcha_id)" id="captcha-id" value="([^"]+)"', html)))
    return action, fields


def follow(session, base, response):
    """Follows redirects on `base` (a node) until one leaves EduSSO or a page answers."""
    while response.status_code in (302, 303) and not response.headers["Location"].startswith(REDIRECT):
        location = response.headers["Location"]
        path = location[len(ISSUER):] if location.startswith(ISSUER) else location
        response = session.get(base + path, allow_redirects=False, timeout=10)
    return response


def sign_in(start_on, finish_on):
    """An authorization whose sign-in page is served by `start_on` and whose form is posted to `finish_on`."""
    session = requests.Session()
    verifier = generate_token(48)
    params = {"response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT,
              "scope": "openid profile offline_access", "state": secrets.token_urlsafe(12),
              "nonce": secrets.token_urlsafe(12), "code_challenge": create_s256_code_challenge(verifier),
              "code_challenge_method": "S256"}
    page = follow(session, start_on, session.get(start_on + "/oidc/v1/azp", params=params, allow_redirects=False, timeout=10))
    assert page.status_code == 200 and "csrf_token" in page.text, page.text[:300]
    action, fields = form(page.text)
    fields.update({"username": "cluster.student", "password": "Passw0rd1234", "captcha": "123"})
    answer = follow(session, finish_on, session.post(finish_on + action, data=fields, allow_redirects=False, timeout=10))
    if answer.status_code == 200:  # consent, also on the second node
        action, fields = form(answer.text)
        fields["decision"] = "approve"
        answer = follow(session, finish_on, session.post(finish_on + action, data=fields, allow_redirects=False, timeout=10))
    assert answer.status_code in (302, 303), answer.text[:300]
    query = {k: v[0] for k, v in parse_qs(urlparse(answer.headers["Location"]).query).items()}
    assert query["state"] == params["state"] and query["iss"] == ISSUER
    return query["code"], verifier


def token(node, **data):
    return requests.post(node + "/oidc/v1/token", data=data, auth=CLIENT, timeout=10)


def kid(token_text):
    header = token_text.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def test_a_sign_in_started_on_one_node_finishes_on_the_other_and_its_code_redeems_on_either():
    code, verifier = sign_in(start_on=A, finish_on=B)
    answer = token(A, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    # The ID token verifies against the JWKS that nginx serves (either node's: they are the same).
    keys = jwk.JWKSet.from_json(requests.get(ISSUER + "/oidc/v1/jwksets", timeout=10).text)
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys).claims)
    assert claims["iss"] == ISSUER and claims["aud"] in (CLIENT[0], [CLIENT[0]])
    # The code is spent everywhere.
    again = token(B, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_refresh_token_reused_on_the_other_node_revokes_the_family():
    code, verifier = sign_in(start_on=B, finish_on=B)
    first = token(B, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier).json()
    rotated = token(A, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    reuse = token(B, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The reuse revoked the whole family: the successor is dead on both nodes.
    for node in (A, B):
        successor = token(node, grant_type="refresh_token", refresh_token=rotated.json()["refresh_token"])
        assert successor.status_code == 400, (node, successor.text)


def test_a_revocation_on_one_node_holds_on_the_other_at_once():
    code, verifier = sign_in(start_on=A, finish_on=A)
    tokens = token(A, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier).json()
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    assert requests.get(B + "/oidc/v1/userinfo", headers=bearer, timeout=10).status_code == 200
    revoked = requests.post(A + "/oidc/v1/revoke", data={"token": tokens["access_token"]}, auth=CLIENT, timeout=10)
    assert revoked.status_code == 200
    # No waiting: the next request, on the other node.
    assert requests.get(B + "/oidc/v1/userinfo", headers=bearer, timeout=10).status_code == 401
    assert requests.post(B + "/oidc/v1/introspect", data={"token": tokens["access_token"]}, auth=CLIENT,
                         timeout=10).json() == {"active": False}


def test_a_key_rotated_on_one_node_signs_on_the_other_which_still_verifies_the_old_one():
    old = token(B, grant_type="client_credentials").json()["access_token"]
    old_kid = kid(old)
    environment = dict(os.environ)
    env_file = os.path.join(os.environ["CLUSTER_DIR"], "env.sh")
    # `edu-sso keys rotate` with node A's configuration (its keys/ folder).
    subprocess.run(["bash", "-c", f"source {env_file} && {os.environ['CLUSTER_BIN']} keys rotate --immediately"],
                   env=environment, check=True, capture_output=True)
    for _ in range(50):
        new = token(B, grant_type="client_credentials").json()["access_token"]
        if kid(new) != old_kid:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("node B still signs with the old key")
    jwks = requests.get(B + "/oidc/v1/jwksets", timeout=10).json()
    published = {key["kid"] for key in jwks["keys"]}
    assert {old_kid, kid(new)} <= published
    for access_token in (old, new):
        assert requests.post(B + "/oidc/v1/introspect", data={"token": access_token}, auth=CLIENT,
                             timeout=10).json()["active"] is True
        jwt.JWT(jwt=access_token, key=jwk.JWKSet.from_json(json.dumps(jwks)))
    # Node A (whose command it was; its server reads the ring like every other node) publishes the same set.
    for _ in range(50):
        if {key["kid"] for key in requests.get(A + "/oidc/v1/jwksets", timeout=10).json()["keys"]} == published:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("node A publishes another key set")


def test_nginx_spreads_requests_and_keeps_one_request_id():
    ids = set()
    for _ in range(6):
        answer = requests.get(ISSUER + "/readyz", timeout=10)
        assert answer.status_code == 200
        ids.add(answer.headers["X-Request-ID"])
    assert len(ids) == 6
    logs = os.path.join(os.environ["CLUSTER_DIR"], "logs")
    served = {name: open(os.path.join(logs, name)).read() for name in ("node-a.log", "node-b.log")}
    for request_id in ids:
        # nginx's $request_id is the id in the node's log.
        assert sum(request_id in text for text in served.values()) == 1, request_id
    assert all(any(request_id in text for request_id in ids) for text in served.values()), "one node got nothing"
