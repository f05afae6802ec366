import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC

/// 忘記密碼 (manual 陸: by code, by personal data, by default password) and 啟用帳號 (manual 柒: by code, by
/// personal data). One `Recovery` per attempt, stored server-side and bound to the browser; each step is a GET
/// page and a POST that redirects, and no step can be reached before the ones it depends on. The county-account
/// ways arrive with county federation; their choices say so.
struct PasswordRecoveryController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/account/forgot-password") { request, _ in try await choose(.resetPassword, request) }
        router.get("/account/activate") { request, _ in try await choose(.activateAccount, request) }
        router.post("/account/recover") { request, context in try await start(request, context) }
        router.get("/account/recover/:id/:step") { request, context in try await show(request, context) }
        router.post("/account/recover/:id/:step") { request, context in try await submit(request, context) }
    }

    private var recovery: AccountRecovery { services.accountRecovery }

    private func title(_ purpose: Recovery.Purpose, _ language: Language) -> String {
        Strings.text(purpose == .resetPassword ? "recover_title" : "activate_title", language)
    }

    private func url(_ recovery: Recovery, _ step: Recovery.Step, _ language: Language) -> String {
        "/account/recover/\(recovery.id)/\(step.rawValue)?lang=\(language.rawValue)"
    }

    // MARK: Choosing a way

    func choose(_ purpose: Recovery.Purpose, _ request: Request) async throws -> Response {
        let language = Language.of(request)
        let path = purpose == .resetPassword ? "/account/forgot-password" : "/account/activate"
        return try await services.formPage(
            "recover_choose",
            ["purpose": purpose.rawValue, "reset": purpose == .resetPassword, "intro_key": purpose.rawValue],
            request: request, language: language, title: title(purpose, language),
            switchURL: "\(path)?lang=\(language.other.rawValue)")
    }

    func start(_ request: Request, _ context: AppContext) async throws -> Response {
        let language = Language.of(request)
        let form = try await services.verifiedForm(request)
        guard let browser = services.browserHash(request) else { throw InvalidCSRFToken() }
        guard services.rateLimiter.allow("recover-start:" + context.rateLimitKey, limit: 30, now: services.clock.now()) else {
            return services.rateLimitedPage(language, context)
        }
        guard let purpose = form.first("purpose").flatMap(Recovery.Purpose.init(rawValue:)),
            let method = form.first("method").flatMap(Recovery.Method.init(rawValue:)),
            purpose == .resetPassword || method != .defaultPassword,
            // A county recovery is made proven by the county's callback, never started from this form.
            method != .county
        else { return Responses.redirect("/account/forgot-password?lang=\(language.rawValue)") }
        let recovery = Recovery(
            id: Secrets.randomToken(), browserHash: browser, purpose: purpose, method: method,
            expiresAt: services.clock.now() + AccountRecovery.flowLifetime)
        try await services.store.saveRecovery(recovery)
        return Responses.redirect(url(recovery, recovery.currentStep, language))
    }

    // MARK: Steps

    private func load(_ request: Request, _ context: AppContext) async throws -> (Recovery, Recovery.Step)? {
        guard let step = context.parameters.get("step").flatMap(Recovery.Step.init(rawValue:)),
            let recovery = try await services.browserBoundFlow(request, context, fetch: services.store.recovery(id:))
        else { return nil }
        return (recovery, step)
    }

    private func expired(_ request: Request, _ context: AppContext) -> Response {
        services.pages.error("recover_expired", language: Language.of(request), status: .badRequest, requestID: context.requestID)
    }

    func show(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let (recovery, step) = try await load(request, context) else { return expired(request, context) }
        let language = Language.of(request)
        guard recovery.canShow(step) else { return Responses.redirect(url(recovery, recovery.currentStep, language)) }
        return try await render(step, recovery, request: request, language: language)
    }

    private func render(
        _ step: Recovery.Step, _ recovery: Recovery, request: Request, language: Language, extra: [String: Any] = [:],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var values = extra
        values["action"] = url(recovery, step, language)
        values["reset"] = recovery.purpose == .resetPassword
        var captcha = false
        switch step {
        case .send, .defaultPassword, .personal:
            captcha = true
        case .code:
            values["contact_account"] = URLEncoding.component(recovery.typedUsername ?? "")
        case .school:
            values.merge(
                SchoolChoice(
                    county: recovery.county, district: recovery.district, level: recovery.level, schoolCode: recovery.schoolCode
                ).listValues(services.directory)
            ) { current, _ in current }
        case .reset:
            guard let accountID = recovery.accountID, let account = try await services.store.account(id: accountID) else {
                return Responses.redirect("/account/forgot-password?lang=\(language.rawValue)")
            }
            values["address"] = account.address
            values["name"] = account.name
            values["password_rule"] = text(recovery.purpose == .activateAccount ? .strongPasswordFormat : .passwordFormat, language)
            if let until = self.recovery.changeBlockedUntil(account) {
                values["blocked"] = Strings.text("recover_too_soon", language, ["time": TaipeiTime.string(until)])
            } else if recovery.purpose == .resetPassword && account.status == .disabled {
                values["disabled"] = true
            } else if recovery.purpose == .activateAccount && account.status == .active {
                values["already_active"] = true
            } else if recovery.purpose == .activateAccount && account.selfActivationBlocked {
                values["blocked"] = Strings.text("activate_blocked", language)
            }
        case .done:
            break
        }
        var response = try await services.formPage(
            "recover_\(step == .defaultPassword ? "default" : step.rawValue)", values, request: request, language: language,
            title: title(recovery.purpose, language),
            switchURL: "/account/recover/\(recovery.id)/\(step.rawValue)?lang=\(language.other.rawValue)", captcha: captcha,
            status: status)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func submit(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let (loaded, step) = try await load(request, context) else { return expired(request, context) }
        var recovery = loaded
        let language = Language.of(request)
        let form = try await services.verifiedForm(request)
        guard recovery.canShow(step) else { return Responses.redirect(url(recovery, recovery.currentStep, language)) }
        if form.first("refresh_captcha") != nil {
            return try await render(step, recovery, request: request, language: language, extra: kept(form))
        }
        switch step {
        case .send: return try await sendCode(&recovery, form, request, context, language)
        case .code: return try await checkCode(&recovery, form, request, context, language)
        case .school: return try await chooseSchool(&recovery, form, request, language)
        case .personal: return try await checkPersonalData(&recovery, form, request, context, language)
        case .defaultPassword: return try await checkDefaultPassword(&recovery, form, request, context, language)
        case .reset: return try await setPassword(&recovery, form, request, context, language)
        case .done: return Responses.redirect(url(recovery, .done, language))
        }
    }

    /// What the student typed that a re-rendered page shows again (never a password or code).
    private func kept(_ form: RequestParameters) -> [String: Any] {
        [
            "username": String((form.first("username") ?? "").trimmingSpaces().prefix(40)),
            "name": String((form.first("name") ?? "").trimmingSpaces().prefix(50)),
            "national_id": String((form.first("national_id") ?? "").trimmingSpaces().uppercased().prefix(10)),
        ]
    }

    private func captchaPassed(_ form: RequestParameters, _ recovery: Recovery) async throws -> Bool {
        try await services.captcha.verify(
            id: form.first("captcha_id") ?? "", answer: form.first("captcha") ?? "", browserHash: recovery.browserHash)
    }

    private func again(
        _ step: Recovery.Step, _ recovery: Recovery, _ request: Request, _ language: Language, _ form: RequestParameters,
        errorKey: String, status: HTTPResponse.Status, extra: [String: Any] = [:]
    ) async throws -> Response {
        var values = kept(form).merging(extra) { _, new in new }
        values["error"] = Strings.text(errorKey, language)
        if errorKey == "captcha_wrong" { values["captcha_error"] = true }
        return try await render(step, recovery, request: request, language: language, extra: values, status: status)
    }

    private func advance(_ recovery: inout Recovery, to step: Recovery.Step, _ language: Language) async throws -> Response {
        try await services.store.saveRecovery(recovery)
        return Responses.redirect(url(recovery, step, language))
    }

    private func record(_ kind: AccountEvent.Kind, _ accountID: String, _ request: Request, _ context: AppContext) async throws {
        try await services.store.recordEvent(
            AccountEvent(
                accountID: accountID, at: services.clock.now(), kind: kind, ip: context.clientIP,
                userAgent: request.headers[.userAgent] ?? ""))
    }

    // MARK: Way 1: a code to the backup e-mail and the mobile (陸.1, 柒.1)

    private func sendCode(
        _ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ context: AppContext, _ language: Language
    ) async throws -> Response {
        guard try await captchaPassed(form, recovery) else {
            return try await again(.send, recovery, request, language, form, errorKey: "captcha_wrong", status: .badRequest)
        }
        guard services.rateLimiter.allow("recover-send:" + context.rateLimitKey, limit: 30, now: services.clock.now()) else {
            return services.rateLimitedPage(language, context)
        }
        let username = Account.normalizeUsername(form.first("username") ?? "")
        guard !username.isEmpty, username.utf8.count <= 64 else {
            return try await again(.send, recovery, request, language, form, errorKey: "recover_account_required", status: .badRequest)
        }
        // The next page is the same whether or not the account exists, has a backup address, or has used up its
        // codes for the day: the page reveals nothing about the account. (A disabled account asking for a reset,
        // or an active one asking for activation, learns what to do only after proving it is theirs.)
        if let account = try await services.store.account(username: username),
            try await self.recovery.maySendCode(to: account, from: context.clientIP)
        {
            let purpose = recovery.purpose.codePurpose
            let code = try await services.verificationCodes.issue(
                accountID: account.id, purpose: purpose, target: "", scope: recovery.id)
            let recipients = AccountRecovery.codeRecipients(account).compactMap { recipient in
                OutgoingMessage.Channel(rawValue: recipient.channel).map { ($0, recipient.to) }
            }
            try await services.send(
                .recoveryCode, to: recipients,
                values: [
                    "code": code, "minutes": String(purpose.lifetime / 60), "account": account.address, "name": account.name,
                    "action_zh": Strings.text(recovery.purpose == .resetPassword ? "recover_action_reset" : "recover_action_activate", .zhTW),
                    "action_en": Strings.text(recovery.purpose == .resetPassword ? "recover_action_reset" : "recover_action_activate", .en),
                ], validFor: purpose.lifetime)
            try await record(.recoveryCodeSent, account.id, request, context)
            recovery.accountID = account.id
        } else {
            recovery.accountID = nil
        }
        recovery.typedUsername = username
        recovery.codeRequestedAt = services.clock.now()
        return try await advance(&recovery, to: .code, language)
    }

    private func checkCode(
        _ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ context: AppContext, _ language: Language
    ) async throws -> Response {
        guard !services.failuresExhausted("code", context) else { return services.rateLimitedPage(language, context) }
        let answer = String((form.first("code") ?? "").trimmingSpaces().prefix(12))
        let purpose = recovery.purpose.codePurpose
        // Only this recovery's own code counts; a failure is recorded only when a live code was really checked.
        if let accountID = recovery.accountID,
            let pending = try await services.verificationCodes.pending(accountID: accountID, purposes: [purpose])
                .first(where: { $0.id == VerificationCodes.id(accountID: accountID, purpose: purpose, scope: recovery.id) })
        {
            if try await services.verificationCodes.check(pending, answer: answer) != nil {
                recovery.provenAt = services.clock.now()
                try await record(.recoveryProven, accountID, request, context)
                return try await advance(&recovery, to: .reset, language)
            }
            try await record(.recoveryProofFailed, accountID, request, context)
        }
        services.countFailure("code", context)
        return try await again(.code, recovery, request, language, form, errorKey: "recover_code_wrong", status: .unprocessableContent)
    }

    // MARK: Way 3: personal data (陸.3, 柒.2)

    private func chooseSchool(_ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ language: Language)
        async throws -> Response
    {
        let choice = SchoolChoice(form: form, directory: services.directory)
        recovery.county = choice.county
        recovery.district = choice.district
        recovery.level = choice.level
        recovery.schoolCode = choice.schoolCode
        if form.first("next") != nil {
            guard recovery.school != nil else {
                try await services.store.saveRecovery(recovery)
                return try await render(
                    .school, recovery, request: request, language: language,
                    extra: ["error": Strings.text("register_choose_school_first", language)], status: .badRequest)
            }
            return try await advance(&recovery, to: .personal, language)
        }
        return try await advance(&recovery, to: .school, language)
    }

    private func checkPersonalData(
        _ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ context: AppContext, _ language: Language
    ) async throws -> Response {
        if form.first("back") != nil {
            return Responses.redirect(url(recovery, .school, language))
        }
        guard !services.failuresExhausted("registry-match", context) else { return services.rateLimitedPage(language, context) }
        guard try await captchaPassed(form, recovery) else {
            return try await again(.personal, recovery, request, language, form, errorKey: "captcha_wrong", status: .badRequest)
        }
        let nationalID = String((form.first("national_id") ?? "").trimmingSpaces().uppercased().prefix(10))
        // Failures per ID number are counted in the database (AccountRecovery.personalDataFailuresPerDay).
        guard let school = recovery.school else { return Responses.redirect(url(recovery, .school, language)) }
        switch try await self.recovery.matchPersonalData(
            name: form.first("name") ?? "", nationalID: nationalID, school: school, ip: context.clientIP,
            userAgent: request.headers[.userAgent] ?? "")
        {
        case .matched(let account):
            recovery.accountID = account.id
            recovery.provenAt = services.clock.now()
            try await record(.recoveryProven, account.id, request, context)
            return try await advance(&recovery, to: .reset, language)
        case .noMatch:
            services.countFailure("registry-match", context)
            return try await again(
                .personal, recovery, request, language, form, errorKey: "recover_no_match", status: .unprocessableContent,
                extra: ["no_match": true])
        case .exhausted:
            return try await again(
                .personal, recovery, request, language, form, errorKey: "recover_personal_exhausted", status: .tooManyRequests,
                extra: ["no_match": true])
        }
    }

    // MARK: Way 4: the default password (陸.4)

    private func checkDefaultPassword(
        _ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ context: AppContext, _ language: Language
    ) async throws -> Response {
        guard !services.failuresExhausted("default-password", context) else { return services.rateLimitedPage(language, context) }
        guard try await captchaPassed(form, recovery) else {
            return try await again(.defaultPassword, recovery, request, language, form, errorKey: "captcha_wrong", status: .badRequest)
        }
        let username = Account.normalizeUsername(form.first("username") ?? "")
        let typed = String((form.first("default_password") ?? "").prefix(64))
        guard username.utf8.count <= 64,
            services.rateLimiter.allow("recover-default:" + username, limit: 5, now: services.clock.now())
        else { return services.rateLimitedPage(language, context) }
        let account = try await services.store.account(username: username)
        guard let account, try await self.recovery.useDefaultPassword(account: account, typed: typed) else {
            services.countFailure("default-password", context)
            if let account { try await record(.recoveryProofFailed, account.id, request, context) }
            return try await again(
                .defaultPassword, recovery, request, language, form, errorKey: "recover_default_wrong", status: .unprocessableContent)
        }
        recovery.accountID = account.id
        recovery.provenAt = services.clock.now()
        try await record(.recoveryProven, account.id, request, context)
        return try await advance(&recovery, to: .reset, language)
    }

    // MARK: The new password (all ways)

    private func setPassword(
        _ recovery: inout Recovery, _ form: RequestParameters, _ request: Request, _ context: AppContext, _ language: Language
    ) async throws -> Response {
        // The recovery is taken out of the store while the password is set: a second tab posting at the same
        // moment finds nothing and cannot set a second password. The taken copy is the truth from here on.
        guard let taken = try await services.store.takeRecovery(id: recovery.id), let accountID = taken.accountID,
            taken.provenAt != nil, taken.completedAt == nil
        else { return expired(request, context) }
        recovery = taken
        let outcome: Result<RecoveredPassword, AccountRecovery.ResetProblem>
        do {
            outcome = try await self.recovery.setPassword(
                accountID: accountID, purpose: recovery.purpose, password: form.first("password") ?? "",
                confirmation: form.first("confirmation") ?? "", ip: context.clientIP, userAgent: request.headers[.userAgent] ?? "")
        } catch {
            try? await services.store.saveRecovery(taken)
            throw error
        }
        if case .failure = outcome { try await services.store.saveRecovery(taken) }
        switch outcome {
        case .success(let recovered):
            recovery.completedAt = services.clock.now()
            let account = recovered.account
            // The password is set: whatever fails from here on, the owner and the apps must still be told.
            await services.notifyAppsOfLogout(recovered.signedOutApps)
            if let errorType = recovered.eventNotRecorded {
                context.logger.error("password change not recorded in the account's events", metadata: ["error_type": "\(errorType)"])
            }
            if let email = account.email {
                do {
                    try await services.send(
                        .passwordChanged, to: [(.email, email)],
                        values: [
                            "name": account.name, "account": account.address, "time": TaipeiTime.string(services.clock.now()),
                            "method_zh": Strings.text("recover_method_\(recovery.method.rawValue)", .zhTW),
                            "method_en": Strings.text("recover_method_\(recovery.method.rawValue)", .en),
                            "action_zh": recovery.purpose == .resetPassword ? "重設密碼" : "啟用帳號並設定新密碼",
                            "action_en": recovery.purpose == .resetPassword ? "reset" : "set when the account was activated",
                        ], validFor: 86400)
                } catch {
                    context.logger.error("password change notice not queued", metadata: ["error_type": "\(type(of: error))"])
                }
            }
            return try await advance(&recovery, to: .done, language)
        case .failure(.rule(let violation)):
            let field = violation == .passwordMismatch ? "confirmation_error" : "password_error"
            return try await render(
                .reset, recovery, request: request, language: language, extra: [field: text(violation, language)],
                status: .unprocessableContent)
        case .failure(.anotherActiveAccount):
            return try await render(
                .reset, recovery, request: request, language: language,
                extra: ["blocked": Strings.text("activate_another_active", language)], status: .conflict)
        case .failure(.tooSoon), .failure(.wrongStatus), .failure(.changedMeanwhile), .failure(.selfActivationBlocked):
            // The page explains it (24-hour rule, disabled, already active or operator-locked account).
            return try await render(.reset, recovery, request: request, language: language, status: .conflict)
        case .failure(.accountGone):
            return expired(request, context)
        }
    }

    private func text(_ violation: AccountRules.Violation, _ language: Language) -> String {
        language == .zhTW ? violation.text.zh : violation.text.en
    }
}
