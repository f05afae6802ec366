"""Runs after the flows (by name): the probes a load balancer asks, and the metrics the whole suite produced, read
from the admin listener as Prometheus would."""
import os
import re

import requests

from conftest import ISSUER, SEEN_SECRETS

ADMIN = "http://127.0.0.1:" + os.environ["EDU_SSO_ADMIN_PORT"]


def metrics():
    answer = requests.get(ADMIN + "/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    return answer.text


def sample(text, name, **labels):
    """The value of the series `name` whose labels include `labels` (summed over the others), or None."""
    total, found = 0.0, False
    for line in text.splitlines():
        match = re.match(r"^" + re.escape(name) + r"(?:\{(.*)\})? (\S+)$", line)
        if not match:
            continue
        present = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(1) or ""))
        if all(present.get(key) == value for key, value in labels.items()):
            total, found = total + float(match.group(2)), True
    return total if found else None


def test_probes_answer_on_both_listeners():
    for base in (ISSUER, ADMIN):
        assert requests.get(base + "/healthz", timeout=10).json() == {"status": "ok"}
        ready = requests.get(base + "/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "keys": "ok"}}


def test_metrics_are_not_served_on_the_public_listener():
    assert requests.get(ISSUER + "/metrics", timeout=10).status_code == 404


def test_the_suite_shows_in_the_metrics():
    text = metrics()
    # Requests per route, method and status, with latency histograms.
    assert sample(text, "edu_sso_http_requests_total", route="/oidc/v1/token", method="POST", status="200") > 10
    assert sample(text, "edu_sso_http_requests_total", route="/oidc/v1/token", status="401") >= 1
    assert sample(text, "edu_sso_http_request_duration_seconds_bucket", route="/oidc/v1/userinfo", le="+Inf") >= 1
    assert sample(text, "edu_sso_http_request_duration_seconds_count", route="/login", method="GET") >= 1
    # Sign-ins by method and outcome: passwords right and wrong, two-factor codes, counties.
    assert sample(text, "edu_sso_sign_ins_total", method="password", outcome="success") > 5
    assert sample(text, "edu_sso_sign_ins_total", method="password", outcome="bad_credentials") >= 1
    assert sample(text, "edu_sso_sign_ins_total", method="totp", outcome="success") >= 1
    assert sample(text, "edu_sso_sign_ins_total", method="county", county="kh", outcome="success") >= 1
    # Tokens by grant.
    for grant in ("authorization_code", "refresh_token", "client_credentials"):
        assert sample(text, "edu_sso_tokens_issued_total", grant_type=grant) >= 1, grant
    # Throttling (the suite runs into the limits on purpose), the queue and the database pool.
    assert sample(text, "edu_sso_throttled_total") >= 1
    assert sample(text, "edu_sso_messages", status="sent") >= 1
    assert sample(text, "edu_sso_database_pool_connections_max") >= 1
    assert sample(text, "edu_sso_database_operations_in_flight") is not None
    assert sample(text, "edu_sso_app_sign_in_records_waiting") is not None


def test_no_secret_becomes_a_label():
    text = metrics()
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert routes and not any("?" in route for route in routes)
    leaks = [value for value in SEEN_SECRETS if value and value in text]
    assert not leaks, leaks[:3]
