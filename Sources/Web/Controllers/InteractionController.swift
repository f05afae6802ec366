import Logging
import Foundation
import Hummingbird
import Identity
import OIDC

/// The sign-in and consent pages of an authorization in progress (`/interaction/{id}`). The protocol core
/// never sees these pages: they end by handing a finished `Authentication` back to `AuthorizationFlow`.
struct InteractionController: Sendable {
    let services: Services
    var flow: AuthorizationFlow { AuthorizationFlow(services: services) }

    func addRoutes(to router: Router<AppContext>) {
        router.get("/interaction/:id") { request, context in try await show(request, context) }
        router.post("/interaction/:id/login") { request, context in try await login(request, context) }
        router.post("/interaction/:id/consent") { request, context in try await consent(request, context) }
        router.post("/interaction/:id/cancel") { request, context in try await cancel(request, context) }
    }

    private func language(_ request: Request, _ interaction: Interaction?) -> Language {
        if let chosen = RequestReading.query(request).first("lang") { return Language.pick([chosen]) }
        return Language.pick(interaction?.request.uiLocales ?? [])
    }

    /// The interaction, if it exists, has not expired, and belongs to this browser.
    private func load(_ request: Request, _ context: AppContext) async throws -> Interaction? {
        guard let id = context.parameters.get("id"), id.utf8.count <= 64,
            let interaction = try await services.store.interaction(id: id),
            interaction.expiresAt > services.clock.now(),
            let browserID = request.cookies[services.browser.browserCookieName]?.value,
            Secrets.constantTimeEquals(BrowserCookies.hashBrowser(browserID), interaction.browserHash)
        else { return nil }
        return interaction
    }

    private func expired(_ request: Request, _ context: AppContext) -> Response {
        services.pages.error(
            "error_session_expired", language: language(request, nil), status: .badRequest, requestID: context.requestID)
    }

    func show(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let interaction = try await load(request, context) else { return expired(request, context) }
        let lang = language(request, interaction)
        if let authentication = interaction.authentication {
            // Back from the code step of a two-factor sign-in, an interaction may need no consent at all.
            guard let client = try await services.store.client(id: interaction.request.clientID),
                try await !flow.scopesNeedingConsent(interaction.request, client: client, accountID: authentication.subject).isEmpty
            else { return try await flow.proceed(interaction, request: request, context: context, language: lang) }
            return try await consentPage(interaction, authentication: authentication, request: request, context: context, language: lang)
        }
        return try await SignInForm(services: services).render(
            try await loginTarget(interaction, lang), request: request, language: lang, username: interaction.request.loginHint)
    }

    private func loginTarget(_ interaction: Interaction, _ language: Language) async throws -> SignInForm.Target {
        SignInForm.Target(
            action: "/interaction/\(interaction.id)/login?lang=\(language.rawValue)",
            switchURL: "/interaction/\(interaction.id)?lang=\(language.other.rawValue)",
            clientName: try await services.store.client(id: interaction.request.clientID)?.name,
            interactionID: interaction.id, requireSecondFactor: interaction.request.requiresSecondFactor)
    }

    private func consentPage(
        _ interaction: Interaction, authentication: Authentication, request: Request, context: AppContext,
        language: Language
    ) async throws -> Response {
        guard let client = try await services.store.client(id: interaction.request.clientID),
            let account = try await services.store.account(id: authentication.subject)
        else { return expired(request, context) }
        let (browserID, _) = services.browser.browserID(request)
        let intro = Strings.text("consent_intro", language, ["app": client.name])
        // Only what the student has not approved for this app before is asked for.
        let asked = try await flow.scopesNeedingConsent(interaction.request, client: client, accountID: account.id)
        return services.pages.render(
            "consent",
            [
                "action": "/interaction/\(interaction.id)/consent?lang=\(language.rawValue)",
                "csrf": services.browser.csrfToken(browserID: browserID), "intro": intro,
                "scopes": (asked.isEmpty ? interaction.request.scopes : asked).map { Self.consentText($0, client, language) },
                "account": account.address,
                "switch_url": "/interaction/\(interaction.id)?lang=\(language.other.rawValue)",
            ], language: language, title: Strings.text("consent_title", language))
    }

    /// What the consent page says a scope releases. An app registered for the MOE's unkeyed guid is told
    /// plainly that it identifies the student's ID number.
    static func consentText(_ scope: String, _ client: Client, _ language: Language) -> String {
        scope == "guid" && client.guidFormat == .moeSHA256
            ? Strings.text("scope_guid_moe", language) : Strings.text("scope_\(scope)", language)
    }

    func login(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let interaction = try await load(request, context) else { return expired(request, context) }
        let lang = language(request, interaction)
        let target = try await loginTarget(interaction, lang)
        switch try await SignInForm(services: services).submit(target, request: request, context: context, language: lang) {
        case .page(let response):
            return response
        case .signedIn(_, let session, let cookie):
            var response = try await flow.signedIn(interaction, session: session, request: request, context: context, language: lang)
            response.setCookie(cookie)
            return response
        }
    }

    /// 返回應用服務 from the page that says the app needs two-factor sign-in: the app learns why.
    func cancel(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let interaction = try await load(request, context) else { return expired(request, context) }
        _ = try await services.verifiedForm(request)
        guard try await services.store.takeInteraction(id: interaction.id) != nil else { return expired(request, context) }
        return flow.redirectError(
            .init(.unmetAuthenticationRequirements, "The app requires two-factor sign-in, which this account has not set up."),
            for: interaction.request, language: language(request, interaction))
    }

    func consent(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let loaded = try await load(request, context) else { return expired(request, context) }
        let lang = language(request, loaded)
        let form = try await services.verifiedForm(request)
        // Taken, not deleted: of two submissions at once, one finishes the interaction (one code).
        guard let interaction = try await services.store.takeInteraction(id: loaded.id),
            let authentication = interaction.authentication
        else { return expired(request, context) }
        guard form.first("decision") == "approve" else {
            return flow.redirectError(.init(.accessDenied, "The user denied the request."), for: interaction.request, language: lang)
        }
        // Remember the union of earlier and new approvals, so only new scopes are asked for next time.
        let earlier = try await services.store.consentedScopes(
            accountID: authentication.subject, clientID: interaction.request.clientID)
        try await services.store.saveConsent(
            accountID: authentication.subject, clientID: interaction.request.clientID,
            scopes: earlier.union(interaction.request.scopes), at: services.clock.now())
        return try await flow.complete(
            interaction.request, authentication: authentication, context: context,
            userAgent: request.headers[.userAgent] ?? "", language: lang)
    }
}
