import Foundation
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

    /// The text with each `{name}` placeholder filled in, as in `text("consent_intro", lang, ["app": name])`.
    static func text(_ key: String, _ language: Language, _ values: KeyValuePairs<String, String>) -> String {
        var result = text(key, language)
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
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
        "next": ("下一步", "Next"),
        "cancel": ("取消", "Cancel"),
        "submit": ("送出", "Submit"),
        // 應用服務授權清單 (manual 捌.1)
        "apps_title": ("應用服務授權清單", "App authorizations"),
        "apps_intro": (
            "以下是您曾授權取得您資料的應用服務。勾選後按「取消授權」，該應用服務將無法再取得您的資料，下次登入時會再次詢問您。",
            "These apps may read your data. Select apps and choose Revoke: they lose access at once, and will ask again the next time you sign in to them."
        ),
        "apps_scopes": ("授權範圍", "Access"),
        "apps_first_granted": ("首次授權時間", "First authorized"),
        "apps_last_used": ("最近使用時間", "Last used"),
        "apps_never_used": ("無紀錄", "No record"),
        "apps_none": ("您尚未授權任何應用服務。", "You have not authorized any app."),
        "apps_none_selected": ("請勾選要取消授權的應用服務。", "Select the apps to revoke."),
        "apps_revoke": ("取消授權", "Revoke"),
        "apps_revoke_question": ("確定要取消以下 {count} 個應用服務的授權嗎？", "Revoke access for these {count} apps?"),
        "apps_revoke_confirm": ("確定取消授權", "Revoke access"),
        "apps_revoked": ("取消授權成功", "Access revoked"),
        "apps_revoked_text": (
            "這些應用服務已無法再使用您的授權，原有的登入憑證也已失效。",
            "These apps can no longer use your authorization, and the tokens they held no longer work."
        ),
        // 應用服務登入紀錄 (manual 捌.2) and IP登入紀錄 (manual 玖)
        "records_apps_title": ("應用服務登入紀錄", "App sign-in records"),
        "records_apps_delay": (
            "登入紀錄需要同步處理，剛完成的登入可能要稍候數秒才會出現。",
            "Records are written in batches: a sign-in you just made may take a few seconds to appear."
        ),
        "records_ip_title": ("IP登入紀錄", "Sign-in records by IP"),
        "records_ip_intro": (
            "以下是登入教育雲端帳號的紀錄，包括失敗的嘗試。若有您不認得的紀錄，請立即變更密碼。",
            "These are the sign-ins to your account, failed attempts included. If you do not recognise one, change your password at once."
        ),
        "records_count": ("顯示筆數", "Records to show"),
        "records_app": ("應用服務", "App"),
        "records_time": ("時間（臺北）", "Time (Taipei)"),
        "records_method": ("登入方式", "Method"),
        "records_outcome": ("結果", "Outcome"),
        "records_device": ("裝置", "Device"),
        "records_none": ("目前沒有紀錄。", "No records yet."),
        "method_password": ("密碼", "Password"),
        "method_totp": ("雙因子驗證碼", "Two-factor code"),
        "method_recovery_code": ("備用救援碼", "Recovery code"),
        "method_county": ("縣市帳號（{county}）", "County account ({county})"),
        // 使用縣市帳號登入 (manual 貳.3–4)
        "county_sign_in": ("使用縣市帳號登入", "Sign in with a county account"),
        "county_choose_text": ("請點選您的縣市帳號所屬的縣市。", "Choose the county or city your account belongs to."),
        "county_back": ("返回教育雲端帳號登入", "Back to education cloud sign-in"),
        "county_unavailable": (
            "縣市帳號服務暫時無法連線，請稍後再試，或改用教育雲端帳號登入。",
            "The county's sign-in service cannot be reached. Try again later, or sign in with your education cloud account."
        ),
        "county_invalid": (
            "縣市帳號服務的回應無法驗證，為了您的安全已停止登入。請稍後再試，或改用教育雲端帳號登入。",
            "The county's answer could not be verified, so the sign-in was stopped for your safety. Try again later, or use your education cloud account."
        ),
        "county_denied": ("縣市帳號登入未完成。", "The county sign-in was not completed."),
        "county_state_invalid": (
            "此登入連結已失效或已使用過，請重新選擇縣市帳號登入。",
            "This sign-in link has expired or was already used. Please start the county sign-in again."
        ),
        "county_linked_text": ("您的教育雲端帳號是", "Your education cloud account is"),
        "county_no_registry_match": (
            "縣市帳號的資料在您選擇的學校查無學籍資料。請確認學校，或改用個人基本資料申請。",
            "The county account's student has no enrolment record at the school you chose. Check the school, or apply with your personal data."
        ),
        "county_ok": ("我知道了", "Got it"),
        "county_logout": ("同時登出縣市帳號（{county}）", "Also sign out of your county account ({county})"),
        "county_no_account_text": (
            "您的縣市帳號尚未對應到教育雲端帳號。請先申請教育雲端帳號。",
            "Your county account is not linked to an education cloud account yet. Please apply for one first."
        ),
        "outcome_success": ("成功", "Success"),
        "outcome_bad_credentials": ("帳號或密碼錯誤", "Wrong password"),
        "outcome_throttled": ("嘗試過於頻繁", "Too many attempts"),
        "outcome_locked": ("帳號暫時鎖定", "Account locked"),
        "outcome_disabled": ("帳號已停用", "Account disabled"),
        "outcome_wrong_code": ("驗證碼錯誤", "Wrong code"),
        "outcome_replayed": ("驗證碼重複使用", "Code reused"),
        // 雙因子認證綁定 (manual 壹拾)
        "tfa_title": ("雙因子認證綁定", "Two-factor authentication"),
        "tfa_intro": (
            "綁定手機上的驗證器 App 後，登入時除了密碼，還需要輸入 App 顯示的 6 位數驗證碼，即使密碼外洩，他人也無法登入。",
            "Bind an authenticator app on your phone: signing in then needs the 6-digit code it shows as well as your password, so a leaked password alone is not enough."
        ),
        "tfa_step_prepare": ("步驟 1：準備裝置", "Step 1: prepare your device"),
        "tfa_step_apps": ("步驟 2：下載驗證器 App", "Step 2: install an authenticator app"),
        "tfa_step_howto": ("步驟 3：操作說明", "Step 3: how to add the account"),
        "tfa_step_bind": ("步驟 4：掃描 QR Code 並綁定", "Step 4: scan the QR code and bind"),
        "tfa_start": ("開始", "Start"),
        "tfa_start_password": ("請再次輸入密碼，確認是您本人", "Enter your password again to confirm it is you"),
        "tfa_password_wrong": ("密碼不正確。", "The password is not right."),
        "tfa_password_wait": ("密碼錯誤次數過多，請稍後再試。", "Too many wrong passwords. Please try again later."),
        "tfa_prepare_text": ("請準備一支您隨身攜帶的智慧型手機。", "Have a smartphone you always carry with you."),
        "tfa_prepare_phone": ("手機需能安裝 App（iOS 或 Android）。", "It must be able to install apps (iOS or Android)."),
        "tfa_prepare_time": ("請將手機時間設為自動同步，驗證碼依時間產生。", "Set its clock to update automatically: codes depend on the time."),
        "tfa_prepare_lost": (
            "綁定完成後會提供 10 組備用救援碼，手機遺失時可用來登入，請妥善保存。",
            "After binding you get 10 recovery codes for signing in if the phone is lost. Keep them safe."
        ),
        "tfa_apps_text": (
            "用手機掃描下方 QR Code，前往商店下載任一款驗證器 App。",
            "Scan a QR code below with your phone to open the store page of an authenticator app."
        ),
        "tfa_howto_ios_1": ("開啟驗證器 App，點選「+」或「新增帳號」。", "Open the authenticator app and tap + or Add account."),
        "tfa_howto_ios_2": ("選擇「掃描 QR Code」，允許使用相機。", "Choose Scan a QR code and allow the camera."),
        "tfa_howto_ios_3": ("對準下一頁的 QR Code，App 會出現 EduSSO 的 6 位數驗證碼。", "Point it at the QR code on the next page: the app shows a 6-digit EduSSO code."),
        "tfa_howto_android_1": ("開啟驗證器 App，點選右下角「+」。", "Open the authenticator app and tap + at the bottom right."),
        "tfa_howto_android_2": ("選擇「掃描 QR 圖碼」，允許使用相機。", "Choose Scan a QR code and allow the camera."),
        "tfa_howto_android_3": ("無法掃描時，可選「輸入設定金鑰」，輸入下一頁顯示的金鑰。", "If scanning fails, choose Enter a setup key and type the key shown on the next page."),
        "tfa_bind_text": (
            "用驗證器 App 掃描此 QR Code，再輸入 App 顯示的 6 位數驗證碼，按「綁定」。",
            "Scan this QR code with the authenticator app, then enter the 6-digit code it shows and choose Bind."
        ),
        "tfa_qr_title": ("雙因子認證綁定 QR Code", "Two-factor binding QR code"),
        "tfa_manual_entry": ("無法掃描？手動輸入金鑰", "Cannot scan? Enter the key by hand"),
        "tfa_manual_issuer": ("服務名稱", "Issuer"),
        "tfa_manual_key": ("金鑰", "Key"),
        "tfa_manual_type": ("類型", "Type"),
        "tfa_manual_type_value": ("依時間（TOTP，6 位數，30 秒）", "Time-based (TOTP, 6 digits, 30 s)"),
        "tfa_code_label": ("驗證碼", "Code"),
        "tfa_bind_button": ("綁定", "Bind"),
        "tfa_done_title": ("綁定完成", "Binding complete"),
        "tfa_done_text": (
            "驗證器已綁定。按「啟用雙因子驗證」後，登入時就會要求輸入驗證碼。",
            "Your authenticator is bound. Turn on two-factor sign-in to be asked for a code when you sign in."
        ),
        "tfa_recovery_title": ("備用救援碼", "Recovery codes"),
        "tfa_recovery_text": (
            "手機遺失時，每組救援碼可代替驗證碼使用一次。此頁關閉後不會再顯示，請立即抄寫或列印保存。",
            "If you lose your phone, each code works once in place of a code from the app. They are shown only now: write them down or print them."
        ),
        "tfa_done_continue": ("我已保存救援碼", "I have saved the codes"),
        "tfa_bound_at": ("綁定時間", "Bound"),
        "tfa_state": ("登入時的雙因子驗證", "Two-factor sign-in"),
        "tfa_state_on": ("已啟用", "On"),
        "tfa_state_off": ("未啟用", "Off"),
        "tfa_codes_left": ("剩餘救援碼", "Recovery codes left"),
        "tfa_enable_hint": (
            "驗證器已綁定，但登入時尚未要求驗證碼。按「啟用雙因子驗證」後，其他裝置上的登入將會登出。",
            "Your authenticator is bound, but sign-in does not ask for a code yet. Once you turn it on, your other devices are signed out."
        ),
        "tfa_enable": ("啟用雙因子驗證", "Turn on two-factor sign-in"),
        "tfa_unbind": ("解除雙因子綁定", "Remove two-factor binding"),
        "tfa_unbind_text": (
            "解除後，登入時將不再需要驗證碼，救援碼也會失效。請輸入目前的驗證碼（或救援碼），或再次輸入密碼以確認。",
            "After removal, sign-in no longer asks for a code and the recovery codes stop working. Confirm with a current code (or a recovery code) or your password."
        ),
        "tfa_unbind_text_code": (
            "解除後，登入時將不再需要驗證碼，救援碼也會失效。請輸入驗證器目前的驗證碼或一組救援碼以確認。",
            "After removal, sign-in no longer asks for a code and the recovery codes stop working. Confirm with the authenticator's current code or a recovery code."
        ),
        "tfa_unbind_code": ("目前的驗證碼或救援碼", "Current code or recovery code"),
        "tfa_unbind_password": ("或輸入密碼", "Or your password"),
        "tfa_unbind_confirm": ("確定解除", "Remove"),
        "tfa_unbind_wrong": ("驗證碼或密碼不正確。", "The code or password is not right."),
        "tfa_unbound_title": ("已解除雙因子綁定", "Two-factor binding removed"),
        "tfa_unbound_text": ("登入時將只需要帳號與密碼。", "Signing in now needs only your account and password."),
        "tfa_code_title": ("雙因子驗證", "Two-factor sign-in"),
        "tfa_code_intro": ("請開啟手機上的驗證器 App，輸入 EduSSO 的 6 位數驗證碼。", "Open the authenticator app on your phone and enter the 6-digit EduSSO code."),
        "tfa_code_hint": ("手機遺失時，可輸入一組備用救援碼。", "Lost your phone? Enter one of your recovery codes."),
        "tfa_code_button": ("驗證", "Verify"),
        "tfa_code_wrong": ("驗證碼不正確，請確認手機時間後再試。", "That code is not right. Check the phone's clock and try again."),
        "tfa_code_replayed": ("此驗證碼已使用過，請等待 App 顯示下一組驗證碼。", "That code was already used. Wait for the app to show the next one."),
        "tfa_code_throttled": ("驗證碼錯誤次數過多，請 15 分鐘後再試。", "Too many wrong codes. Try again in 15 minutes."),
        "tfa_challenge_expired": ("驗證逾時，請重新登入。", "This sign-in has timed out. Please sign in again."),
        "tfa_required_title": ("此應用服務要求雙因子驗證", "This app requires two-factor sign-in"),
        "tfa_required_text": (
            "您的帳號尚未綁定驗證器。請先完成雙因子認證綁定，再回到應用服務登入。",
            "Your account has no authenticator bound. Set up two-factor authentication, then sign in to the app again."
        ),
        "tfa_required_back": ("返回應用服務", "Back to the app"),
        // 介接應用服務 portal
        "portal_intro": ("以下應用服務可使用教育雲端帳號登入。", "These apps accept your education cloud account."),
        "portal_authorized": ("已授權", "Authorized"),
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
        "recover_method_county": ("縣市帳號", "a county account sign-in"),
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
