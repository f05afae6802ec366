"""Direct sign-in and 查閱個人資料 (manual 貳.2 and 參)."""
from conftest import ISSUER, Browser


def test_profile_needs_a_sign_in():
    response = Browser().get(ISSUER + "/profile")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")


def test_direct_sign_in_lands_on_the_profile():
    browser = Browser()
    page = browser.get(ISSUER + "/login")
    assert page.status_code == 200 and 'name="captcha"' in page.text
    response = browser.login(page)
    assert response.status_code == 200 and "查閱個人資料" in response.text
    assert "interop.student@mail.edu.tw" in response.text and "林小華" in response.text
    assert "市立惠來國小" in response.text and "六年四班" in response.text
    assert "A12****789" in response.text and "A123456789" not in response.text
    assert "0911222333" in response.text
    assert "介接應用服務" in response.text and "Interop RP" in response.text
    again = browser.get(ISSUER + "/login")
    assert again.status_code == 303 and again.headers["Location"].startswith("/profile")


def test_profile_in_english():
    browser = Browser()
    response = browser.login(browser.get(ISSUER + "/login?lang=en"))
    assert response.status_code == 200 and '<html lang="en">' in response.text and "My profile" in response.text
