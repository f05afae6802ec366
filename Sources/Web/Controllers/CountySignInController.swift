import Federation
import Foundation
import Hummingbird
import Identity
import Logging
import OIDC

/// 使用縣市帳號登入 (manual 貳.3–4): the county icons, the hand-off to the county's OpenID provider (code flow
/// with PKCE, state and nonce), and the callback that verifies the county's answer and links it to the
/// edu-cloud account with the same registry record (national ID).
struct CountySignInController: Sendable {
    let services: Services
    var flow: AuthorizationFlow { AuthorizationFlow(services: services) }
    /// How long the student has at the county.
    static let stateLifetime: Int64 = 600

    func addRoutes(to router: Router<AppContext>) {
        router.get("/login/county") { request, context in try await choose(request, context) }
        router.get("/login/county/callback") { request, context in try await callback(request, context) }
        router.get("/login/county/go/:code") { request, context in try await start(request, context) }
        router.get("/login/county/linked") { request, context in try await linked(request, context) }
    }

    private var redirectURI: String { services.config.issuer + "/login/county/callback" }

    /// Step 3–4: the counties' icons.
    func choose(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        let query = RequestReading.query(request)
        let interaction = query.first("interaction").flatMap(Self.token)
        let registration = query.first("registration").flatMap(Self.token)
        let purpose = Self.purpose(request)
        /// What the student is doing travels on every link of this page.
        func carried(_ language: Language) -> [(String, String)] {
            (interaction.map { [("interaction", $0)] } ?? []) + (registration.map { [("registration", $0)] } ?? [])
                + [("purpose", purpose.rawValue), ("lang", language.rawValue)]
        }
        let counties = services.config.counties.map { county -> [String: String] in
            var entry = [
                "name": county.name, "code": county.code, "mark": String(county.name.prefix(1)),
                "url": URLEncoding.append(carried(lang), to: "/login/county/go/\(county.code)"),
            ]
            // Absent, not empty: Mustache treats an empty string as true inside a list.
            if let icon = county.icon { entry["icon"] = icon }
            return entry
        }
        let back = interaction.map { "/interaction/\($0)?lang=\(lang.rawValue)" } ?? "/login?lang=\(lang.rawValue)"
        return try await services.formPage(
            "county_choose", ["counties": counties, "back_url": back], request: request, language: lang,
            title: Strings.text("county_sign_in", lang), switchURL: URLEncoding.append(carried(lang.other), to: "/login/county"))
    }

    /// An interaction or application id as EduSSO makes them (base64url, at most 64 characters), or nil.
    static func token(_ value: String) -> String? {
        value.utf8.count <= 64 && !value.isEmpty && value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            ? value : nil
    }

    /// What the student came to do: sign in (the default), find the account, or reset the password.
    static func purpose(_ request: Request) -> FederationState.Purpose {
        RequestReading.query(request).first("purpose").flatMap(FederationState.Purpose.init(rawValue:)) ?? .signIn
    }

    private func failure(_ key: String, _ lang: Language, _ context: AppContext, status: HTTPResponse.Status) -> Response {
        services.pages.error(key, language: lang, status: status, requestID: context.requestID)
    }

    /// Step 4-2: sends the browser to the chosen county.
    func start(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let code = context.parameters.get("code"), let county = services.config.counties.first(where: { $0.code == code })
        else { return failure("error_not_found", lang, context, status: .notFound) }
        // Each start stores a state (purged when it expires); starts count against the address's page budget
        // (`rate_limit_per_minute`) like every page, which a whole school signing in at once stays within.
        let (browserID, newCookie) = services.browser.browserID(request)
        let interaction = RequestReading.query(request).first("interaction").flatMap(Self.token)
        let registration = RequestReading.query(request).first("registration").flatMap(Self.token)
        let state = FederationState(
            id: Secrets.randomToken(), browserHash: BrowserCookies.hashBrowser(browserID), countyCode: county.code,
            nonce: Secrets.randomToken(), codeVerifier: Secrets.randomToken(bytes: 32), purpose: Self.purpose(request),
            interactionID: interaction, registrationID: registration, language: lang.rawValue,
            expiresAt: services.clock.now() + Self.stateLifetime)
        let url: String
        do {
            url = try await services.federation.authorizationURL(
                for: county, redirectURI: redirectURI, state: state.id, nonce: state.nonce, codeVerifier: state.codeVerifier)
        } catch {
            context.logger.warning("county unavailable", metadata: ["county": "\(county.code)", "reason": "\(error)"])
            var response = failure("county_unavailable", lang, context, status: .badGateway)
            if let newCookie { response.setCookie(newCookie) }
            return response
        }
        try await services.store.saveFederationState(state)
        var response = Responses.redirect(url)
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// The county's answer: the state (this browser's, once), the code exchanged, the ID token verified, the
    /// account linked by national ID.
    func callback(_ request: Request, _ context: AppContext) async throws -> Response {
        let query = RequestReading.query(request)
        var lang = Language.of(request)
        guard !services.failuresExhausted("county", context) else { return services.rateLimitedPage(lang, context) }
        guard let stateID = query.first("state"), stateID.utf8.count <= 64,
            let state = try await services.store.takeFederationState(id: stateID),
            state.expiresAt > services.clock.now(), let browser = services.browserHash(request),
            Secrets.constantTimeEquals(browser, state.browserHash),
            let county = services.config.counties.first(where: { $0.code == state.countyCode })
        else {
            services.countFailure("county", context)
            return failure("county_state_invalid", lang, context, status: .badRequest)
        }
        lang = Language.pick([state.language ?? ""])
        if query.first("error") != nil { return failure("county_denied", lang, context, status: .unauthorized) }
        // RFC 9207: a county that says who it is must be the county this sign-in went to.
        if let iss = query.first("iss"), iss != county.issuer {
            return failure("county_invalid", lang, context, status: .badGateway)
        }
        guard let code = query.first("code") else { return failure("county_invalid", lang, context, status: .badGateway) }
        let userAgent = request.headers[.userAgent] ?? ""
        let claims: ClaimSet
        do {
            claims = try await services.federation.finish(
                county, code: code, redirectURI: redirectURI, codeVerifier: state.codeVerifier, nonce: state.nonce)
        } catch {
            context.logger.warning("county sign-in failed", metadata: ["county": "\(county.code)", "reason": "\(error)"])
            switch error {
            case .unavailable: return failure("county_unavailable", lang, context, status: .badGateway)
            case .invalidToken:
                // The county's fault, not the student's: not counted against the school's address.
                return failure("county_invalid", lang, context, status: .badGateway)
            case .denied: return failure("county_denied", lang, context, status: .unauthorized)
            }
        }
        let method = LoginAttempt.Method.county(county.code)
        if claims.string("personid") == nil {
            // Nothing can be linked: the county's registration must release the national ID (exchangedata).
            context.logger.warning("county released no national ID", metadata: ["county": "\(county.code)"])
        }
        let linked = try await linkedAccounts(claims, county: county)
        switch state.purpose {
        case .signIn:
            break
        case .register:
            guard let id = state.registrationID, let registration = try await services.store.registration(id: id),
                registration.expiresAt > services.clock.now(),
                Secrets.constantTimeEquals(registration.browserHash, state.browserHash)
            else { return failure("error_session_expired", lang, context, status: .badRequest) }
            switch try await fill(registration, county: county, claims: claims, language: lang) {
            case .continues(let url): return Responses.redirect(url)
            case .refused(let page): return page
            }
        case .forgotAccount:
            // Manual 伍.1: the county vouched for the student; the linked accounts are shown, nothing else happens.
            for account in linked {
                try await services.store.recordEvent(
                    AccountEvent(
                        accountID: account.id, at: services.clock.now(), kind: .accountLookedUp, ip: context.clientIP,
                        userAgent: userAgent))
            }
            return RecoveryController.resultPage(services, accounts: linked, language: lang)
        case .forgotPassword:
            // Manual 陸.2: a proven recovery that goes straight to the new password (the 24-hour rule applies there).
            guard let account = linked.first(where: { $0.status == .active }) else {
                return RecoveryController.resultPage(services, accounts: linked, language: lang)
            }
            var recovery = Recovery(
                id: Secrets.randomToken(), browserHash: state.browserHash, purpose: .resetPassword, method: .county,
                expiresAt: services.clock.now() + AccountRecovery.flowLifetime)
            recovery.accountID = account.id
            recovery.provenAt = services.clock.now()
            try await services.store.saveRecovery(recovery)
            try await services.store.recordEvent(
                AccountEvent(
                    accountID: account.id, at: services.clock.now(), kind: .recoveryProven, ip: context.clientIP,
                    userAgent: userAgent))
            return Responses.redirect("/account/recover/\(recovery.id)/reset?lang=\(lang.rawValue)")
        }
        guard let account = linked.first(where: { $0.status == .active }) else {
            // No edu-cloud account for this registry record yet: 申請帳號 (manual 壹 step 4-1), with an application
            // already at step 5 when the registry knows the student at one of this county's schools.
            let application = try await applicationFromCounty(
                claims, county: county, browserHash: state.browserHash, language: lang)
            return try await services.formPage(
                "county_no_account", ["county": county.name, "register_url": application ?? "/register?lang=\(lang.rawValue)"],
                request: request, language: lang, title: Strings.text("county_sign_in", lang),
                switchURL: "/login?lang=\(lang.other.rawValue)")
        }
        try await services.loginRecords.recordAttempt(
            LoginAttempt(
                username: account.username, accountID: account.id, at: services.clock.now(), ip: context.clientIP, method: method,
                outcome: .success, userAgent: String(userAgent.prefix(256))))
        // The authorization this sign-in is for, if any: gone or foreign, the sign-in stops here rather than
        // land on the account pages while the app waits.
        var interaction: Interaction?
        if let interactionID = state.interactionID {
            guard let waiting = try await services.store.interaction(id: interactionID),
                waiting.expiresAt > services.clock.now(), Secrets.constantTimeEquals(waiting.browserHash, state.browserHash)
            else { return failure("error_session_expired", lang, context, status: .badRequest) }
            interaction = waiting
        }
        // The account's own second factor applies to a county sign-in as to a password one.
        let linkedPage = "/login/county/linked?lang=\(lang.rawValue)"
        switch try await services.afterFirstFactor(
            account, amr: [DiscoveryDocument.AMR.federated], idp: county.issuer, interactionID: interaction?.id,
            destination: interaction == nil ? linkedPage : nil,
            requireSecondFactor: interaction?.request.requiresSecondFactor ?? false, browserHash: state.browserHash,
            context: context, userAgent: userAgent, language: lang)
        {
        case .codeStep(let redirect):
            return redirect
        case .session(let session, let cookie):
            // Step 7 without an app: 「您的教育雲端帳號是 …」, then 我知道了 → 查閱個人資料.
            var response = Responses.redirect(linkedPage)
            if let interaction {
                response = try await flow.signedIn(interaction, session: session, request: request, context: context, language: lang)
            }
            response.setCookie(cookie)
            return response
        }
    }

    /// The edu-cloud accounts of the student the county vouched for: same national ID (a valid one), and a school
    /// in that county, so that one county cannot reach another county's students.
    private func linkedAccounts(_ claims: ClaimSet, county: CountyProvider) async throws -> [Account] {
        guard let nationalID = claims.string("personid")?.uppercased(), NationalID.isValid(nationalID) else { return [] }
        return try await services.store.accounts(nationalID: nationalID).filter { account in
            account.school.map { services.directory.isSchool($0.schoolID, in: county.name) } ?? false
        }
    }

    /// A new account application for a student the county vouched for, who has no account yet: the school of
    /// the newest registry record at one of this county's schools, the county's answer filled in (steps 1–4), the
    /// application at step 5. Returns where it continues, or nil when the registry has nothing to start from.
    private func applicationFromCounty(
        _ claims: ClaimSet, county: CountyProvider, browserHash: String, language lang: Language
    ) async throws -> String? {
        guard let nationalID = claims.string("personid")?.uppercased(), NationalID.isValid(nationalID),
            let record = try await services.store.registryRecords(nationalID: nationalID)
                .first(where: { services.directory.isSchool($0.school.code, in: county.name) }),
            let school = services.directory.school(record.school)
        else { return nil }
        var registration = Registration(
            id: Secrets.randomToken(), browserHash: browserHash,
            expiresAt: services.clock.now() + RegistrationController.lifetime)
        registration.county = school.county
        registration.district = school.district
        registration.level = school.level
        registration.schoolCode = school.code
        registration.complete(.identity)
        registration.complete(.school)
        guard case .continues(let url) = try await fill(registration, county: county, claims: claims, language: lang) else {
            return nil
        }
        return url
    }

    enum Filled {
        /// The application continues at step 5 here.
        case continues(String)
        /// The page that says why the county's answer cannot be used for this application.
        case refused(Response)
    }

    /// 申請帳號 step 4-1: the county's national ID stands in for the personal-data step; the application continues
    /// at step 5 (confirm the registry data) with `<county account>.<county code>` suggested at step 7.
    private func fill(_ registration: Registration, county: CountyProvider, claims: ClaimSet, language lang: Language)
        async throws -> Filled
    {
        var registration = registration
        guard let school = registration.school else {
            return .continues("/register/\(registration.id)/school?lang=\(lang.rawValue)")
        }
        let back = "/register/\(registration.id)/method?lang=\(lang.rawValue)"
        func refused(_ key: String) -> Filled {
            .refused(
                services.pages.render(
                    "county_register_problem", ["message": Strings.text(key, lang), "back_url": back], language: lang,
                    title: Strings.text("register_title", lang)))
        }
        guard let nationalID = claims.string("personid") else { return refused("county_no_registry_match") }
        switch try await services.accountApplication.match(countyNationalID: nationalID, school: school) {
        case .success(let record) where services.directory.isSchool(record.school.code, in: county.name):
            let changed = registration.record != record
            registration.name = record.name
            registration.nationalID = record.nationalID
            registration.record = record
            registration.countySuggestion = nil
            if let countyAccount = claims.string("preferred_username")?.lowercased()
                .filter({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }),
                !countyAccount.isEmpty
            {
                registration.countySuggestion = "\(countyAccount).\(county.code)"
            }
            registration.complete(.method)
            registration.complete(.personal, changedLaterSteps: changed)
            registration.step = .confirm
            try await services.store.saveRegistration(registration)
            return .continues("/register/\(registration.id)/confirm?lang=\(lang.rawValue)")
        case .success:
            // The record's school is in another county than the one that vouched for the student.
            return refused("county_no_registry_match")
        case .failure(let problem):
            return refused(problem == .alreadyHasAccount ? "register_already" : "county_no_registry_match")
        }
    }

    func linked(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return services.signInFirst(lang) }
        return services.pages.render(
            "county_linked", ["account": account.address], language: lang, title: Strings.text("county_sign_in", lang))
    }
}
