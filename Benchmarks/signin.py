"""The full browser sign-in, as a scripted client: authorize → sign-in page → password → consent (the first time a
student signs in to the app; it is remembered) → code → token, each sign-in from a fresh browser (no cookies),
with PKCE. Workers run concurrently for a fixed time; prints
sign-ins per second and the p50/p99 of one whole sign-in, and fails loudly on any unexpected answer.

usage: signin.py ISSUER CLIENT_ID CLIENT_SECRET USERNAME_PREFIX ACCOUNTS PASSWORD CAPTCHA WORKERS SECONDS
Account i (0 ≤ i < ACCOUNTS) is USERNAME_PREFIX + i. Only the standard library: the client must cost the shared
cores as little as it can (http.client, one keep-alive connection per worker)."""
import base64
import hashlib
import http.client
import os
import re
import sys
import threading
import time
from urllib.parse import urlencode, urlparse, parse_qs

issuer, client_id, client_secret, prefix, accounts, password, captcha, workers, seconds = sys.argv[1:10]
accounts, workers, seconds = int(accounts), int(workers), float(seconds)
target = urlparse(issuer)
redirect_uri = "http://127.0.0.1:9/cb"
basic = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)"')
CAPTCHA_ID = re.compile(r'name="captcha_id" id="captcha-id" value="([^"]+)"')


class Browser:
    """One keep-alive connection and a cookie jar (the cookies of one sign-in)."""

    def __init__(self):
        self.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        if path.startswith(issuer):
            path = path[len(issuer):]  # an absolute Location on EduSSO
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # A GET may be sent again once, on a fresh connection, if the server had closed the idle keep-alive one;
        # a POST never is (a password or a code must not be sent twice): its failure is counted.
        attempts = (1, 2) if method == "GET" else (2,)
        for attempt in attempts:
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, cookie = pair.partition("=")
                self.cookies[key.strip()] = cookie
        return response.status, response.getheader("Location"), text


def expect(condition, what, text=""):
    if not condition:
        main = re.search(r"<main.*?</main>", text, re.S)
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0) if main else text))
        raise RuntimeError(f"{what}: {shown[:300]}")


def form(html):
    action = ACTION.search(html)
    csrf = CSRF.search(html)
    expect(action and csrf, "page without a form", html)
    return action.group(1).replace("&amp;", "&"), csrf.group(1)


def sign_in(browser, username):
    browser.cookies = {}
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": "openid profile eduinfo", "state": "s", "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    status, location, text = browser.request("GET", "/oidc/v1/azp?" + query)
    expect(status in (302, 303) and location, "authorize", text)
    status, _, page = browser.request("GET", location)
    expect(status == 200, "sign-in page", page)
    action, csrf = form(page)
    captcha_id = CAPTCHA_ID.search(page)
    expect(captcha_id, "sign-in page without captcha", page)
    status, location, text = browser.request("POST", action, {
        "csrf_token": csrf, "username": username, "password": password, "captcha_id": captcha_id.group(1),
        "captcha": captcha})
    expect(status in (302, 303) and location, "password", text)
    if not location.startswith(redirect_uri):
        # The consent page, the first time this student signs in to the app (a consent is remembered).
        status, _, page = browser.request("GET", location)
        expect(status == 200 and "decision" in page, "consent page", page)
        action, csrf = form(page)
        status, location, text = browser.request("POST", action, {"csrf_token": csrf, "decision": "approve"})
        expect(status in (302, 303) and location and location.startswith(redirect_uri), "consent", text)
    code = parse_qs(urlparse(location).query)["code"][0]
    status, _, text = browser.request("POST", "/oidc/v1/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier},
        {"Authorization": basic})
    expect(status == 200 and '"id_token"' in text, "token", text)


durations, failures, lock = [], [], threading.Lock()
deadline = time.monotonic() + seconds


def work(index):
    browser = Browser()
    done = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            sign_in(browser, f"{prefix}{(index + done * workers) % accounts}")
        except Exception as error:  # noqa: BLE001 - every failure is counted and shown
            with lock:
                failures.append(str(error))
            browser = Browser()
            time.sleep(0.2)  # back off: a failing server is not hammered by a tight retry loop
            continue
        done += 1
        with lock:
            durations.append(time.monotonic() - started)


started = time.monotonic()
threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - started
durations.sort()


def percentile(p):
    return durations[min(len(durations) - 1, int(len(durations) * p))] * 1000 if durations else float("nan")


print(f"{len(durations) / elapsed:.1f} {percentile(0.5):.0f} {percentile(0.99):.0f} {len(failures)}")
if failures:
    print("first failure:", failures[0], file=sys.stderr)
