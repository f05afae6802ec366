import Logging
import Foundation
import Federation
import Hummingbird
import Identity
import OIDC

/// The decisions shared by the authorize endpoint and the interaction pages: whether the user must sign in or
/// consent, and how an authorization response (success or error) travels back to the app.
struct AuthorizationFlow: Sendable {
    let services: Services

    /// Whether the current session can satisfy `request` without signing in again.
    func sessionSuffices(_ session: BrowserSession?, for request: AuthorizationRequest) -> BrowserSession? {
        guard let session else { return nil }
        if request.requiresSecondFactor && !session.hasSecondFactor { return nil }
        if request.prompts.contains(.login) || request.prompts.contains(.selectAccount) { return nil }
        if let maxAge = request.maxAge, services.clock.now() - session.authTime > maxAge { return nil }
        if let hinted = request.idTokenHintSubject, hinted != session.accountID { return nil }
        return session
    }

    /// Scopes the user has not yet approved for this app; empty when no consent page is needed.
    func scopesNeedingConsent(_ request: AuthorizationRequest, client: Client, accountID: String) async throws -> [String] {
        if client.skipConsent { return [] }
        if request.prompts.contains(.consent) { return request.scopes }
        let granted = try await services.store.consentedScopes(accountID: accountID, clientID: client.id)
        return request.scopes.filter { !granted.contains($0) }
    }

    /// Issues the code, records the sign-in to the app, and sends the browser back.
    func complete(
        _ request: AuthorizationRequest, authentication: Authentication, context: AppContext, userAgent: String,
        language: Language
    ) async throws -> Response {
        let code = try await services.tokens.issueCode(for: request, authentication: authentication)
        await services.appSignIns.record(
            AppSignIn(
                accountID: authentication.subject, clientID: request.clientID, at: services.clock.now(),
                ip: context.clientIP, userAgent: String(userAgent.prefix(256)), method: signInMethod(authentication)))
        var pairs = [("code", code)]
        if let state = request.state { pairs.append(("state", state)) }
        pairs.append(("iss", services.config.issuer))
        return respond(pairs, to: request.redirectURI, mode: request.responseMode, language: language)
    }

    /// How the session was signed in, as the records name it: the county's, else a code's, else the password.
    func signInMethod(_ authentication: Authentication) -> String {
        if let idp = authentication.idp, let county = services.config.counties.first(where: { $0.issuer == idp }) {
            return LoginAttempt.Method.county(county.code)
        }
        return authentication.amr.contains(DiscoveryDocument.AMR.otp) ? LoginAttempt.Method.totp : LoginAttempt.Method.password
    }

    /// After sign-in within an interaction: ask for consent if needed (POST-redirect-GET to the consent page),
    /// otherwise finish.
    func proceed(_ interaction: Interaction, request: Request, context: AppContext, language: Language) async throws
        -> Response
    {
        guard let authentication = interaction.authentication,
            let client = try await services.store.client(id: interaction.request.clientID)
        else {
            return services.pages.error(
                "error_session_expired", language: language, status: .badRequest, requestID: context.requestID)
        }
        let missing = try await scopesNeedingConsent(interaction.request, client: client, accountID: authentication.subject)
        if missing.isEmpty {
            // Taken, not deleted: two requests finishing one interaction at once issue one code.
            guard try await services.store.takeInteraction(id: interaction.id) != nil else {
                return services.pages.error(
                    "error_session_expired", language: language, status: .badRequest, requestID: context.requestID)
            }
            return try await complete(
                interaction.request, authentication: authentication, context: context,
                userAgent: request.headers[.userAgent] ?? "", language: language)
        }
        try await services.store.saveInteraction(interaction)
        return Responses.redirect("/interaction/\(interaction.id)?lang=\(language.rawValue)")
    }

    /// A session was just made for `interaction` (password, code step or county): hands it to the app, or, when the
    /// app accepts only two-factor sign-ins and the session is one factor, says so with a way back to the app.
    /// Every sign-in path ends here.
    func signedIn(
        _ interaction: Interaction, session: BrowserSession, request: Request, context: AppContext, language: Language
    ) async throws -> Response {
        if interaction.request.requiresSecondFactor && !session.hasSecondFactor {
            let clientName = try await services.store.client(id: interaction.request.clientID)?.name ?? ""
            return try await services.formPage(
                "second_factor_required",
                ["cancel_action": "/interaction/\(interaction.id)/cancel?lang=\(language.rawValue)", "client_name": clientName],
                request: request, language: language, title: Strings.text("tfa_required_title", language),
                switchURL: "/interaction/\(interaction.id)?lang=\(language.other.rawValue)", status: .forbidden)
        }
        var updated = interaction
        updated.authentication = Authentication(session: session)
        return try await proceed(updated, request: request, context: context, language: language)
    }

    func redirectError(_ error: OAuthError, _ redirect: AuthorizationFailure.Redirect, language: Language) -> Response {
        var pairs = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state = redirect.state { pairs.append(("state", state)) }
        pairs.append(("iss", services.config.issuer))
        return respond(pairs, to: redirect.uri, mode: redirect.mode, language: language)
    }

    func redirectError(_ error: OAuthError, for request: AuthorizationRequest, language: Language) -> Response {
        redirectError(
            error, .init(uri: request.redirectURI, state: request.state, mode: request.responseMode), language: language)
    }

    private func respond(
        _ pairs: [(String, String)], to uri: String, mode: AuthorizationRequest.ResponseMode, language: Language
    ) -> Response {
        switch mode {
        case .query:
            return Responses.redirect(URLEncoding.append(pairs, to: uri))
        case .formPost:
            // OAuth 2.0 Form Post Response Mode: an auto-submitting form; the CSP allows posting to the app.
            return services.pages.render(
                "form_post", ["action": uri, "fields": pairs.map { ["name": $0.0, "value": $0.1] }], language: language)
        }
    }

    /// Parks the request in a new interaction bound to this browser and sends the browser to it.
    func startInteraction(
        _ request: AuthorizationRequest, authentication: Authentication?, browserID: String
    ) async throws -> String {
        let now = services.clock.now()
        let interaction = Interaction(
            id: Secrets.randomToken(), request: request, browserHash: BrowserCookies.hashBrowser(browserID),
            authentication: authentication, createdAt: now, expiresAt: now + services.config.interactionTTL)
        try await services.store.saveInteraction(interaction)
        return "/interaction/\(interaction.id)"
    }
}

extension BrowserSession {
    /// The session was made with a code from the student's authenticator as well as the password.
    var hasSecondFactor: Bool { amr.contains(DiscoveryDocument.AMR.otp) }
}

extension Authentication {
    /// What a browser session proves, handed to the protocol core.
    init(session: BrowserSession) {
        self.init(
            subject: session.accountID, authTime: session.authTime, amr: session.amr,
            acr: DiscoveryDocument.ACR.of(amr: session.amr), sessionID: session.id, idp: session.idp)
    }
}
