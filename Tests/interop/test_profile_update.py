"""更新個人資料 (manual 肆): sign in again, name school and ID, compare 目前資料 with 來源資料, 更新."""
import requests

from conftest import ISSUER, Browser, authorization_params, callback_params, csrf_of, form_action, new_rp, sign_in_and_get_code


MOVER = ("interop.mover", "Passw0rd1234")


def choose(browser, page, **fields):
    return browser.post(ISSUER + "/profile/update", {"csrf_token": csrf_of(page.text), **fields})


def test_update_school_from_the_registry():
    browser = Browser()
    # The page asks for a fresh sign-in first (account, password, captcha).
    page = browser.get(ISSUER + "/profile/update")
    assert "請再次登入" in page.text and 'name="captcha"' in page.text
    page = browser.login(page, MOVER[0], MOVER[1])
    assert "更新個人資料" in page.text and 'name="county"' in page.text
    page = choose(browser, page, county="臺中市", district="西屯區", level="國中", choose="1")
    assert "市立中山國中" in page.text

    wrong_id = choose(browser, page, county="臺中市", district="西屯區", level="國中", school="193516",
                      national_id="B120000017", lookup="1")
    assert wrong_id.status_code == 422 and "學籍資料負責人" in wrong_id.text
    wrong_school = choose(browser, page, county="臺中市", district="西屯區", level="國中", school="191503",
                          national_id="A223456781", lookup="1")
    assert wrong_school.status_code == 422

    compare = choose(browser, page, county="臺中市", district="西屯區", level="國中", school="193516",
                     national_id="A223456781", lookup="1")
    assert compare.status_code == 200 and "目前資料" in compare.text and "來源資料" in compare.text
    assert "市立惠來國小" in compare.text and "市立中山國中" in compare.text and "七年五班" in compare.text
    done = browser.follow(browser.post(form_action(compare.text), {
        "csrf_token": csrf_of(compare.text), "school": "193516", "level": "國中"}))
    assert "更新成功" in done.text
    profile = browser.get(ISSUER + "/profile")
    assert "市立中山國中" in profile.text and "七年五班" in profile.text

    # eduinfo follows the update.
    params, verifier = authorization_params(scope="openid eduinfo")
    code = sign_in_and_get_code(Browser(), params, account=MOVER)
    tokens = new_rp("openid eduinfo").fetch_token(ISSUER + "/oidc/v1/token", code=code, code_verifier=verifier)
    edu = requests.get(ISSUER + "/moeresource/api/v2/oidc/eduinfo", headers={"Authorization": "Bearer " + tokens["access_token"]}, timeout=10).json()
    assert edu["schoolid"] == "193516" and edu["classinfo"][0]["classtitle"] == "七年五班" and edu["classinfo"][0]["semester"] == "2"
