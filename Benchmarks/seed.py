"""Signs the bench student in once, then mints refresh tokens through silent (prompt=none) authorizations.

usage: seed.py WORK COUNT [LEVELS]: COUNT refresh tokens for each of the connection counts LEVELS ("1,16"). The
refresh lines run at much the same rate at 1 and at 16 connections (rotation is a write), so each gets as many."""
import os
import re
import sys
from urllib.parse import parse_qs, urlparse

import requests

issuer = os.environ["EDU_SSO_ISSUER"]
work, count = sys.argv[1], int(sys.argv[2])
levels = [int(level) for level in (sys.argv[3] if len(sys.argv) > 3 else "1,16").split(",")]
auth = ("bench", "bench-secret-0123456789")
browser = requests.Session()
api = requests.Session()  # kept alive: tens of thousands of exchanges


def authorize(prompt=None):
    params = {"response_type": "code", "client_id": "bench", "redirect_uri": "http://127.0.0.1:9/cb",
              "scope": "openid profile eduinfo offline_access", "state": "s"}
    if prompt:
        params["prompt"] = prompt
    return browser.get(issuer + "/oidc/v1/azp", params=params, allow_redirects=False, timeout=10)


def code_of(response):
    return parse_qs(urlparse(response.headers["Location"]).query)["code"][0]


def exchange(code):
    return api.post(issuer + "/oidc/v1/token", auth=auth, timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:9/cb"}).json()


first = authorize()
page = browser.get(issuer + first.headers["Location"], timeout=10)
csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1).replace("&amp;", "&")
captcha_id = re.search(r'name="captcha_id" id="captcha-id" value="([^"]+)"', page.text).group(1)
done = browser.post(issuer + action, data={"csrf_token": csrf, "username": "bench.student", "password": "Passw0rd1234",
                                           "captcha_id": captcha_id, "captcha": os.environ["EDU_SSO_CAPTCHA_TEST_CODE"]},
                    allow_redirects=False, timeout=10)
tokens = exchange(code_of(done))
open(os.path.join(work, "access_token"), "w").write(tokens["access_token"])
# The signed-in browser's cookies, for the silent-authorization line (a class signing in to an app at 08:00).
open(os.path.join(work, "cookie"), "w").write("; ".join(f"{c.name}={c.value}" for c in browser.cookies))
for connections in levels:
    with open(os.path.join(work, f"refresh_tokens.{connections}"), "w") as out:
        for _ in range(count):
            out.write(exchange(code_of(authorize("none")))["refresh_token"] + "\n")
