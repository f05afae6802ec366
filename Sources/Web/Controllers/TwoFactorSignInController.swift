import Foundation
import Hummingbird
import Identity
import OIDC

/// The code step of a two-factor sign-in (`/login/2fa/{id}`): after the right password, a code from the
/// authenticator app (or a recovery code) is what creates the session, with `amr` ["pwd","otp"] and `acr` "2".
struct TwoFactorSignInController: Sendable {
    let services: Services
    var flow: AuthorizationFlow { AuthorizationFlow(services: services) }

    func addRoutes(to router: Router<AppContext>) {
        router.get("/login/2fa/:id") { request, context in try await show(request, context) }
        router.post("/login/2fa/:id") { request, context in try await submit(request, context) }
    }

    private func load(_ request: Request, _ context: AppContext) async throws -> SignInChallenge? {
        try await services.browserBoundFlow(request, context) { try await services.store.challenge(id: $0) }
    }

    private func expired(_ lang: Language, _ context: AppContext) -> Response {
        services.pages.error("tfa_challenge_expired", language: lang, status: .badRequest, requestID: context.requestID)
    }

    private func render(
        _ challenge: SignInChallenge, request: Request, language: Language, error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        try await services.formPage(
            "login_2fa",
            ["action": "/login/2fa/\(challenge.id)?lang=\(language.rawValue)", "error": error ?? ""],
            request: request, language: language, title: Strings.text("tfa_code_title", language),
            switchURL: "/login/2fa/\(challenge.id)?lang=\(language.other.rawValue)", status: status)
    }

    func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let challenge = try await load(request, context) else { return expired(lang, context) }
        return try await render(challenge, request: request, language: lang)
    }

    func submit(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let challenge = try await load(request, context) else { return expired(lang, context) }
        let form = try await services.verifiedForm(request)
        guard !services.failuresExhausted("code", context) else { return services.rateLimitedPage(lang, context) }
        // A password changed since this sign-in's password step voids it.
        guard let account = try await services.store.account(id: challenge.accountID), account.status == .active,
            Secrets.constantTimeEquals(
                SignInChallenge.fingerprint(ofPasswordHash: account.passwordHash), challenge.passwordFingerprint)
        else { return expired(lang, context) }
        let userAgent = request.headers[.userAgent] ?? ""
        switch try await services.twoFactor.verify(
            account: account, code: String((form.first("code") ?? "").prefix(32)), ip: context.clientIP, userAgent: userAgent)
        {
        case .accepted:
            break
        case .wrong:
            services.countFailure("code", context)
            return try await render(
                challenge, request: request, language: lang, error: Strings.text("tfa_code_wrong", lang), status: .unauthorized)
        case .replayed:
            services.countFailure("code", context)
            return try await render(
                challenge, request: request, language: lang, error: Strings.text("tfa_code_replayed", lang), status: .unauthorized)
        case .throttled:
            services.countFailure("code", context)
            return try await render(
                challenge, request: request, language: lang, error: Strings.text("tfa_code_throttled", lang),
                status: .tooManyRequests)
        case .notBound:
            _ = try await services.store.takeChallenge(id: challenge.id)
            return expired(lang, context)
        }
        // One challenge makes one session, even if two right codes arrive at once.
        guard try await services.store.takeChallenge(id: challenge.id) != nil else { return expired(lang, context) }
        let (session, cookie) = try await services.browser.startSession(
            accountID: account.id, amr: (challenge.firstFactor ?? [DiscoveryDocument.AMR.password]) + [DiscoveryDocument.AMR.otp],
            ip: context.clientIP, userAgent: userAgent, idp: challenge.idp)
        var response: Response
        if let interactionID = challenge.interactionID, let interaction = try await services.store.interaction(id: interactionID),
            interaction.expiresAt > services.clock.now()
        {
            response = try await flow.signedIn(interaction, session: session, request: request, context: context, language: lang)
        } else if challenge.interactionID != nil {
            response = services.pages.error(
                "error_session_expired", language: lang, status: .badRequest, requestID: context.requestID)
        } else {
            response = Responses.redirect(challenge.destination ?? "/profile?lang=\(lang.rawValue)")
        }
        response.setCookie(cookie)
        return response
    }
}
