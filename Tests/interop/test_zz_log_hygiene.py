"""Runs last (by name): the server ran the whole suite at log level debug — registration, sign-in, consent, tokens,
userinfo, personid, profile edits with codes — and its log must contain none of the secrets it handled."""
import os
import re

from conftest import ISSUER, LOG_FORMAT, SEEN_SECRETS, server_log_records
from sinks import SMS_TOKEN, SMTP_PASSWORD, messages

WORK = os.environ["INTEROP_WORK"]
LOG = os.path.join(WORK, "server.log")

NATIONAL_IDS = ["A123456789", "a123456789", "A223456781", "B120000017", "B220000019", "B120000026", "B120000053",
                "B120000062", "B220000082", "B120000106"]
PASSWORDS = ["Passw0rd1234", "Safe2Pass", "NewPass2024", "Dormant#2024", "Fresh2024x"]
CLIENT_SECRETS = ["interop-secret-0123456789", "post-secret-0123456789", "other-secret-0123456789",
                  "svc-secret-0123456789", "es256-secret-0123456789", "moe-secret-0123456789", "rs-secret-0123456789"]


def sent_codes():
    """The six-digit codes the SMTP server and the SMS gateway received (verification and recovery codes)."""
    codes = set()
    for message in messages("mail") + messages("sms"):
        codes.update(re.findall(r"\b\d{6}\b", message["body"]))
    return codes


def test_the_debug_log_holds_no_secret_and_no_national_id():
    log = open(LOG, encoding="utf-8", errors="replace").read()
    assert any(record["level"] == "debug" for record in server_log_records()), "the server must have run at debug"
    assert len(SEEN_SECRETS) > 20, "the suite should have handled many tokens and codes"
    codes = sent_codes()
    assert codes, "the profile tests should have sent verification codes"
    leaks = [value for value in [*NATIONAL_IDS, *PASSWORDS, *CLIENT_SECRETS, *SEEN_SECRETS, SMTP_PASSWORD, SMS_TOKEN]
             if value and value in log]
    leaks += [code for code in codes if re.search(r"(?<![0-9A-Za-z.:-])" + code + r"(?![0-9A-Za-z.:-])", log)]
    assert not leaks, f"{len(leaks)} secrets in the server log, e.g. {leaks[:3]}"


def test_every_request_writes_one_access_log_line():
    # Every line parses in the configured format (json and logfmt escape what they carry: one event, one line).
    records = server_log_records()
    requests_logged = [record for record in records if record.get("msg") == "request"]
    token_lines = [record for record in requests_logged if record.get("route") == "/oidc/v1/token"]
    assert token_lines and all({"status", "duration_ms", "request_id", "method"} <= record.keys() for record in token_lines)
    # Random ids inside paths and every query string stay out of the log.
    assert any(record.get("route") == "/interaction/{id}" for record in requests_logged)
    assert not any("?" in str(record.get("route", "")) for record in requests_logged)


def test_the_request_id_in_the_response_header_finds_the_request_in_the_log():
    import time
    import requests
    answer = requests.get(ISSUER + "/login", timeout=10)
    request_id = answer.headers["X-Request-ID"]
    for _ in range(50):
        if any(record.get("request_id") == request_id and record.get("route") == "/login" for record in server_log_records()):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"request {request_id} is not in the {LOG_FORMAT} log")
