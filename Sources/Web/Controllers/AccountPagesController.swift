import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC

/// The student's own pages: direct sign-in (`/login`) and 查閱個人資料 (`/profile`, manual 參).
struct AccountPagesController: Sendable {
    let services: Services
    static let profilePurposes: Set<VerificationCode.Purpose> = [.changeEmail, .changeMobile]

    func addRoutes(to router: Router<AppContext>) {
        router.get("/login") { request, context in try await loginPage(request, context) }
        router.post("/login") { request, context in try await login(request, context) }
        router.get("/profile") { request, context in try await profile(request, context) }
        router.get("/profile/edit") { request, context in try await editPage(request, context) }
        router.post("/profile/edit") { request, context in try await edit(request, context) }
        router.get("/profile/verify") { request, context in try await verifyPage(request, context) }
        router.post("/profile/verify") { request, context in try await verify(request, context) }
        router.get("/profile/updated") { request, _ in
            let lang = Language.of(request)
            return services.pages.render("profile_updated", [:], language: lang, title: Strings.text("profile_updated", lang))
        }
    }

    /// The signed-in, active account, if any.
    private func signedInAccount(_ request: Request) async throws -> Account? {
        try await services.signedIn(request)?.0
    }

    private func csrf(_ request: Request) -> (String, Cookie?) {
        let (browserID, newCookie) = services.browser.browserID(request)
        return (services.browser.csrfToken(browserID: browserID), newCookie)
    }

    // MARK: 修改備用電子郵件信箱/行動電話 (manual 參, steps 2–5)

    func editPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let account = try await signedInAccount(request) else { return services.signInFirst(lang) }
        return try await renderEdit(request, lang, ["email": account.email ?? "", "mobile": account.mobile ?? ""])
    }

    private func renderEdit(_ request: Request, _ lang: Language, _ values: [String: Any], status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        try await services.formPage(
            "profile_edit", values, request: request, language: lang, title: Strings.text("profile_edit", lang),
            switchURL: "/profile/edit?lang=\(lang.other.rawValue)", status: status)
    }

    func edit(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let account = try await signedInAccount(request) else { return services.signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        let email = String((form.first("email") ?? "").trimmingSpaces().prefix(254))
        let mobile = String((form.first("mobile") ?? "").trimmingSpaces().prefix(20))
        var values: [String: Any] = ["email": email, "mobile": mobile]
        func text(_ violation: AccountRules.Violation) -> String { lang == .zhTW ? violation.text.zh : violation.text.en }
        if let violation = AccountRules.checkEmail(email) { values["email_error"] = text(violation) }
        if let violation = AccountRules.checkMobile(mobile) {
            values["mobile_error"] = text(violation)
        } else if mobile != account.mobile,
            try await services.store.accountCount(mobile: mobile) >= AccountRules.accountsPerMobile
        {
            values["mobile_error"] = Strings.text("register_mobile_limit", lang)
        }
        if values["email_error"] != nil || values["mobile_error"] != nil {
            return try await renderEdit(request, lang, values, status: .unprocessableContent)
        }
        let changes: [(VerificationCode.Purpose, OutgoingMessage.Channel, String)] =
            (email != account.email ? [(.changeEmail, .email, email)] : [])
            + (mobile != account.mobile ? [(.changeMobile, .sms, mobile)] : [])
        guard !changes.isEmpty else {
            values["error"] = Strings.text("profile_no_change", lang)
            return try await renderEdit(request, lang, values)
        }
        guard services.rateLimiter.allow("notify:" + context.rateLimitKey, limit: services.config.loginRateLimitPerMinute, now: services.clock.now()) else {
            return services.pages.error("error_rate_limited", language: lang, status: .tooManyRequests, requestID: context.requestID)
        }
        // A change must be proven with a code sent to the new address or number.
        try await services.verificationCodes.clear(accountID: account.id)
        for (purpose, channel, target) in changes {
            let code = try await services.verificationCodes.issue(accountID: account.id, purpose: purpose, target: target)
            try await services.send(
                .verificationCode, to: [(channel, target)],
                values: ["code": code, "minutes": String(purpose.lifetime / 60)], validFor: purpose.lifetime)
        }
        return Responses.redirect("/profile/verify?lang=\(lang.rawValue)")
    }

    func verifyPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let account = try await signedInAccount(request) else { return services.signInFirst(lang) }
        return try await renderVerify(request, lang, account: account, error: nil)
    }

    private func renderVerify(
        _ request: Request, _ lang: Language, account: Account, error: String?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let pending = try await services.verificationCodes.pending(accountID: account.id, purposes: Self.profilePurposes)
        guard !pending.isEmpty else {
            return try await renderEdit(
                request, lang,
                ["email": account.email ?? "", "mobile": account.mobile ?? "", "error": Strings.text("profile_verify_none", lang)],
                status: error == nil ? .ok : .unprocessableContent)
        }
        let (token, newCookie) = csrf(request)
        let codes = pending.map { code -> [String: String] in
            let key = code.purpose == .changeEmail ? "profile_verify_email" : "profile_verify_mobile"
            return [
                "purpose": code.purpose.rawValue,
                "label": Strings.text(key, lang, ["target": code.target]),
            ]
        }
        var response = services.pages.render(
            "profile_verify",
            ["codes": codes, "csrf": token, "error": error ?? "", "switch_url": "/profile/verify?lang=\(lang.other.rawValue)"],
            language: lang, status: status, title: Strings.text("profile_verify_title", lang))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    func verify(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard var account = try await signedInAccount(request) else { return services.signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        guard !services.failuresExhausted("code", context) else { return services.rateLimitedPage(lang, context) }
        let pending = try await services.verificationCodes.pending(accountID: account.id, purposes: Self.profilePurposes)
        guard !pending.isEmpty else { return try await renderVerify(request, lang, account: account, error: nil) }
        // Each code proves its own change: a right code is spent and its change kept even when the other is wrong.
        var proven = false
        var allRight = true
        for code in pending {
            guard let target = try await services.verificationCodes.check(code, answer: form.first("code_\(code.purpose.rawValue)") ?? "")
            else {
                allRight = false
                continue
            }
            proven = true
            switch code.purpose {
            case .changeEmail:
                account.email = target
                account.emailVerified = true
            case .changeMobile:
                account.mobile = target
                account.mobileVerified = true
            case .resetPassword, .activateAccount:
                break
            }
        }
        if proven {
            account.updatedAt = services.clock.now()
            try await services.store.updateAccount(account)
        }
        guard allRight else {
            services.countFailure("code", context)
            return try await renderVerify(
                request, lang, account: account, error: Strings.text("profile_verify_wrong", lang), status: .unprocessableContent)
        }
        try await services.verificationCodes.clear(accountID: account.id)
        return Responses.redirect("/profile/updated?lang=\(lang.rawValue)")
    }

    private func target(_ language: Language) -> SignInForm.Target {
        SignInForm.Target(action: "/login?lang=\(language.rawValue)", switchURL: "/login?lang=\(language.other.rawValue)")
    }

    func loginPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        if try await services.browser.session(request) != nil {
            return Responses.redirect("/profile?lang=\(lang.rawValue)")
        }
        return try await SignInForm(services: services).render(target(lang), request: request, language: lang, username: nil)
    }

    func login(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        // A student who came directly lands on 查閱個人資料 (manual 貳.2 step 4).
        return try await SignInForm(services: services).submit(
            target(lang), request: request, context: context, language: lang, thenGoTo: "/profile?lang=\(lang.rawValue)")
    }

    func profile(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let account = try await signedInAccount(request) else { return services.signInFirst(lang) }
        let portal = try await PortalController.listedApps(services, accountID: account.id)
        let (browserID, newCookie) = services.browser.browserID(request)
        var values: [String: Any] = [
            "account": account.address, "name": account.name,
            "national_id": account.nationalID.map(NationalID.masked) ?? "",
            "email": account.email ?? "", "mobile": account.mobile ?? "", "portal": portal,
            "has_portal": !portal.isEmpty,
            "csrf": services.browser.csrfToken(browserID: browserID), "switch_url": "/profile?lang=\(lang.other.rawValue)",
        ]
        if let school = account.school {
            values["school"] = school.schoolName.isEmpty ? school.schoolID : school.schoolName
            values["class_title"] = school.classTitle
            values["seat_no"] = school.seatNo
        }
        var response = services.pages.render(
            "profile", values, language: lang, title: Strings.text("profile_title", lang))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }
}
