import Foundation
import Hummingbird
import Identity
import Notify
import OIDC

/// 雙因子認證綁定 (manual 壹拾): the binding wizard (開始 → prepare the device → install an authenticator app →
/// how-to → scan and enter a code → 綁定完成), then 「啟用雙因子驗證」 and 「解除雙因子綁定」.
struct TwoFactorController: Sendable {
    let services: Services

    /// Authenticator apps offered in step 3, with their store pages (shown as QR codes for the phone to scan).
    static let authenticatorApps: [(name: String, ios: String, android: String)] = [
        (
            "Google Authenticator", "https://apps.apple.com/app/google-authenticator/id388497605",
            "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2"
        ),
        (
            "Microsoft Authenticator", "https://apps.apple.com/app/microsoft-authenticator/id983156458",
            "https://play.google.com/store/apps/details?id=com.azure.authenticator"
        ),
    ]

    func addRoutes(to router: Router<AppContext>) {
        router.get("/account/2fa") { request, context in try await status(request, context) }
        router.post("/account/2fa/start") { request, context in try await start(request, context) }
        router.get("/account/2fa/setup/:step") { request, context in try await setupStep(request, context) }
        router.post("/account/2fa/bind") { request, context in try await bind(request, context) }
        router.post("/account/2fa/enable") { request, context in try await enable(request, context) }
        router.get("/account/2fa/unbind") { request, context in try await unbindPage(request, context) }
        router.post("/account/2fa/unbind") { request, context in try await unbind(request, context) }
    }

    private func page(
        _ template: String, _ values: [String: Any], _ request: Request, _ lang: Language, path: String,
        title: String = "tfa_title", status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        // Every page is `no-store` (Responses.html), so the key and recovery codes stay out of a shared cache.
        try await services.formPage(
            template, values, request: request, language: lang, title: Strings.text(title, lang),
            switchURL: "\(path)?lang=\(lang.other.rawValue)", status: status)
    }

    private func signInFirst(_ lang: Language) -> Response { services.signInFirst(lang) }

    /// The password typed again, checked like a sign-in (throttled, and in the IP login records); nil when right,
    /// otherwise what to tell the student.
    private func passwordProblem(_ account: Account, _ password: String, _ request: Request, _ context: AppContext)
        async throws -> String?
    {
        guard !password.isEmpty else { return "tfa_password_wrong" }
        switch try await services.passwordSignIn.attempt(
            username: account.username, password: password, ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "")
        {
        case .success: return nil
        case .badCredentials, .disabled: return "tfa_password_wrong"
        case .wait, .locked: return "tfa_password_wait"
        case .lockedNow(let locked, let until):
            try await SignInForm(services: services).sendLockNotice(to: locked, until: until, ip: context.clientIP)
            return "tfa_password_wait"
        }
    }

    /// Records a change of the two-factor settings in the account's records and tells the owner by e-mail.
    private func recordChange(
        _ account: Account, _ kind: AccountEvent.Kind, _ request: Request, _ context: AppContext
    ) async throws {
        let userAgent = request.headers[.userAgent] ?? ""
        try await services.store.recordEvent(
            AccountEvent(accountID: account.id, at: services.clock.now(), kind: kind, ip: context.clientIP, userAgent: userAgent))
        guard let email = account.email else { return }
        let change: (zh: String, en: String) =
            switch kind {
            case .twoFactorBound: ("綁定了驗證器", "an authenticator was bound")
            case .twoFactorEnabled: ("啟用了雙因子驗證", "two-factor sign-in was turned on")
            default: ("解除了雙因子綁定", "the two-factor binding was removed")
            }
        try await services.send(
            .twoFactorChanged, to: [(.email, email)],
            values: [
                "name": account.name, "account": account.address, "time": TaipeiTime.string(services.clock.now()),
                "change_zh": change.zh, "change_en": change.en, "ip": context.clientIP,
            ], validFor: 86400)
    }

    func status(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        return try await page("tfa_status", try await statusValues(account), request, lang, path: "/account/2fa")
    }

    private func statusValues(_ account: Account) async throws -> [String: Any] {
        var values: [String: Any] = ["account": account.address]
        if let binding = try await services.twoFactor.binding(accountID: account.id), let confirmedAt = binding.confirmedAt {
            values["bound"] = true
            values["enabled"] = binding.enabled
            values["bound_at"] = TaipeiTime.string(confirmedAt)
            values["codes_left"] = String(try await services.twoFactor.recoveryCodesLeft(accountID: account.id))
        }
        return values
    }

    /// 開始 (step 1): a new secret for this account, pending until a code from the device proves it. The password
    /// is asked again, so that a session left open on a shared computer cannot bind someone else's phone.
    func start(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        if let problem = try await passwordProblem(account, String((form.first("password") ?? "").prefix(128)), request, context) {
            return try await page(
                "tfa_status", ["account": account.address, "error": Strings.text(problem, lang)], request, lang,
                path: "/account/2fa", status: .unprocessableContent)
        }
        guard try await services.twoFactor.start(accountID: account.id) != nil else {
            return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
        }
        return Responses.redirect("/account/2fa/setup/prepare?lang=\(lang.rawValue)")
    }

    /// Steps 2–5. Each needs a binding in progress; step 5 shows its QR code and secret.
    func setupStep(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        guard let secret = try await services.twoFactor.pendingSecret(accountID: account.id) else {
            return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
        }
        let step = context.parameters.get("step") ?? ""
        let path = "/account/2fa/setup/\(step)"
        switch step {
        case "prepare":
            return try await page("tfa_prepare", [:], request, lang, path: path)
        case "apps":
            let apps = Self.authenticatorApps.map { app -> [String: String] in
                [
                    "name": app.name, "ios": app.ios, "android": app.android,
                    "ios_qr": QRCode(text: app.ios)?.svg(pixels: 132, title: "\(app.name) App Store") ?? "",
                    "android_qr": QRCode(text: app.android)?.svg(pixels: 132, title: "\(app.name) Google Play") ?? "",
                ]
            }
            return try await page("tfa_apps", ["apps": apps], request, lang, path: path)
        case "howto":
            return try await page("tfa_howto", [:], request, lang, path: path)
        case "bind":
            return try await bindPage(account: account, secret: secret, request, lang, error: nil)
        default:
            return services.pages.error("error_not_found", language: lang, status: .notFound, requestID: context.requestID)
        }
    }

    private func bindPage(account: Account, secret: Data, _ request: Request, _ lang: Language, error: String?,
        status: HTTPResponse.Status = .ok) async throws -> Response
    {
        let uri = TOTP.uri(secret: secret, account: account.address)
        let grouped = Base32.encode(secret).enumerated().map { $0.offset > 0 && $0.offset % 4 == 0 ? " \($0.element)" : "\($0.element)" }
            .joined()
        return try await page(
            "tfa_bind",
            [
                "qr_svg": QRCode(text: uri)?.svg(pixels: 240, title: Strings.text("tfa_qr_title", lang)) ?? "",
                "secret": grouped, "account": account.address, "issuer": TOTP.issuer, "error": error ?? "",
            ], request, lang, path: "/account/2fa/setup/bind", status: status)
    }

    /// 綁定 (step 5 → 6): the code proves the device holds the secret; the recovery codes are shown once.
    func bind(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        let confirmation = try await services.twoFactor.confirm(
            accountID: account.id, code: String((form.first("code") ?? "").prefix(32)))
        switch confirmation {
        case .bound(let codes):
            try await recordChange(account, .twoFactorBound, request, context)
            return try await page("tfa_done", ["codes": codes], request, lang, path: "/account/2fa")
        case .wrong, .throttled:
            guard let secret = try await services.twoFactor.pendingSecret(accountID: account.id) else {
                return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
            }
            let message = confirmation == .throttled ? "tfa_code_throttled" : "tfa_code_wrong"
            return try await bindPage(
                account: account, secret: secret, request, lang, error: Strings.text(message, lang),
                status: confirmation == .throttled ? .tooManyRequests : .unprocessableContent)
        case .nothingPending:
            return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
        }
    }

    /// 「啟用雙因子驗證」: from now on sign-in asks for a code. Every other session of the account ends, with the
    /// app grants made from it: one signed in with the password alone (perhaps by whoever made the student want a
    /// second factor) must not outlive the change. Binding already needed the password and a code from the
    /// device, so turning it on needs nothing more.
    func enable(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, session) = try await services.signedIn(request) else { return signInFirst(lang) }
        _ = try await services.verifiedForm(request)
        guard try await services.twoFactor.binding(accountID: account.id)?.isConfirmed == true else {
            return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
        }
        try await services.twoFactor.setEnabled(accountID: account.id, true)
        let signedOut = try await services.store.endOtherSessions(accountID: account.id, except: session.id, at: services.clock.now())
        await services.notifyAppsOfLogout(signedOut)
        try await recordChange(account, .twoFactorEnabled, request, context)
        return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
    }

    func unbindPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, session) = try await services.signedIn(request) else { return signInFirst(lang) }
        guard try await services.twoFactor.binding(accountID: account.id)?.isConfirmed == true else {
            return Responses.redirect("/account/2fa?lang=\(lang.rawValue)")
        }
        return try await page(
            "tfa_unbind", ["password_allowed": session.hasSecondFactor], request, lang, path: "/account/2fa/unbind")
    }

    /// 解除雙因子綁定: needs a current code (or a recovery code), so that neither a session left open on a shared
    /// computer nor someone who only has the password can remove the second factor. The password again is
    /// enough only in a session that was itself signed in with a code.
    func unbind(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, session) = try await services.signedIn(request) else { return signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        guard !services.failuresExhausted("unbind", context) else { return services.rateLimitedPage(lang, context) }
        let code = String((form.first("code") ?? "").prefix(32))
        let password = String((form.first("password") ?? "").prefix(128))
        // A code (or recovery code) goes through the code check, the password through the sign-in check: both
        // are throttled per account and recorded in the IP login records.
        var problem: String?
        if !code.isEmpty {
            let check = try await services.twoFactor.verify(
                account: account, code: code, ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "")
            if case .accepted = check {} else { problem = check == .throttled ? "tfa_code_throttled" : "tfa_unbind_wrong" }
        } else if session.hasSecondFactor {
            problem = try await passwordProblem(account, password, request, context).map { $0 == "tfa_password_wrong" ? "tfa_unbind_wrong" : $0 }
        } else {
            problem = "tfa_unbind_wrong"
        }
        if let problem {
            services.countFailure("unbind", context)
            return try await page(
                "tfa_unbind", ["error": Strings.text(problem, lang), "password_allowed": session.hasSecondFactor], request, lang,
                path: "/account/2fa/unbind", status: .unprocessableContent)
        }
        try await services.twoFactor.remove(accountID: account.id)
        try await recordChange(account, .twoFactorRemoved, request, context)
        return try await page("tfa_unbound", [:], request, lang, path: "/account/2fa")
    }
}
