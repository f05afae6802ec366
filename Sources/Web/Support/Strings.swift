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
        "scope_guid": ("跨應用服務的匿名識別碼", "An anonymous identifier shared across apps"),
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
        "home_sign_in": ("登入", "Sign in"),
        "home_profile": ("查閱個人資料", "My profile"),
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
