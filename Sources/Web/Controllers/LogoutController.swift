import Storage
import Logging
import Hummingbird
import Identity
import OIDC

/// RP-Initiated Logout 1.0 at `/oidc/v1/logout-to-go`, with the MOE aliases `/auth-logout` and
/// `/oidc/v1/userlogout` (whose apps send `Id_token_hint` and `post_logout_redirect_url`).
///
/// With a valid `id_token_hint` the session ends at once. Without one, a stranger's page could sign the student
/// out, so the student is asked to confirm with a CSRF-protected form.
struct LogoutController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        for path in [DiscoveryDocument.Path.logout, "/auth-logout", "/oidc/v1/userlogout"] {
            router.get(RouterPath(path)) { request, context in try await logout(request, context, confirmed: false) }
            router.post(RouterPath(path)) { request, context in try await logout(request, context, confirmed: true) }
        }
    }

    /// Reads a parameter under its standard name or the MOE variants.
    private func value(_ parameters: RequestParameters, _ names: [String]) throws(OAuthError) -> String? {
        for name in names {
            if let value = try parameters.single(name) { return value }
        }
        return nil
    }

    func logout(_ request: Request, _ context: AppContext, confirmed posted: Bool) async throws -> Response {
        let parameters = try await RequestReading.parameters(request, limit: services.config.maxBodyBytes)
        let language = Language.pick(parameters.first("ui_locales").map(Scope.parse) ?? [])
        func fail(_ key: String) -> Response {
            services.pages.error(key, language: language, status: .badRequest, code: "invalid_request", requestID: context.requestID)
        }
        let hint: String?
        let redirectURI: String?
        let state: String?
        let clientID: String?
        do {
            hint = try value(parameters, ["id_token_hint", "Id_token_hint"])
            redirectURI = try value(parameters, ["post_logout_redirect_uri", "post_logout_redirect_url"])
            state = try parameters.single("state")
            clientID = try parameters.single("client_id")
        } catch {
            return fail("error_bad_request")
        }
        var hintClaims: ClaimSet?
        if let hint {
            guard let claims = await services.tokens.verifyIDTokenHint(hint, clientID: clientID) else {
                return fail("error_bad_request")
            }
            hintClaims = claims
        }
        // The app is named by the hint's audience or by client_id; a redirect needs one, registered exactly.
        let appID = clientID ?? hintClaims?.audiences.first
        if let redirectURI {
            guard let appID, let client = try await services.store.client(id: appID),
                client.postLogoutRedirectURIs.contains(redirectURI)
            else { return fail("error_bad_redirect") }
        }
        let session = try await services.browser.session(request)
        let csrfOK = posted && services.browser.checkCSRF(parameters, request: request)
        let confirmed = hintClaims != nil || csrfOK || session == nil
        guard confirmed else {
            let (browserID, newCookie) = services.browser.browserID(request)
            var fields: [[String: String]] = []
            if let redirectURI { fields.append(["name": "post_logout_redirect_uri", "value": redirectURI]) }
            if let state { fields.append(["name": "state", "value": state]) }
            if let appID { fields.append(["name": "client_id", "value": appID]) }
            var response = services.pages.render(
                "logout",
                [
                    "confirm": true, "action": DiscoveryDocument.Path.logout, "fields": fields,
                    "csrf": services.browser.csrfToken(browserID: browserID),
                ], language: language, title: Strings.text("logout_confirm_title", language))
            if let newCookie { response.setCookie(newCookie) }
            return response
        }
        if let session { try await services.store.deleteSession(id: session.id) }
        var response: Response
        if let redirectURI {
            response = Responses.redirect(URLEncoding.append(state.map { [("state", $0)] } ?? [], to: redirectURI))
        } else {
            response = services.pages.render(
                "logout", ["confirm": false], language: language, title: Strings.text("logout_title", language))
        }
        response.setCookie(services.browser.clearSessionCookie())
        return response
    }
}
