import Hummingbird
import OIDC

/// User-facing text, Traditional Chinese first, English second. Templates read these as `{{t.key}}`.
enum Language: String, Sendable, CaseIterable {
    case zhTW = "zh-TW"
    case en

    /// Picks the first supported language from `ui_locales` / `lang` values; Chinese otherwise.
    static func pick(_ candidates: [String]) -> Language {
        for candidate in candidates {
            let lowered = candidate.lowercased()
            if lowered.hasPrefix("en") { return .en }
            if lowered.hasPrefix("zh") { return .zhTW }
        }
        return .zhTW
    }

    /// The language a page was asked for with `?lang=`; Chinese otherwise.
    static func of(_ request: Request) -> Language {
        pick([RequestReading.query(request).first("lang") ?? ""])
    }

    var other: Language { self == .zhTW ? .en : .zhTW }
    var switchLabel: String { self == .zhTW ? "English" : "中文" }
}

enum Strings {
    static func table(_ language: Language) -> [String: String] {
        var table: [String: String] = [:]
        for (key, pair) in all { table[key] = language == .zhTW ? pair.0 : pair.1 }
        return table
    }

    static func text(_ key: String, _ language: Language) -> String {
        guard let pair = all[key] else { return key }
        return language == .zhTW ? pair.0 : pair.1
    }

    static let all: [String: (String, String)] = [
        "service_name": ("教育體系單一簽入服務", "Education System Single Sign-On"),
        "skip_to_content": ("跳到主要內容", "Skip to main content"),
        "login_title": ("登入", "Sign in"),
        "login_to_app": ("登入以繼續使用", "Sign in to continue to"),
        "account_label": ("教育雲端帳號", "Education cloud account"),
        "account_hint": ("帳號僅需輸入至 @ 前字元", "Type only the part before @"),
        "password_label": ("密碼", "Password"),
        "show_password": ("顯示密碼", "Show password"),
        "hide_password": ("隱藏密碼", "Hide password"),
        "login_button": ("登入", "Sign in"),
        "login_failed": ("帳號或密碼錯誤，請重新輸入。", "The account or password is incorrect. Please try again."),
        "login_wait": ("嘗試次數過多，請於 {seconds} 秒後再試。", "Too many attempts. Please try again in {seconds} seconds."),
        "login_locked": (
            "因多次登入失敗，帳號已暫時鎖定，請於 {minutes} 分鐘後再試。",
            "After repeated failures the account is locked for now. Please try again in {minutes} minutes."
        ),
        "field_required": ("此欄位必填。", "This field is required."),
        "captcha_label": ("驗證碼", "Verification code"),
        "captcha_hint": ("請輸入灰色方格內的 3 位數字", "Type the 3 digits shown in the grey box"),
        "captcha_refresh": ("換下一個", "Get another"),
        "captcha_play": ("播放驗證碼", "Play the code"),
        "captcha_image_alt": (
            "驗證碼圖片，看不清楚可點「換下一個」或播放語音", "Verification code image; use “Get another” or play it if unclear"
        ),
        "captcha_wrong": ("驗證碼錯誤，請重新輸入。", "The verification code is wrong. Please try again."),
        "consent_title": ("授權確認", "Authorize access"),
        "consent_intro": ("「{app}」想要取得您的以下資料：", "“{app}” would like to access:"),
        "consent_account": ("登入帳號：", "Signed in as:"),
        "consent_approve": ("同意", "Allow"),
        "consent_deny": ("不同意", "Deny"),
        "consent_note": (
            "您可以隨時在「應用服務授權」頁面撤回授權。",
            "You can withdraw this permission at any time on the app authorization page."
        ),
        "scope_openid": ("確認您的身分（不會變動的帳號識別碼）", "Confirm who you are (a permanent account identifier)"),
        "scope_profile": ("您的姓名與帳號", "Your name and account name"),
        "scope_email": ("您的教育雲端帳號電子郵件", "Your education cloud e-mail address"),
        "scope_phone": ("您的行動電話", "Your mobile number"),
        "scope_offline_access": ("在您離線時持續存取上述資料", "Keep access to this data while you are away"),
        "scope_openid2": ("基本登入資訊", "Basic sign-in information"),
        "scope_eduinfo": ("您的學校、年級、班級與座號", "Your school, grade, class and seat number"),
        "scope_educloudroles": ("您在教育雲的身分（學生或教師）", "Your education cloud role (student or teacher)"),
        "scope_guid": (
            "跨應用服務共用的識別碼（無法由此推回您的身分證字號）",
            "An identifier shared across apps (it cannot be turned back into your ID number)"
        ),
        "scope_guid_moe": (
            "由身分證字號計算的識別碼（可據以辨識您的身分證字號）",
            "An identifier computed from your ID number (it identifies your ID number)"
        ),
        "scope_personid": ("您的身分證字號", "Your national ID number"),
        "scope_relation": ("您的班級關係資料", "Your class relationships"),
        "error_title": ("發生錯誤", "Something went wrong"),
        "error_code": ("錯誤代碼", "Error code"),
        "error_request_id": ("請求編號", "Request ID"),
        "error_back": ("回首頁", "Back to home"),
        "error_not_found": ("找不到您要的頁面。", "The page you asked for does not exist."),
        "error_bad_request": ("請求內容有誤，無法處理。", "The request could not be processed."),
        "error_server": ("系統暫時無法處理您的請求，請稍後再試。", "The service could not handle your request. Please try again later."),
        "error_rate_limited": ("請求過於頻繁，請稍後再試。", "Too many requests. Please wait a moment and try again."),
        "error_session_expired": (
            "登入作業已逾時，請回到應用服務重新登入。",
            "This sign-in has expired. Please go back to the app and sign in again."
        ),
        "error_csrf": ("表單已失效，請重新整理頁面後再試。", "This form has expired. Please reload the page and try again."),
        "error_unknown_client": ("此應用服務尚未註冊，無法登入。", "This app is not registered, so it cannot sign you in."),
        "error_bad_redirect": ("應用服務提供的返回網址不正確，無法登入。", "The app sent an incorrect return address, so it cannot sign you in."),
        "error_too_large": ("送出的資料過大。", "The request is too large."),
        "profile_title": ("查閱個人資料", "My profile"),
        "profile_basic": ("基本資料", "Basic data"),
        "profile_name": ("姓名", "Name"),
        "profile_school": ("學校", "School"),
        "profile_class": ("年級班級", "Grade and class"),
        "profile_seat": ("座號", "seat"),
        "profile_national_id": ("身分證字號", "National ID"),
        "profile_email": ("備用電子郵件信箱", "Backup e-mail"),
        "profile_mobile": ("行動電話", "Mobile"),
        "profile_not_set": ("尚未設定", "Not set"),
        "profile_apps": ("介接應用服務", "Connected apps"),
        "profile_edit": ("修改備用電子郵件信箱/行動電話", "Change backup e-mail / mobile"),
        "profile_save": ("儲存變更", "Save changes"),
        "profile_no_change": ("資料沒有變更。", "Nothing was changed."),
        "profile_verify_title": ("輸入驗證碼", "Enter the verification codes"),
        "profile_verify_intro": (
            "我們已將驗證碼寄送至您新的電子郵件信箱或行動電話，請於 10 分鐘內輸入。",
            "We sent verification codes to your new e-mail address or mobile number. Enter them within 10 minutes."
        ),
        "profile_verify_email": ("電子郵件驗證碼（寄至 {target}）", "E-mail code (sent to {target})"),
        "profile_verify_mobile": ("簡訊驗證碼（傳至 {target}）", "Text-message code (sent to {target})"),
        "profile_verify_wrong": ("驗證碼錯誤或已失效，請重新輸入。", "A code is wrong or has expired. Please try again."),
        "profile_verify_none": ("沒有待確認的變更，請重新修改。", "There is no change waiting; please start again."),
        "profile_verify_help": ("收不到驗證碼，聯絡我們", "Didn't get a code? Contact us"),
        "profile_updated": ("資料更新成功", "Your data were updated"),
        "profile_ok": ("確定", "OK"),
        "update_title": ("更新個人資料", "Update my school data"),
        "update_intro": (
            "請選擇您目前就讀的學校並輸入身分證字號，系統將比對學籍資料。",
            "Choose the school you attend now and enter your ID number; we will look it up in the school registry."
        ),
        "update_current": ("目前資料", "Current data"),
        "update_source": ("來源資料", "Registry data"),
        "update_button": ("更新", "Update"),
        "update_done": ("更新成功", "Updated"),
        "update_no_match": (
            "查無符合的學籍資料，請聯絡學校的學籍資料負責人。",
            "No matching registry record was found. Please contact your school's registry officer."
        ),
        "update_sign_in_again": ("為保護您的資料，請再次登入。", "To protect your data, please sign in again."),
        "directory_attribution": (
            "學校名錄資料來源：教育部統計處、內政部、中華郵政（政府資料開放授權條款第1版）",
            "School directory data: MOE Department of Statistics, Ministry of the Interior, Chunghwa Post (Open Government Data License v1.0)"
        ),
        "nav_label": ("主選單", "Main menu"),
        "nav_account": ("帳號管理", "Account"),
        "home_apply": ("申請帳號", "Apply for an account"),
        "home_sign_in": ("登入", "Sign in"),
        "home_profile": ("查閱個人資料", "My profile"),
        "register_title": ("申請帳號", "Apply for an account"),
        "register_identity": ("請選擇身份別", "Who are you?"),
        "register_student": ("學生", "Student"),
        "register_county": ("縣市", "County or city"),
        "register_district": ("行政區", "District"),
        "register_level": ("學制", "School level"),
        "register_school": ("學校", "School"),
        "register_choose": ("請選擇", "Choose"),
        "register_show_next": ("顯示下一項", "Show the next list"),
        "register_next": ("下一步", "Next"),
        "register_back": ("回上一頁", "Back"),
        "register_school_missing": ("我找不到我的學校，回報問題", "I can't find my school — report it"),
        "register_choose_school_first": ("請依序選擇縣市、行政區、學制與學校。", "Choose the county, district, level and school in turn."),
        "register_method": ("您所屬的縣市是否有縣市帳號？", "Does your county give you a county account?"),
        "register_county_account": ("我有縣市帳號（單一身份驗證帳號）", "I have a county account"),
        "register_county_account_soon": (
            "縣市帳號登入即將開放，目前請使用個人資料申請。", "Signing in with a county account is coming; for now apply with your personal data."
        ),
        "register_personal_data": ("我沒有縣市帳號，使用個人資料申請", "I have no county account: apply with my personal data"),
        "register_name": ("姓名", "Name"),
        "register_national_id": ("身分證字號／居留證號／其他身分 ID", "National ID / residence ID / other ID"),
        "register_no_match": ("查無資料。", "No matching record was found."),
        "register_no_match_report": ("查無資料，回報問題", "No record found — report it"),
        "register_already": ("此身分已申請過教育雲端帳號，請直接登入或使用忘記帳號。", "An account already exists for this person: sign in, or use Forgot account."),
        "register_confirm_intro": ("請確認以下資料是否正確：", "Please check that these data are right:"),
        "register_data_ok": ("資料無誤，下一步", "The data are right — next"),
        "register_data_wrong": ("資料異常，回報問題", "The data are wrong — report it"),
        "register_consent_title": ("個資蒐集告知聲明同意書", "Notice on the collection of personal data"),
        "register_consent_text": (
            "教育部為提供教育雲端帳號服務，將蒐集您的姓名、身分證字號、就讀學校、年級班級座號、電子郵件信箱及行動電話，僅作為教育部雲端帳號使用，並依個人資料保護法妥善保管。您可隨時查閱、更正或請求刪除您的個人資料。",
            "To provide the education cloud account, the Ministry of Education collects your name, ID number, school, grade, class and seat number, e-mail address and mobile number. They are used only for the education cloud account and are kept under the Personal Data Protection Act. You may see, correct or ask to delete them at any time."
        ),
        "register_agree": ("同意", "I agree"),
        "register_disagree": ("不同意", "I do not agree"),
        "register_account_label": ("帳號", "Account name"),
        "register_account_suggest": ("建議帳號：", "Suggestion:"),
        "register_password": ("密碼", "Password"),
        "register_password_again": ("再次輸入密碼", "Password again"),
        "register_email": ("電子郵件信箱", "E-mail address"),
        "register_email_hint": ("忘記密碼時可使用此信箱收取驗證信", "Used to send you a code if you forget your password"),
        "register_mobile": ("行動電話", "Mobile number"),
        "register_mobile_hint": ("忘記密碼時可使用此號碼收取驗證簡訊", "Used to text you a code if you forget your password"),
        "register_username_taken": ("此帳號已有人使用，請換一個。", "This account name is taken; choose another."),
        "register_mobile_limit": ("此行動電話已綁定 2 個帳號，無法再使用。", "This mobile number is already bound to 2 accounts."),
        "register_summary_intro": ("請確認您的申請資料：", "Please check your application:"),
        "register_finish": ("完成註冊", "Complete registration"),
        "register_edit": ("我想修改", "I want to change something"),
        "register_done": ("新建帳號成功！", "Your account has been created!"),
        "register_done_login": ("登入", "Sign in"),
        "register_expired": ("申請作業已逾時，請重新申請。", "This application has expired. Please start again."),
        "logout_title": ("已登出", "Signed out"),
        "logout_done": ("您已登出教育體系單一簽入服務。", "You have signed out of the Education System Single Sign-On."),
        "logout_confirm_title": ("確認登出", "Sign out?"),
        "logout_confirm": ("確定要登出嗎？", "Do you want to sign out?"),
        "logout_button": ("登出", "Sign out"),
        "home_title": ("教育體系單一簽入服務", "Education System Single Sign-On"),
        "home_intro": (
            "使用一組教育雲端帳號，登入各縣市與教育部的應用服務。",
            "One education cloud account for the apps of the Ministry and of every county."
        ),
        "home_signed_in_as": ("目前登入：", "Signed in as:"),
        "home_demo": ("試用示範應用服務", "Try the demo app"),
        "continue": ("繼續", "Continue"),
        "redirecting": ("正在返回應用服務…", "Returning to the app…"),
        "demo_title": ("示範應用服務", "Demo app"),
        "login_disabled": (
            "此教育雲端帳號已停用，無法登入。請使用「啟用帳號」，驗證身分並設定新密碼後即可登入。",
            "This education cloud account is disabled and cannot sign in. Use \"Activate account\": prove who you are and set a new password."
        ),
        "recover_title": ("忘記密碼", "Forgot password"),
        "activate_title": ("啟用帳號", "Activate account"),
        "recover_intro": ("請選擇重新設定教育雲端密碼的方式。", "Choose how to set a new password for your education cloud account."),
        "activate_intro": (
            "教育雲端帳號停用時無法登入。請選擇啟用的方式，並設定新密碼。",
            "A disabled education cloud account cannot sign in. Choose how to activate it, then set a new password."
        ),
        "recover_way_code": ("傳送驗證碼重設", "Send a code to reset"),
        "recover_way_code_hint": (
            "驗證碼會寄到您的備用電子郵件信箱和行動電話。", "A code goes to your backup e-mail address and your mobile."
        ),
        "recover_way_county": ("使用縣市帳號重設", "Reset with a county account"),
        "recover_way_personal": ("使用個人基本資料重設", "Reset with your personal data"),
        "recover_way_personal_hint": (
            "選擇學校，輸入姓名與身分證字號／居留證號，與學籍資料核對。",
            "Choose your school and enter your name and ID number; they are checked against the student registry."
        ),
        "recover_way_default": ("使用預設密碼重設", "Reset with a default password"),
        "recover_way_default_hint": (
            "輸入學校由「教育體系單一簽入資料管理平台」產出的預設密碼。",
            "Enter the default password your school issued from the data-management platform."
        ),
        "recover_send_button": ("傳送認證碼", "Send the code"),
        "recover_account_required": ("請輸入教育雲端帳號。", "Enter your education cloud account."),
        "recover_code_sent": (
            "若帳號存在且設有備用電子郵件信箱或行動電話，六位數驗證碼已寄出，1 小時內有效。請輸入驗證碼。",
            "If the account exists and has a backup e-mail or mobile, a six-digit code was sent; it is valid for one hour. Enter it below."
        ),
        "recover_code_label": ("六位數驗證碼", "Six-digit code"),
        "recover_code_button": ("開始驗證", "Verify"),
        "recover_no_code": ("收不到驗證碼，聯絡我們", "No code arrived? Contact us"),
        "recover_code_wrong": (
            "驗證碼錯誤或已失效（輸入錯誤 5 次即失效），請重新輸入或重新申請。",
            "The code is wrong or no longer valid (5 wrong tries void it). Try again or ask for a new one."
        ),
        "recover_report": ("查無資料，回報問題", "No match? Report it"),
        "recover_no_match": (
            "查無資料：學校、姓名與身分證字號／居留證號和學籍資料不符，或尚未申請教育雲端帳號。",
            "No match: the school, name and ID number do not match the registry, or there is no education cloud account yet."
        ),
        "recover_default_label": ("預設密碼", "Default password"),
        "recover_default_hint": (
            "預設密碼只能使用一次，且有使用期限。", "A default password works once, and only until it expires."
        ),
        "recover_submit": ("送出", "Submit"),
        "recover_default_wrong": (
            "帳號或預設密碼錯誤，或預設密碼已使用或過期。",
            "The account or default password is wrong, or the default password was used or has expired."
        ),
        "recover_new_password": ("新密碼", "New password"),
        "recover_new_password_again": ("再次輸入新密碼", "New password again"),
        "recover_mobile_note": (
            "若使用手機操作，請留意字型及空白格誤差；可按右側眼睛圖示確認輸入的字元。",
            "On a phone, watch for look-alike characters and spaces; the eye button shows what you typed."
        ),
        "recover_reset_button": ("重設密碼", "Reset password"),
        "recover_too_soon": (
            "密碼變更後需 24 小時才能再次變更，請於 {time}（臺灣時間）後再試。若您記得目前的密碼，請直接登入。",
            "A password can be changed again only 24 hours after it was set; try again after {time} (Taiwan time). If you know the current password, sign in."
        ),
        "recover_account_disabled": (
            "此帳號已停用，請先啟用帳號（啟用時會設定新密碼）。",
            "This account is disabled. Activate it first (you set a new password while activating)."
        ),
        "activate_already_active": ("此帳號已是啟用狀態，可以直接登入。", "This account is already active; you can sign in."),
        "activate_another_active": (
            "此身分證字號已有另一個啟用中的教育雲端帳號，無法再啟用這個帳號。請使用「忘記帳號」找回啟用中的帳號。",
            "Another active education cloud account has this ID number, so this one cannot be activated. Use \"Forgot account\" to find the active one."
        ),
        "activate_blocked": (
            "此帳號由管理者停用，無法自行啟用。請洽詢學校，或使用「聯絡我們」。",
            "An administrator disabled this account; it cannot be activated here. Ask your school, or use Contact us."
        ),
        "recover_personal_exhausted": (
            "此身分證字號今日嘗試次數過多，請改用「傳送驗證碼重設」，或使用「聯絡我們」。",
            "Too many tries for this ID number today. Use \"Send a code\" instead, or contact us."
        ),
        "recover_done": ("密碼變更完成", "Password changed"),
        "recover_done_wait": ("密碼變更完成，需 24 小時後才能再次變更。", "Your password was changed; it can be changed again after 24 hours."),
        "recover_done_reminder": (
            "下次登入請使用新密碼。所有裝置上的登入都已登出。",
            "Sign in with the new password from now on. You were signed out everywhere."
        ),
        "recover_expired": (
            "此申請已過期或不存在，請重新開始。", "This request has expired or does not exist. Please start again."
        ),
        "recover_action_reset": ("重設密碼", "reset the password of"),
        "recover_action_activate": ("啟用帳號", "activate"),
        "recover_method_code": ("傳送驗證碼", "a code sent to you"),
        "recover_method_personal": ("個人基本資料", "your personal data"),
        "recover_method_default": ("預設密碼", "a default password"),
        "contact_title": ("聯絡我們", "Contact us"),
        "contact_intro": (
            "遇到問題時，請填寫以下資料回報客服，我們會盡快為您處理。",
            "If something went wrong, tell customer service below and we will help as soon as we can."
        ),
        "contact_category": ("問題分類", "Category"),
        "contact_identifier": ("身分證字號／居留證號／其他身份ID／教育雲端帳號", "National ID / residence ID / other ID / education cloud account"),
        "contact_contact": ("聯絡方式", "How to reach you"),
        "contact_contact_hint": ("請輸入您的電子信箱或手機號碼（09 開頭 10 碼）。", "Your e-mail address or mobile number (10 digits starting with 09)."),
        "contact_description": ("問題描述", "Description"),
        "contact_description_hint": ("請將您的資料填入範本中。", "Fill your details into the template."),
        "contact_cancel": ("取消", "Cancel"),
        "contact_incomplete": (
            "請填寫所有欄位：聯絡方式須為電子信箱或手機號碼，問題描述請填入範本。",
            "Fill in every field: an e-mail address or mobile number to reach you, and the template in the description."
        ),
        "contact_done": (
            "已將您的問題寄至客服信箱，我們會盡快為您處理。", "Your question was sent to customer service; we will handle it as soon as we can."
        ),
        "contact_ticket": ("問題編號：", "Ticket number:"),
        "contact_received": ("已收到您的問題，客服人員會盡快為您處理。", "We received your question; customer service will handle it as soon as we can."),
        "forgot_account_title": ("忘記帳號", "Forgot account"),
        "forgot_account_intro": (
            "忘記教育雲端帳號時，可以用身分證字號／居留證號／其他身份 ID 取回。",
            "If you forgot your education cloud account, get it back with your ID number (national ID, residence ID or other ID)."
        ),
        "forgot_by_id": ("使用身分證字號／居留證號／其他身份 ID 查詢", "Look it up by ID number"),
        "forgot_national_id": ("身分證字號／居留證號／其他身份 ID", "National ID / residence ID / other ID"),
        "forgot_account_button": ("帳號取得", "Get my account"),
        "forgot_by_county": ("使用縣市帳號查詢", "Look it up with a county account"),
        "forgot_by_county_button": ("使用縣市帳號（OpenID）取得", "Get it with a county account (OpenID)"),
        "forgot_by_county_pending": (
            "縣市帳號（OpenID）查詢將於縣市帳號服務介接後提供。",
            "Looking up with a county account (OpenID) arrives when the county providers are connected."
        ),
        "forgot_id_invalid": (
            "請輸入正確的身分證字號／居留證號（第 1 碼為英文字母，共 10 碼）。",
            "Enter a valid ID number (a letter followed by 9 characters)."
        ),
        "forgot_account_found": ("您的教育雲端帳號為：", "Your education cloud account:"),
        "forgot_account_disabled": ("已停用", "disabled"),
        "forgot_account_none": (
            "查無此身分證字號／居留證號的教育雲端帳號。若您尚未申請，請申請帳號。",
            "No education cloud account has this ID number. If you have not applied yet, apply for an account."
        ),
        "forgot_account_again": ("重新查詢", "Try again"),
        "outbox_title": ("開發用寄件匣", "Development outbox"),
        "outbox_intro": (
            "開發模式不寄出真正的電子郵件與簡訊，而是放在這裡（最新的在最上面）。正式環境沒有這個頁面。",
            "Development mode sends no real e-mail or text messages; they land here instead, newest first. Production has no such page."
        ),
        "outbox_empty": ("寄件匣是空的。", "The outbox is empty."),
        "outbox_email": ("電子郵件", "E-mail"),
        "outbox_sms": ("簡訊", "Text message"),
        "demo_intro": (
            "這是內建的示範應用服務，以示範用戶端登入並顯示取得的資料。",
            "This built-in demo app signs in with the demo client and shows what it receives."
        ),
        "demo_sign_in": ("使用教育雲端帳號登入", "Sign in with the education cloud account"),
        "demo_id_token": ("ID Token（已解碼）", "ID token (decoded)"),
        "demo_userinfo": ("Userinfo 回應", "Userinfo response"),
        "demo_eduinfo": ("Eduinfo 回應", "Eduinfo response"),
        "demo_token_response": ("Token 回應", "Token response"),
        "demo_again": ("重新登入", "Sign in again"),
        "demo_logout": ("登出", "Sign out"),
    ]
}
