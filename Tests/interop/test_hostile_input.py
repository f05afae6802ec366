"""Hostile input on every route: oversized bodies, invalid UTF-8, repeated parameters, wrong content types and
odd headers. Whatever arrives, no route answers 5xx; and no page form accepts a POST without its CSRF token."""
import os
import re

import requests

from conftest import CAPTCHA, ISSUER, STUDENT, Browser, captcha_id_of, csrf_of, form_action

PATHS = [
    "/", "/healthz", "/favicon.ico", "/static/app.css", "/static/nope.js",
    "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/oidc/v1/jwksets",
    "/oidc/v1/azp", "/oidc/v1/token", "/oidc/v1/revoke", "/oidc/v1/introspect",
    "/oidc/v1/userinfo", "/moeresource/api/v1/oidc/userinfo", "/moeresource/api/v1/oidc/profile",
    "/moeresource/api/v1/oidc/eduinfo", "/moeresource/api/v2/oidc/eduinfo", "/cncresource/api/v1/eduinfo",
    "/moeresource/api/v2/oidc/relation", "/cncresource/api/v1/personid", "/cncresource/api/v1/guid",
    "/oidc/v1/logout-to-go", "/auth-logout", "/oidc/v1/userlogout", "/logout/confirm",
    "/interaction/xyz", "/interaction/xyz/login", "/interaction/xyz/consent",
    "/login", "/profile", "/profile/edit", "/profile/verify", "/profile/updated",
    "/profile/update", "/profile/update/school", "/profile/update/login", "/profile/update/apply", "/profile/update/done",
    "/register", "/register/abc/school", "/register/abc/account", "/register/abc/nostep",
    "/captcha/abc.png", "/captcha/abc.wav", "/captcha/abc.svg", "/captcha/new",
    "/demo", "/demo/login", "/demo/callback", "/no/such/route", "/dev/outbox",
    "/account/forgot-account", "/account/forgot-password", "/account/activate", "/account/recover",
    "/account/recover/abc/send", "/account/recover/abc/code", "/account/recover/abc/reset", "/account/recover/abc/nostep",
    "//login", "/login/", "//account//forgot-account", "/contact", "/contact?category=%ff",
]

FORM = "application/x-www-form-urlencoded"
REPEATED = ("client_id=a&client_id=b&scope=x&scope=y&code=1&code=2&token=1&token=2&username=a&username=b"
            "&grant_type=authorization_code&grant_type=refresh_token&redirect_uri=x&redirect_uri=y")
CASES = {
    "oversized body": ({"Content-Type": FORM}, b"a=" + b"a" * 300_000, ""),
    "invalid UTF-8 body": ({"Content-Type": FORM}, b"\xff\xfe=\xfd&grant_type=\xc3\x28", ""),
    "invalid UTF-8 query": ({}, None, "?%ff%fe%fd=%c3%28&client_id=%ff"),
    "repeated parameters": ({"Content-Type": FORM}, REPEATED.encode(), "?" + REPEATED),
    "JSON body": ({"Content-Type": "application/json"}, b'{"a": 1}', ""),
    "text body": ({"Content-Type": "text/plain"}, b"hello", ""),
    "multipart body": ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n", ""),
    "no content type": ({}, b"a=1", ""),
    "garbage content type": ({"Content-Type": "\x01;;;=="}, b"a=1", ""),
    "bad basic auth": ({"Authorization": "Basic !!!notbase64", "Content-Type": FORM}, b"grant_type=client_credentials", ""),
    "empty bearer": ({"Authorization": "Bearer "}, None, ""),
    "junk cookies": ({"Cookie": "; ".join(f"c{i}={'x' * 50}" for i in range(100)) + "; edu_sso_b=%ff; edu_sso_s="}, None, ""),
    "junk forwarded-for": ({"X-Forwarded-For": "not-an-ip, ::::, 999.1.1.1"}, None, ""),
}


def test_no_route_answers_5xx_to_hostile_input():
    session = requests.Session()
    failures = []
    for path in PATHS:
        for method in ("GET", "POST"):
            for name, (headers, body, query) in CASES.items():
                data = body if method == "POST" else None
                try:
                    response = session.request(method, ISSUER + path + query, headers=headers, data=data,
                                               allow_redirects=False, timeout=10)
                    status = response.status_code
                except requests.ConnectionError:
                    # Refusing an oversized body by closing the connection is an answer, not a failure.
                    session = requests.Session()
                    status = 413 if name == "oversized body" else 599
                if status >= 500:
                    failures.append(f"{method} {path} [{name}] -> {status}")
    assert not failures, "\n".join(failures)


def signed_in_browser():
    browser = Browser()
    page = browser.get(ISSUER + "/login")
    response = browser.post(form_action(page.text), {
        "csrf_token": csrf_of(page.text), "username": STUDENT[0], "password": STUDENT[1],
        "captcha_id": captcha_id_of(page.text), "captcha": CAPTCHA})
    assert response.status_code == 303
    return browser


def test_no_page_form_accepts_a_post_without_its_csrf_token():
    browser = signed_in_browser()
    # A browser cookie exists now (the sign-in page set it), so only the missing token is wrong.
    for path, data in [
        ("/login", {"username": STUDENT[0], "password": STUDENT[1]}),
        ("/register", {"identity": "student"}),
        ("/captcha/new", {"refresh": "1"}),
        ("/logout/confirm", {"state": "s"}),
        ("/profile/edit", {"email": "x@example.com", "mobile": "0912000111"}),
        ("/profile/verify", {"code_change_email": "123456"}),
        ("/profile/update/login", {"username": STUDENT[0], "password": STUDENT[1]}),
        ("/profile/update", {"lookup": "1"}),
        ("/profile/update/apply", {"school": "193662", "level": "國小"}),
        ("/account/forgot-account", {"national_id": "A123456789"}),
        ("/account/recover", {"purpose": "reset", "method": "code"}),
        ("/contact", {"category": "other", "name": "x"}),
    ]:
        for token in (None, "forged"):
            sent = dict(data, csrf_token=token) if token else data
            response = browser.post(ISSUER + path, sent)
            assert response.status_code == 403, (path, token, response.status_code)
    # Forms of a flow in progress: the application and the interaction are real, only the token is missing.
    page = browser.get(ISSUER + "/register")
    started = browser.post(ISSUER + "/register", {"csrf_token": csrf_of(page.text), "identity": "student"})
    school_url = ISSUER + started.headers["Location"]
    assert browser.post(school_url, {"county": "臺中市", "choose": "1"}).status_code == 403
    from conftest import authorization_params
    params, _ = authorization_params()
    login = Browser()
    page = login.authorize(params)
    action = form_action(page.text)
    assert re.search(r"/interaction/[^/]+/login", action)
    assert login.post(action, {"username": STUDENT[0], "password": STUDENT[1], "captcha_id": captcha_id_of(page.text),
                               "captcha": CAPTCHA}).status_code == 403
