"""The captcha of the sign-in page: image, speech, 換下一個 with and without JavaScript, single use, browser binding."""
import re

import requests

from conftest import (CAPTCHA, ISSUER, STUDENT, Browser, authorization_params, captcha_id_of, csrf_of, form_action)


def login_page():
    browser = Browser()
    page = browser.authorize(authorization_params()[0])
    assert page.status_code == 200
    return browser, page


def test_wrong_captcha_is_refused_and_keeps_the_account_name():
    browser, page = login_page()
    response = browser.login(page, captcha="999" if CAPTCHA != "999" else "998")
    assert response.status_code == 400 and "驗證碼錯誤" in response.text
    assert 'value="interop.student"' in response.text
    assert 'name="password"' in response.text and "Passw0rd1234" not in response.text


def test_a_captcha_is_single_use():
    browser, page = login_page()
    data = {"csrf_token": csrf_of(page.text), "username": STUDENT[0], "password": "Wrong0000",
            "captcha_id": captcha_id_of(page.text), "captcha": CAPTCHA}
    first = browser.post(form_action(page.text), data)
    assert first.status_code == 401  # the captcha passed, the password did not
    second = browser.post(form_action(page.text), data)
    assert second.status_code == 400 and "驗證碼錯誤" in second.text


def test_image_and_speech_belong_to_the_browser():
    browser, page = login_page()
    captcha_id = captcha_id_of(page.text)
    image = browser.get(ISSUER + f"/captcha/{captcha_id}.png")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n" and image.content[12:16] == b"IHDR"
    # Every fetch of the same challenge is drawn anew.
    assert browser.get(ISSUER + f"/captcha/{captcha_id}.png").content != image.content
    assert browser.get(ISSUER + f"/captcha/{captcha_id}.wav").content != browser.get(ISSUER + f"/captcha/{captcha_id}.wav").content
    speech = browser.get(ISSUER + f"/captcha/{captcha_id}.wav")
    assert speech.status_code == 200 and speech.content[:4] == b"RIFF" and speech.content[8:12] == b"WAVE"
    assert len(speech.content) > 3 * 16000  # three spoken digits of 16-bit 16 kHz audio, at least 0.5 s each
    stranger = requests.get(ISSUER + f"/captcha/{captcha_id}.png", timeout=10)
    assert stranger.status_code == 404


def test_get_another_without_javascript_keeps_the_form():
    browser, page = login_page()
    old = captcha_id_of(page.text)
    response = browser.post(form_action(page.text), {
        "csrf_token": csrf_of(page.text), "username": STUDENT[0], "password": STUDENT[1], "refresh_captcha": "1"})
    assert response.status_code == 200
    assert captcha_id_of(response.text) != old and 'value="interop.student"' in response.text


def test_get_another_with_javascript():
    browser, page = login_page()
    answer = browser.post(ISSUER + "/captcha/new", {"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200 and re.fullmatch(r"[A-Za-z0-9_-]{20,}", answer.json()["id"])
    assert browser.post(ISSUER + "/captcha/new", {"csrf_token": "forged"}).status_code == 403
