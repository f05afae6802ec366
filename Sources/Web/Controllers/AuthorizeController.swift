import Logging
import Hummingbird
import Identity
import OIDC

/// `GET|POST /oidc/v1/azp`: validates the request, then either answers at once (a live session that needs no
/// consent, or a `prompt=none` failure) or hands off to the interaction pages.
struct AuthorizeController: Sendable {
    let services: Services
    var flow: AuthorizationFlow { AuthorizationFlow(services: services) }

    func addRoutes(to router: Router<AppContext>) {
        router.get(RouterPath(DiscoveryDocument.Path.authorize)) { request, context in try await authorize(request, context) }
        router.post(RouterPath(DiscoveryDocument.Path.authorize)) { request, context in try await authorize(request, context) }
    }

    func authorize(_ request: Request, _ context: AppContext) async throws -> Response {
        let parameters = try await RequestReading.parameters(request, limit: services.config.maxBodyBytes)
        let language = Language.pick(parameters.first("ui_locales").map(Scope.parse) ?? [])
        let authorization: AuthorizationRequest
        do {
            authorization = try await services.requestValidator.validate(parameters)
        } catch {
            switch error {
            case .showToUser(let oauthError):
                let key =
                    oauthError.code == .invalidClient
                    ? "error_unknown_client" : oauthError.description.contains("redirect_uri") ? "error_bad_redirect" : "error_bad_request"
                return services.pages.error(
                    key, language: language, status: .badRequest, code: oauthError.code.rawValue,
                    requestID: context.requestID)
            case .redirect(let oauthError, let redirect):
                return flow.redirectError(oauthError, redirect, language: language)
            }
        }
        guard let client = try await services.store.client(id: authorization.clientID) else {
            return services.pages.error("error_unknown_client", language: language, status: .badRequest, requestID: context.requestID)
        }
        let userAgent = request.headers[.userAgent] ?? ""
        let session = flow.sessionSuffices(try await services.browser.session(request), for: authorization)
        let noPrompt = authorization.prompts.contains(.none)

        guard let session, let account = try await services.store.account(id: session.accountID), account.status == .active
        else {
            if noPrompt { return flow.redirectError(.init(.loginRequired, "The user must sign in."), for: authorization, language: language) }
            return try await handOff(authorization, authentication: nil, request: request)
        }
        let authentication = Authentication(session: session)
        let missing = try await flow.scopesNeedingConsent(authorization, client: client, accountID: account.id)
        if !missing.isEmpty {
            if noPrompt {
                return flow.redirectError(.init(.consentRequired, "The user must approve the requested scopes."), for: authorization, language: language)
            }
            return try await handOff(authorization, authentication: authentication, request: request)
        }
        return try await flow.complete(
            authorization, authentication: authentication, context: context, userAgent: userAgent, language: language)
    }

    private func handOff(_ authorization: AuthorizationRequest, authentication: Authentication?, request: Request) async throws
        -> Response
    {
        let (browserID, newCookie) = services.browser.browserID(request)
        let location = try await flow.startInteraction(authorization, authentication: authentication, browserID: browserID)
        var response = Responses.redirect(location)
        if let newCookie { response.setCookie(newCookie) }
        return response
    }
}
