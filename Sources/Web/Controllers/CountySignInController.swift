import Federation
import Foundation
import Hummingbird
import Identity
import Logging
import OIDC
import Storage

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
        let interaction = RequestReading.query(request).first("interaction")
        let purpose = Self.purpose(request)
        let counties = services.config.counties.map { county -> [String: String] in
            let query = (interaction.map { [("interaction", $0)] } ?? []) + [("purpose", purpose.rawValue), ("lang", lang.rawValue)]
            return [
                "name": county.name, "code": county.code, "icon": county.icon ?? "",
                "url": URLEncoding.append(query, to: "/login/county/go/\(county.code)"),
            ]
        }
        return try await services.formPage(
            "county_choose", ["counties": counties, "back_url": interaction.map { "/interaction/\($0)?lang=\(lang.rawValue)" } ?? "/login?lang=\(lang.rawValue)"],
            request: request, language: lang, title: Strings.text("county_sign_in", lang),
            switchURL: "/login/county?purpose=\(purpose.rawValue)&lang=\(lang.other.rawValue)")
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
        let (browserID, newCookie) = services.browser.browserID(request)
        let interaction = RequestReading.query(request).first("interaction").flatMap { $0.utf8.count <= 64 ? $0 : nil }
        let state = FederationState(
            id: Secrets.randomToken(), browserHash: BrowserCookies.hashBrowser(browserID), countyCode: county.code,
            nonce: Secrets.randomToken(), codeVerifier: Secrets.randomToken(bytes: 32), purpose: Self.purpose(request),
            interactionID: interaction, expiresAt: services.clock.now() + Self.stateLifetime)
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
        let lang = Language.of(request)
        let query = RequestReading.query(request)
        guard let stateID = query.first("state"), stateID.utf8.count <= 64,
            let state = try await services.store.takeFederationState(id: stateID),
            state.expiresAt > services.clock.now(), let browser = services.browserHash(request),
            Secrets.constantTimeEquals(browser, state.browserHash),
            let county = services.config.counties.first(where: { $0.code == state.countyCode })
        else { return failure("county_state_invalid", lang, context, status: .badRequest) }
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
            case .invalidToken: return failure("county_invalid", lang, context, status: .badGateway)
            case .denied: return failure("county_denied", lang, context, status: .unauthorized)
            }
        }
        let method = LoginAttempt.Method.county(county.code)
        var linked: [Account] = []
        if let nationalID = claims.string("personid") {
            linked = try await services.store.accounts(nationalID: nationalID.uppercased())
        }
        switch state.purpose {
        case .signIn:
            break
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
            // No edu-cloud account for this registry record yet: 申請帳號 (manual 壹 step 4-1).
            return try await services.formPage(
                "county_no_account", ["county": county.name], request: request, language: lang,
                title: Strings.text("county_sign_in", lang), switchURL: "/login?lang=\(lang.other.rawValue)")
        }
        try await services.store.recordAttempt(
            LoginAttempt(
                username: account.username, accountID: account.id, at: services.clock.now(), ip: context.clientIP, method: method,
                outcome: .success, userAgent: String(userAgent.prefix(256))))
        let (session, cookie) = try await services.browser.startSession(
            accountID: account.id, amr: [DiscoveryDocument.AMR.federated], ip: context.clientIP, userAgent: userAgent,
            idp: county.issuer)
        var response: Response
        if let interactionID = state.interactionID, var interaction = try await services.store.interaction(id: interactionID),
            interaction.expiresAt > services.clock.now(), Secrets.constantTimeEquals(interaction.browserHash, state.browserHash)
        {
            if interaction.request.requiresSecondFactor {
                // A county sign-in is one factor; an app that asks for two gets the reason.
                response = flow.redirectError(
                    .init(.unmetAuthenticationRequirements, "The app requires two-factor sign-in."), for: interaction.request,
                    language: lang)
                _ = try await services.store.takeInteraction(id: interactionID)
            } else {
                interaction.authentication = Authentication(session: session)
                response = try await flow.proceed(interaction, request: request, context: context, language: lang)
            }
        } else {
            // Step 7: 「您的教育雲端帳號是 …」, then 我知道了 → 查閱個人資料.
            response = Responses.redirect("/login/county/linked?lang=\(lang.rawValue)")
        }
        response.setCookie(cookie)
        return response
    }

    func linked(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return services.signInFirst(lang) }
        return services.pages.render(
            "county_linked", ["account": account.address], language: lang, title: Strings.text("county_sign_in", lang))
    }
}
