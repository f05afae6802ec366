"""申請帳號 (manual 壹.2 steps 1–9): every step and branch over HTTP, without JavaScript."""
import re

from conftest import CAPTCHA, ISSUER, Browser, captcha_id_of, csrf_of, form_action


def start(browser):
    page = browser.get(ISSUER + "/register")
    assert page.status_code == 200 and 'value="student"' in page.text
    response = browser.post(ISSUER + "/register", {"csrf_token": csrf_of(page.text), "identity": "student"})
    assert response.status_code == 303 and re.match(r"/register/[^/]+/school", response.headers["Location"])
    return browser.follow(response)


def post(browser, page, data):
    return browser.post(form_action(page.text), {"csrf_token": csrf_of(page.text), **data})


def choose_school(browser, page, county="臺中市", district="西屯區", level="國小", school="193662"):
    page = browser.follow(post(browser, page, {"county": county, "choose": "1"}))
    assert district in page.text and 'name="district"' in page.text
    page = browser.follow(post(browser, page, {"county": county, "district": district, "choose": "1"}))
    assert 'name="level"' in page.text and ">國小<" in page.text
    page = browser.follow(post(browser, page, {"county": county, "district": district, "level": level, "choose": "1"}))
    assert 'name="school"' in page.text and f'value="{school}"' in page.text
    # 下一步 without a school is refused with a clear message.
    refused = post(browser, page, {"county": county, "district": district, "level": level, "next": "1"})
    assert refused.status_code == 400 and "請依序選擇" in refused.text
    return browser.follow(post(browser, page, {"county": county, "district": district, "level": level, "school": school, "next": "1"}))


def personal(browser, page, name, national_id, captcha=CAPTCHA):
    return browser.follow(post(browser, page, {
        "name": name, "national_id": national_id, "captcha_id": captcha_id_of(page.text), "captcha": captcha, "next": "1"}))


def to_personal(browser):
    page = choose_school(browser, start(browser))
    assert "使用個人資料申請" in page.text and "我有縣市帳號" in page.text
    # 4-1 leads to the county choice (test_county.py follows it through).
    county = post(browser, page, {"method": "county"})
    assert county.status_code == 303 and county.headers["Location"].startswith("/login/county?purpose=register")
    return browser.follow(post(browser, page, {"method": "personal"}))


def test_full_application_then_sign_in():
    browser = Browser()
    page = to_personal(browser)
    assert 'name="national_id"' in page.text

    wrong_captcha = personal(browser, page, "陳小安", "B120000017", captcha="000" if CAPTCHA != "000" else "001")
    assert wrong_captcha.status_code == 400 and "驗證碼錯誤" in wrong_captcha.text and 'value="陳小安"' in wrong_captcha.text
    no_match = personal(browser, wrong_captcha, "陳小明", "B120000017")
    assert no_match.status_code == 422 and "查無資料" in no_match.text and "查無資料，回報問題" in no_match.text

    confirm = personal(browser, no_match, "陳小安", "B120000017")
    assert confirm.status_code == 200 and "資料無誤，下一步" in confirm.text and "資料異常，回報問題" in confirm.text
    assert "五年二班" in confirm.text and "B12****017" in confirm.text and "B120000017" not in confirm.text

    consent = browser.follow(post(browser, confirm, {"next": "1"}))
    assert "個資蒐集告知聲明同意書" in consent.text
    back_to_confirm = browser.follow(post(browser, consent, {"decision": "disagree"}))
    assert "資料無誤，下一步" in back_to_confirm.text
    consent = browser.follow(post(browser, back_to_confirm, {"next": "1"}))
    account = browser.follow(post(browser, consent, {"decision": "agree"}))
    assert 'name="username"' in account.text and "建議帳號" in account.text

    bad = post(browser, account, {"username": "1bad", "password": "short", "confirmation": "other",
                                  "email": "parent@example.com", "mobile": "12345", "next": "1"})
    assert bad.status_code == 422
    assert "以半形小寫英文字母開頭" in bad.text and "英文字元與數字" in bad.text and "兩次輸入的密碼不一致" in bad.text
    assert "09 開頭的 10 碼數字" in bad.text
    assert 'value="parent@example.com"' in bad.text and "short" not in bad.text.split('id="password"')[1][:200]

    summary = browser.follow(post(browser, bad, {"username": "chen.xiaoan", "password": "Safe2Pass",
                                                 "confirmation": "Safe2Pass", "email": "parent@example.com",
                                                 "mobile": "0922333444", "next": "1"}))
    assert "完成註冊" in summary.text and "chen.xiaoan@mail.edu.tw" in summary.text
    edit = browser.follow(post(browser, summary, {"edit": "1"}))
    assert 'value="chen.xiaoan"' in edit.text
    summary = browser.follow(post(browser, edit, {"username": "chen.xiaoan", "password": "Safe2Pass",
                                                  "confirmation": "Safe2Pass", "email": "parent@example.com",
                                                  "mobile": "0922333444", "next": "1"}))
    done = browser.follow(post(browser, summary, {"finish": "1"}))
    assert "新建帳號成功！" in done.text and 'href="/login' in done.text

    signed_in = Browser()
    profile = signed_in.login(signed_in.get(ISSUER + "/login"), "chen.xiaoan", "Safe2Pass")
    assert "陳小安" in profile.text and "市立惠來國小" in profile.text and "五年二班" in profile.text


def test_one_registry_record_yields_one_account():
    browser = Browser()
    page = to_personal(browser)
    # 陳小安 may have applied in the test above; apply for 張美玲 twice here.
    confirm = personal(browser, page, "張美玲", "B220000019")
    consent = browser.follow(post(browser, confirm, {"next": "1"}))
    account = browser.follow(post(browser, consent, {"decision": "agree"}))
    summary = browser.follow(post(browser, account, {"username": "chang.meiling", "password": "Safe2Pass",
                                                     "confirmation": "Safe2Pass", "email": "m@example.com",
                                                     "mobile": "0933444555", "next": "1"}))
    assert "新建帳號成功！" in browser.follow(post(browser, summary, {"finish": "1"})).text
    again = personal(browser, to_personal(browser), "張美玲", "B220000019")
    assert again.status_code == 422 and "已申請過" in again.text


def test_username_taken_and_mobile_limit():
    browser = Browser()
    confirm = personal(browser, to_personal(browser), "林志明", "B120000026")
    consent = browser.follow(post(browser, confirm, {"next": "1"}))
    account = browser.follow(post(browser, consent, {"decision": "agree"}))
    taken = post(browser, account, {"username": "interop.student", "password": "Safe2Pass", "confirmation": "Safe2Pass",
                                    "email": "p@example.com", "mobile": "0955666777", "next": "1"})
    assert taken.status_code == 422 and "已有人使用" in taken.text and "已綁定 2 個帳號" in taken.text


def test_back_keeps_the_choices_and_leads_to_the_start():
    browser = Browser()
    page = choose_school(browser, start(browser))
    school = browser.follow(post(browser, page, {"back": "1"}))
    assert "市立惠來國小" in school.text and re.search(r'<option value="193662" selected>', school.text)
    first = post(browser, school, {"back": "1"})
    assert first.status_code == 303 and first.headers["Location"].startswith("/register")


def test_steps_cannot_be_skipped_and_applications_belong_to_their_browser():
    browser = Browser()
    page = start(browser)
    account_url = form_action(page.text).replace("/school", "/account")
    skipped = browser.get(account_url)
    assert skipped.status_code == 303 and "/school" in skipped.headers["Location"]
    stranger = Browser().get(account_url)
    assert stranger.status_code == 400 and "逾時" in stranger.text


def test_school_lists_credit_their_source():
    page = start(Browser())
    assert "資料來源：教育部統計處" in page.text


def test_no_later_step_can_be_posted_before_its_predecessors():
    browser = Browser()
    confirm = personal(browser, to_personal(browser), "許志豪", "B120000053")
    base = form_action(confirm.text).split("/confirm")[0]
    token = csrf_of(confirm.text)
    forged = {
        "consent": {"decision": "agree"},
        "account": {"username": "skip.consent", "password": "Safe2Pass", "confirmation": "Safe2Pass",
                    "email": "s@example.com", "mobile": "0911000999", "next": "1"},
        "summary": {"finish": "1"},
        "done": {"finish": "1"},
    }
    # Straight from step 5: every later step is refused and sends the browser back to where it really is.
    for step, data in forged.items():
        if step == "consent":
            continue
        response = browser.post(base + "/" + step + "?lang=zh-TW", {"csrf_token": token, **data})
        assert response.status_code == 303 and "/confirm" in response.headers["Location"], (step, response.status_code)
    # Through confirm to the consent page, the personal-data consent still cannot be skipped.
    consent = browser.follow(post(browser, confirm, {"next": "1"}))
    assert "個資蒐集告知聲明同意書" in consent.text
    for step in ("account", "summary", "done"):
        response = browser.post(base + "/" + step + "?lang=zh-TW", {"csrf_token": token, **forged[step]})
        assert response.status_code == 303 and "/consent" in response.headers["Location"], (step, response.status_code)
    # No account was made by any of it.
    signed_in = Browser()
    refused = signed_in.login(signed_in.get(ISSUER + "/login"), "skip.consent", "Safe2Pass")
    assert refused.status_code == 401
