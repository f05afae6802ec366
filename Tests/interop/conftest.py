"""Shared helpers: an independent relying party (authlib + requests) driving EduSSO over real HTTP."""
import os
import re
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

ISSUER = os.environ["EDU_SSO_ISSUER"]
STUDENT = ("interop.student", "Passw0rd1234")
# The server runs with captcha_test_code, so every captcha is this code.
CAPTCHA = os.environ["EDU_SSO_CAPTCHA_TEST_CODE"]
RP = {"client_id": "interop-rp", "client_secret": "interop-secret-0123456789", "redirect_uri": "http://127.0.0.1:9/cb"}

# Every credential the suite handles, so that test_zz_log_hygiene can search the server's log for each of them.
SEEN_SECRETS = set()
_send = requests.Session.send


def _recording_send(session, request, **kwargs):
    response = _send(session, request, **kwargs)
    location = response.headers.get("Location", "")
    for name, values in parse_qs(urlparse(location).query).items():
        if name == "code":
            SEEN_SECRETS.update(values)
    # A streamed body is left for the test to read.
    if not kwargs.get("stream") and "json" in response.headers.get("Content-Type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            SEEN_SECRETS.update(str(body[key]) for key in ("access_token", "refresh_token", "id_token") if key in body)
    return response


requests.Session.send = _recording_send


@pytest.fixture(scope="session")
def discovery():
    return requests.get(ISSUER + "/.well-known/openid-configuration", timeout=10).json()


def csrf_of(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def captcha_id_of(html):
    match = re.search(r'name="captcha_id" id="captcha-id" value="([^"]+)"', html)
    assert match, "page has no captcha"
    return match.group(1)


def form_action(html):
    match = re.search(r'<form method="post" action="([^"]+)"', html)
    assert match, "page has no form"
    return ISSUER + match.group(1).replace("&amp;", "&")


class Browser:
    """A browser: keeps cookies, never follows redirects to the app (the app's host does not exist)."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url, **kw):
        return self.http.get(url, allow_redirects=False, timeout=10, **kw)

    def post(self, url, data, **kw):
        return self.http.post(url, data=data, allow_redirects=False, timeout=10, **kw)

    def follow(self, response):
        """Follows redirects that stay on EduSSO; returns the first response that does not."""
        while response.status_code in (302, 303) and not response.headers["Location"].startswith("http://127.0.0.1:9/"):
            location = response.headers["Location"]
            response = self.get(location if location.startswith("http") else ISSUER + location)
        return response

    def authorize(self, params):
        return self.follow(self.get(ISSUER + "/oidc/v1/azp", params=params))

    def login(self, page, username=STUDENT[0], password=STUDENT[1], captcha=CAPTCHA):
        assert page.status_code == 200, page.text[:500]
        response = self.post(form_action(page.text), {
            "csrf_token": csrf_of(page.text), "username": username, "password": password,
            "captcha_id": captcha_id_of(page.text), "captcha": captcha})
        return self.follow(response)

    def consent(self, page, decision="approve"):
        assert "授權確認" in page.text or "Authorize access" in page.text, page.text[:500]
        return self.follow(self.post(form_action(page.text), {"csrf_token": csrf_of(page.text), "decision": decision}))


def callback_params(response):
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}, location


def new_rp(scope="openid profile email eduinfo offline_access", client=RP):
    return OAuth2Session(
        client["client_id"], client.get("client_secret"), scope=scope, redirect_uri=client["redirect_uri"],
        code_challenge_method="S256", token_endpoint_auth_method=client.get("auth", "client_secret_basic"))


def authorization_params(client=RP, scope="openid profile email eduinfo offline_access", **extra):
    verifier = generate_token(48)
    params = {
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uri"], "scope": scope,
        "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12),
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
    }
    params.update(extra)
    return params, verifier


def sign_in_and_get_code(browser, params, consent=True, account=STUDENT):
    page = browser.authorize(params)
    response = browser.login(page, account[0], account[1])
    if consent and response.status_code == 200:
        response = browser.consent(response)
    query, _ = callback_params(response)
    assert query.get("state") == params["state"]
    assert query.get("iss") == ISSUER
    return query["code"]


def database(statement):
    """Runs one SQL statement on the server's database (SQLite file, or PostgreSQL when EDU_SSO_DATABASE_URL is
    set) and returns its rows as tuples of text. For the few tests that must reach behind the server (moving a
    code's expiry into the past) or check what it stored."""
    import sqlite3
    import subprocess
    url = os.environ.get("EDU_SSO_DATABASE_URL", "")
    if url.startswith("postgres"):
        answer = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", statement],
                                check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in answer.splitlines() if line]
    db = sqlite3.connect(os.path.join(os.environ["INTEROP_WORK"], "data", "edu-sso.sqlite"), timeout=10)
    with db:
        rows = db.execute(statement).fetchall()
    db.close()
    return [tuple("" if value is None else str(value) for value in row) for row in rows]


LOG_FORMAT = os.environ.get("EDU_SSO_LOG_FORMAT", "text")


def parse_log_line(line):
    """One server log line as a dict (time, level, msg and every metadata field), in the format the server was
    started with (log_format: json, logfmt or text). A line that does not parse raises."""
    import json
    if LOG_FORMAT == "json":
        record = json.loads(line)
        assert isinstance(record, dict)
        return record
    if LOG_FORMAT == "logfmt":
        record = {}
        for match in re.finditer(r'([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|[^ "=]+)( |$)', line):
            value = match.group(2)
            record[match.group(1)] = json.loads(value) if value.startswith('"') else value
        assert {"time", "level", "msg"} <= record.keys(), line
        return record
    # swift-log's StreamLogHandler: "<time> <level> <label>: <key=value …> [<source>] <message>"
    match = re.match(r"^(\S+) (\w+) (\S+): ?(.*?) ?\[(\S+)\] (.*)$", line)
    assert match, line
    record = {"time": match.group(1), "level": match.group(2), "logger": match.group(3),
              "source": match.group(5), "msg": match.group(6)}
    record.update(dict(pair.split("=", 1) for pair in match.group(4).split(" ") if "=" in pair))
    return record


def server_log_records(path=None):
    """Every line of the server's log, parsed (multi-line start-up banners on standard output are elsewhere)."""
    path = path or os.path.join(os.environ["INTEROP_WORK"], "server.log")
    with open(path, encoding="utf-8", errors="replace") as log:
        return [parse_log_line(line) for line in log.read().splitlines() if line.strip()]
