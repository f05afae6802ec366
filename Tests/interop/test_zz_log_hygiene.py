"""Runs last (by name): the server ran the whole suite at log level debug — registration, sign-in, consent, tokens,
userinfo, personid, profile edits with codes — and its log must contain none of the secrets it handled."""
import os
import re

from conftest import SEEN_SECRETS
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
    assert re.search(r"^\S+ debug ", log, re.M), "the server must have run at debug (debug lines in the log)"
    assert len(SEEN_SECRETS) > 20, "the suite should have handled many tokens and codes"
    codes = sent_codes()
    assert codes, "the profile tests should have sent verification codes"
    leaks = [value for value in [*NATIONAL_IDS, *PASSWORDS, *CLIENT_SECRETS, *SEEN_SECRETS, SMTP_PASSWORD, SMS_TOKEN]
             if value and value in log]
    leaks += [code for code in codes if re.search(r"(?<![0-9A-Za-z.:-])" + code + r"(?![0-9A-Za-z.:-])", log)]
    assert not leaks, f"{len(leaks)} secrets in the server log, e.g. {leaks[:3]}"


def test_every_request_writes_one_access_log_line():
    log = open(LOG, encoding="utf-8", errors="replace").read()
    token_lines = [line for line in log.splitlines() if "route=/oidc/v1/token" in line]
    assert token_lines and all("status=" in line and "duration_ms=" in line and "request_id=" in line for line in token_lines)
    # Random ids inside paths and every query string stay out of the log.
    assert "route=/interaction/{id}" in log
    assert not re.search(r"route=\S*\?", log)
