import Foundation
import Hummingbird
import Identity
import Logging
import OIDC

/// 申請帳號 (manual 壹.2, steps 1–9). The application is a `Registration` state machine stored server-side and
/// bound to the browser; every step is a GET page and a POST that redirects (POST-redirect-GET), and 回上一頁
/// keeps what was chosen.
struct RegistrationController: Sendable {
    let services: Services
    static let lifetime: Int64 = 3600
    /// The version of the 個資蒐集告知聲明 text (`register_consent_text`); change it whenever the text changes, so
    /// every account records which text its owner agreed to.
    static let consentTextVersion = "2026-11-25"

    func addRoutes(to router: Router<AppContext>) {
        router.get("/register") { request, _ in try await start(request) }
        router.post("/register") { request, context in try await create(request, context) }
        router.get("/register/:id/:step") { request, context in try await show(request, context) }
        router.post("/register/:id/:step") { request, context in try await submit(request, context) }
    }

    private func url(_ registration: Registration, _ step: Registration.Step, _ language: Language) -> String {
        "/register/\(registration.id)/\(step.rawValue)?lang=\(language.rawValue)"
    }

    /// Renders a step page with the fields every page needs.
    private func page(
        _ template: String, _ values: [String: Any], registration: Registration?, step: Registration.Step?,
        request: Request, language: Language, status: HTTPResponse.Status = .ok
    ) -> Response {
        let (browserID, newCookie) = services.browser.browserID(request)
        var context = values
        context["csrf"] = services.browser.csrfToken(browserID: browserID)
        if let registration, let step {
            context["action"] = url(registration, step, language)
            context["switch_url"] = "/register/\(registration.id)/\(step.rawValue)?lang=\(language.other.rawValue)"
        } else {
            context["switch_url"] = "/register?lang=\(language.other.rawValue)"
        }
        var response = services.pages.render(
            template, context, language: language, status: status, title: Strings.text("register_title", language))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    // MARK: Step 1–2: 身份別

    func start(_ request: Request) async throws -> Response {
        page("register_identity", [:], registration: nil, step: nil, request: request, language: Language.of(request))
    }

    func create(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        let form = try await services.verifiedForm(request)
        guard let browser = services.browserHash(request) else { throw InvalidCSRFToken() }
        guard form.first("identity") == "student" else {
            return page("register_identity", [:], registration: nil, step: nil, request: request, language: lang, status: .badRequest)
        }
        var registration = Registration(
            id: Secrets.randomToken(), browserHash: browser, expiresAt: services.clock.now() + Self.lifetime)
        registration.step = .school
        registration.complete(.identity)
        try await services.store.saveRegistration(registration)
        return Responses.redirect(url(registration, .school, lang))
    }

    // MARK: Loading

    private func load(_ request: Request, _ context: AppContext) async throws -> (Registration, Registration.Step)? {
        guard let step = context.parameters.get("step").flatMap(Registration.Step.init(rawValue:)),
            let registration = try await services.browserBoundFlow(request, context, fetch: services.store.registration(id:))
        else { return nil }
        return (registration, step)
    }

    private func expired(_ request: Request, _ context: AppContext) -> Response {
        services.pages.error("register_expired", language: Language.of(request), status: .badRequest, requestID: context.requestID)
    }

    func show(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let (registration, step) = try await load(request, context) else { return expired(request, context) }
        let lang = Language.of(request)
        guard registration.canShow(step) else { return Responses.redirect(url(registration, registration.step, lang)) }
        return try await render(step, registration, request: request, language: lang)
    }

    private func render(
        _ step: Registration.Step, _ registration: Registration, request: Request, language lang: Language,
        extra: [String: Any] = [:], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var values = extra
        let school = registration.school.flatMap(services.directory.school)
        values["school_name"] = school.map { "\($0.county) \($0.district) \($0.name)" } ?? ""
        switch step {
        case .identity:
            return page("register_identity", values, registration: nil, step: nil, request: request, language: lang)
        case .school:
            values.merge(schoolLists(registration)) { current, _ in current }
            return page("register_school", values, registration: registration, step: step, request: request, language: lang, status: status)
        case .method:
            return page("register_method", values, registration: registration, step: step, request: request, language: lang, status: status)
        case .personal:
            let (browserID, _) = services.browser.browserID(request)
            values["captcha_id"] = try await services.captcha.issue(browserHash: BrowserCookies.hashBrowser(browserID))
            if values["name"] == nil { values["name"] = registration.name ?? "" }
            return page("register_personal", values, registration: registration, step: step, request: request, language: lang, status: status)
        case .confirm:
            guard let record = registration.record else { break }
            values["name"] = record.name
            values["national_id"] = NationalID.masked(record.nationalID)
            values["class_title"] = record.classTitle
            values["seat_no"] = String(record.seatNo)
            return page("register_confirm", values, registration: registration, step: step, request: request, language: lang)
        case .consent:
            return page("register_consent", values, registration: registration, step: step, request: request, language: lang)
        case .account:
            if values["username"] == nil { values["username"] = registration.username ?? "" }
            if values["email"] == nil { values["email"] = registration.email ?? "" }
            if values["mobile"] == nil { values["mobile"] = registration.mobile ?? "" }
            if let suggestion = registration.countySuggestion {
                values["suggestion"] = suggestion
            } else {
                values["suggestion"] = try await services.accountApplication.suggestUsername()
            }
            values["password_rule"] = lang == .zhTW ? AccountRules.Violation.passwordFormat.text.zh : AccountRules.Violation.passwordFormat.text.en
            return page("register_account", values, registration: registration, step: step, request: request, language: lang, status: status)
        case .summary:
            guard let record = registration.record, let username = registration.username else { break }
            values["address"] = "\(username)@\(Account.mailDomain)"
            values["name"] = record.name
            values["class_title"] = record.classTitle
            values["email"] = registration.email ?? ""
            values["mobile"] = registration.mobile ?? ""
            return page("register_summary", values, registration: registration, step: step, request: request, language: lang, status: status)
        case .done:
            values["address"] = registration.username.map { "\($0)@\(Account.mailDomain)" } ?? ""
            return page("register_done", values, registration: registration, step: step, request: request, language: lang)
        }
        return Responses.redirect(url(registration, registration.step, lang))
    }

    private func schoolLists(_ registration: Registration) -> [String: Any] {
        SchoolChoice(
            county: registration.county, district: registration.district, level: registration.level,
            schoolCode: registration.schoolCode
        ).listValues(services.directory)
    }

    // MARK: Submissions

    func submit(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let (loaded, step) = try await load(request, context) else { return expired(request, context) }
        var registration = loaded
        let lang = Language.of(request)
        let form = try await services.verifiedForm(request)
        guard registration.canShow(step), registration.step != .done else {
            return Responses.redirect(url(registration, registration.step, lang))
        }
        if form.first("back") != nil {
            var atStep = registration
            atStep.step = step
            registration.step = atStep.previous
            try await services.store.saveRegistration(registration)
            if registration.step == .identity { return Responses.redirect("/register?lang=\(lang.rawValue)") }
            return Responses.redirect(url(registration, registration.step, lang))
        }
        switch step {
        case .school: return try await submitSchool(&registration, form, request, lang)
        case .method: return try await submitMethod(&registration, form, request, lang)
        case .personal: return try await submitPersonal(&registration, form, request, context, lang)
        case .confirm:
            registration.complete(.confirm)
            return try await advance(&registration, to: .consent, lang)
        case .consent:
            // 不同意 returns to the previous step, and no account can be made without consent.
            guard form.first("decision") == "agree" else {
                registration.reopen(after: .confirm)
                return try await advance(&registration, to: .confirm, lang)
            }
            registration.consent = PersonalDataConsent(textVersion: Self.consentTextVersion, at: services.clock.now())
            registration.complete(.consent)
            return try await advance(&registration, to: .account, lang)
        case .account: return try await submitAccount(&registration, form, request, lang)
        case .summary: return try await submitSummary(&registration, form, request, lang)
        case .identity, .done: return Responses.redirect(url(registration, registration.step, lang))
        }
    }

    private func advance(_ registration: inout Registration, to step: Registration.Step, _ lang: Language) async throws -> Response {
        registration.step = step
        try await services.store.saveRegistration(registration)
        return Responses.redirect(url(registration, step, lang))
    }

    private func submitSchool(_ registration: inout Registration, _ form: RequestParameters, _ request: Request, _ lang: Language)
        async throws -> Response
    {
        let choice = SchoolChoice(form: form, directory: services.directory)
        let earlierSchool = registration.school
        registration.county = choice.county
        registration.district = choice.district
        registration.level = choice.level
        registration.schoolCode = choice.schoolCode
        // Any change of school, even a staged one without 下一步, voids the registry match made for the old one.
        if registration.school != earlierSchool {
            registration.record = nil
            registration.reopen(after: .school)
        }
        if form.first("next") != nil {
            guard registration.school != nil else {
                try await services.store.saveRegistration(registration)
                return try await render(
                    .school, registration, request: request, language: lang,
                    extra: ["error": Strings.text("register_choose_school_first", lang)], status: .badRequest)
            }
            let changed = registration.school != earlierSchool
            if changed { registration.record = nil }
            registration.complete(.school, changedLaterSteps: changed)
            return try await advance(&registration, to: .method, lang)
        }
        try await services.store.saveRegistration(registration)
        return Responses.redirect(url(registration, .school, lang))
    }

    private func submitMethod(_ registration: inout Registration, _ form: RequestParameters, _ request: Request, _ lang: Language)
        async throws -> Response
    {
        if form.first("method") == "personal" {
            registration.countySuggestion = nil
            registration.complete(.method)
            return try await advance(&registration, to: .personal, lang)
        }
        // 4-1: the county account; the county's answer comes back to CountySignInController, which fills in
        // steps 4–5 and continues at step 5.
        try await services.store.saveRegistration(registration)
        return Responses.redirect("/login/county?purpose=register&registration=\(registration.id)&lang=\(lang.rawValue)")
    }

    private func submitPersonal(
        _ registration: inout Registration, _ form: RequestParameters, _ request: Request, _ context: AppContext,
        _ lang: Language
    ) async throws -> Response {
        guard !services.failuresExhausted("registry-match", context) else { return services.rateLimitedPage(lang, context) }
        let name = String((form.first("name") ?? "").trimmingSpaces().prefix(50))
        let nationalID = String((form.first("national_id") ?? "").trimmingSpaces().uppercased().prefix(10))
        let kept: [String: Any] = ["name": name, "national_id": nationalID]
        if form.first("refresh_captcha") != nil {
            return try await render(.personal, registration, request: request, language: lang, extra: kept)
        }
        guard try await services.captcha.verify(
            id: form.first("captcha_id") ?? "", answer: form.first("captcha") ?? "", browserHash: registration.browserHash)
        else {
            // Not counted against the address (see SignInForm): only registry mismatches are guesses.
            return try await render(
                .personal, registration, request: request, language: lang,
                extra: kept.merging(["error": Strings.text("captcha_wrong", lang), "captcha_error": true]) { a, _ in a },
                status: .badRequest)
        }
        guard let school = registration.school else { return Responses.redirect(url(registration, .school, lang)) }
        switch try await services.accountApplication.match(name: name, nationalID: nationalID, school: school) {
        case .success(let record):
            let changed = registration.record != record
            registration.name = record.name
            registration.nationalID = record.nationalID
            registration.record = record
            registration.complete(.personal, changedLaterSteps: changed)
            return try await advance(&registration, to: .confirm, lang)
        case .failure(let problem):
            services.countFailure("registry-match", context)
            let key = problem == .alreadyHasAccount ? "register_already" : "register_no_match"
            return try await render(
                .personal, registration, request: request, language: lang,
                extra: kept.merging(["error": Strings.text(key, lang), "no_match": problem == .noRegistryMatch]) { a, _ in a },
                status: .unprocessableContent)
        }
    }

    private func submitAccount(_ registration: inout Registration, _ form: RequestParameters, _ request: Request, _ lang: Language)
        async throws -> Response
    {
        let username = String((form.first("username") ?? "").trimmingSpaces().prefix(40))
        let password = form.first("password") ?? ""
        let confirmation = form.first("confirmation") ?? ""
        let email = String((form.first("email") ?? "").trimmingSpaces().prefix(254))
        let mobile = String((form.first("mobile") ?? "").trimmingSpaces().prefix(20))
        let problems = try await services.accountApplication.check(
            username: username, password: password, confirmation: confirmation, email: email, mobile: mobile)
        guard problems.isEmpty else {
            // Every rule failure is shown next to its field; what was typed is kept, except the passwords.
            var values: [String: Any] = ["username": username, "email": email, "mobile": mobile]
            for (field, problem) in problems { values["\(field)_error"] = message(problem, lang) }
            return try await render(.account, registration, request: request, language: lang, extra: values, status: .unprocessableContent)
        }
        registration.username = username
        registration.email = email
        registration.mobile = mobile
        registration.passwordHash = try await services.passwordHasher.hash(password)
        registration.complete(.account)
        return try await advance(&registration, to: .summary, lang)
    }

    private func submitSummary(_ registration: inout Registration, _ form: RequestParameters, _ request: Request, _ lang: Language)
        async throws -> Response
    {
        if form.first("edit") != nil { return try await advance(&registration, to: .account, lang) }
        registration.complete(.summary)
        switch try await services.accountApplication.create(registration) {
        case .success:
            // The account holds them now; the application keeps nothing personal until it is purged.
            registration.passwordHash = nil
            registration.nationalID = nil
            registration.record = nil
            return try await advance(&registration, to: .done, lang)
        case .failure(let problem):
            return try await render(
                .summary, registration, request: request, language: lang, extra: ["error": message(problem, lang)],
                status: .conflict)
        }
    }

    private func message(_ problem: AccountApplication.Problem, _ lang: Language) -> String {
        switch problem {
        case .rule(let violation): lang == .zhTW ? violation.text.zh : violation.text.en
        case .usernameTaken: Strings.text("register_username_taken", lang)
        case .mobileLimit: Strings.text("register_mobile_limit", lang)
        case .alreadyHasAccount: Strings.text("register_already", lang)
        case .noRegistryMatch: Strings.text("register_no_match", lang)
        }
    }
}
