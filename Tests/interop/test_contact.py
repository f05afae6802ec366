"""聯絡我們 (manual 壹拾壹): reachable without signing in, prefilled from the flows that send students here; each
question becomes a ticket and an e-mail to customer service (through the real SMTP server); the support desk
reads tickets with the CLI, ID numbers masked unless asked for."""
import os
import re
import subprocess
import time

import requests

from conftest import CAPTCHA, ISSUER, Browser, captcha_id_of, csrf_of
from sinks import wait_for_message

BIN = os.environ["INTEROP_BIN"]


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, check=True).stdout


def selected_category(html):
    return re.search(r'<option value="([a-z_]+)"[^>]*selected', html).group(1)


def send(browser, page, **fields):
    data = {"csrf_token": csrf_of(page.text), "captcha_id": captcha_id_of(page.text), "captcha": CAPTCHA, "send": "1",
            "category": selected_category(page.text), "identifier": "", "name": "", "contact": "",
            "description": re.search(r'<textarea[^>]*>([^<]*)</textarea>', page.text).group(1)}
    data.update(fields)
    return browser.post(ISSUER + "/contact", data)


def test_a_question_from_the_no_code_button_becomes_a_ticket_and_an_email():
    browser = Browser()
    page = browser.get(ISSUER + "/contact?category=no_code&account=interop.student")
    assert page.status_code == 200 and "聯絡我們" in page.text
    assert selected_category(page.text) == "no_code" and 'value="interop.student"' in page.text
    assert "申請驗證碼的時間：" in page.text
    # The template alone, or a contact that is neither an e-mail nor a mobile number, is not enough.
    untouched = send(browser, page, name="林小華", contact="0911222333", identifier="interop.student")
    assert untouched.status_code == 422 and "請填寫所有欄位" in untouched.text
    bad_contact = send(browser, untouched, name="林小華", contact="call me", identifier="interop.student",
                       description="教育雲端帳號：interop.student\n申請驗證碼的時間：今天早上")
    assert bad_contact.status_code == 422
    since = time.time()
    done = send(browser, bad_contact, name="林小華", contact="parent@example.com", identifier="A123456789",
                description="教育雲端帳號：interop.student\n申請驗證碼的時間：今天早上 8 點\n我弟弟的號碼是 B123456788\x1b[2J")
    assert done.status_code == 200 and "已將您的問題寄至客服信箱" in done.text
    assert 'href="/register' in done.text and 'href="/login' in done.text
    ticket = re.search(r'class="ticket-id">(C[A-Z0-9]{8})<', done.text).group(1)
    mail = wait_for_message("mail", "support@sso.test", since)
    assert ticket in mail["subject"] and "收不到驗證碼" in mail["subject"]
    assert "A12****789" in mail["body"] and "A123456789" not in mail["body"] and "今天早上 8 點" in mail["body"]
    # ID-shaped text anywhere is masked (even a mistyped one), and control characters never reach the desk.
    assert "B12****788" in mail["body"] and "B123456788" not in mail["body"] and "\x1b" not in mail["body"]
    # The support desk: listed, masked by default, revealed only when asked, then closed.
    assert ticket in cli("tickets", "list") and "A123456789" not in cli("tickets", "list")
    shown = cli("tickets", "show", ticket)
    assert "A12****789" in shown and "A123456789" not in shown and "parent@example.com" in shown
    assert "A123456789" in cli("tickets", "show", ticket, "--reveal-id")
    cli("tickets", "close", ticket)
    assert ticket not in cli("tickets", "list") and ticket in cli("tickets", "list", "--all")


def test_the_report_buttons_of_earlier_flows_land_here_prefilled():
    for category, words in [("registry_missing", "在哪一個步驟查無資料"), ("school_missing", "學校名稱："),
                            ("no_code", "申請驗證碼的時間")]:
        page = requests.get(ISSUER + f"/contact?category={category}", timeout=10)
        assert page.status_code == 200 and selected_category(page.text) == category and words in page.text
    # An unknown category falls back to 其他, and the form needs its CSRF token.
    assert selected_category(requests.get(ISSUER + "/contact?category=nope", timeout=10).text) == "other"
    assert requests.post(ISSUER + "/contact", data={"category": "other"}, timeout=10).status_code == 403
