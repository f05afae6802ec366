import Logging
import Federation
import Hummingbird
import Identity
import OIDC

/// RP-Initiated Logout 1.0 at `/oidc/v1/logout-to-go`, with the MOE aliases `/auth-logout` and
/// `/oidc/v1/userlogout` (whose apps send `Id_token_hint` and `post_logout_redirect_url`).
///
/// The session ends at once only when the `id_token_hint` was issued for this very browser session (its `sub`
/// and `sid` match). Otherwise — no hint, or a hint of another person or another session — any page could sign
/// the student out with a link, so the student is asked to confirm with a CSRF-protected form that posts to
/// `/logout/confirm`. Hints may be expired, as the spec allows, but must be signed by one of our keys and issued
/// to the app named by `client_id`.
struct LogoutController: Sendable {
    let services: Services
    static let confirmPath = "/logout/confirm"

    func addRoutes(to router: Router<AppContext>) {
        for path in [DiscoveryDocument.Path.logout, "/auth-logout", "/oidc/v1/userlogout"] {
            router.get(RouterPath(path)) { request, context in try await logout(request, context) }
            router.post(RouterPath(path)) { request, context in try await logout(request, context) }
        }
        router.post(RouterPath(Self.confirmPath)) { request, context in try await confirm(request, context) }
    }

    /// What the app asked for, after every check.
    private struct LogoutRequest {
        var redirectURI: String?
        var state: String?
        var appID: String?
        var hint: ClaimSet?
    }

    /// Reads a parameter under its standard name or the MOE variants.
    private func value(_ parameters: RequestParameters, _ names: [String]) throws(OAuthError) -> String? {
        for name in names {
            if let value = try parameters.single(name) { return value }
        }
        return nil
    }

    /// Validates the parameters; nil when they are malformed or name a redirect that is not registered exactly.
    private func read(_ parameters: RequestParameters) async throws -> LogoutRequest? {
        var logout = LogoutRequest()
        let hint: String?
        do {
            hint = try value(parameters, ["id_token_hint", "Id_token_hint"])
            logout.redirectURI = try value(parameters, ["post_logout_redirect_uri", "post_logout_redirect_url"])
            logout.state = try parameters.single("state")
            logout.appID = try parameters.single("client_id")
        } catch {
            return nil
        }
        if let hint {
            guard let claims = await services.tokens.verifyIDTokenHint(hint, clientID: logout.appID) else { return nil }
            logout.hint = claims
        }
        // The app is named by client_id or by the hint's audience; a redirect needs one, registered exactly.
        logout.appID = logout.appID ?? logout.hint?.audiences.first
        if let redirectURI = logout.redirectURI {
            guard let appID = logout.appID, let client = try await services.store.client(id: appID),
                client.postLogoutRedirectURIs.contains(redirectURI)
            else { return nil }
        }
        return logout
    }

    private func language(_ parameters: RequestParameters) -> Language {
        Language.pick(parameters.first("ui_locales").map(Scope.parse) ?? [])
    }

    func logout(_ request: Request, _ context: AppContext) async throws -> Response {
        let parameters = try await RequestReading.parameters(request, limit: services.config.maxBodyBytes)
        let language = language(parameters)
        guard let logout = try await read(parameters) else {
            return services.pages.error(
                "error_bad_request", language: language, status: .badRequest, code: "invalid_request", requestID: context.requestID)
        }
        guard let session = try await services.browser.session(request) else {
            return await finish(logout, language: language, ended: nil)
        }
        let hintMatchesSession =
            logout.hint?.string("sub") == session.accountID && logout.hint?.string("sid") == session.id
        if hintMatchesSession {
            try await services.store.deleteSession(id: session.id)
            await services.notifyAppsOfLogout(session: session)
            return await finish(logout, language: language, ended: session)
        }
        let (browserID, newCookie) = services.browser.browserID(request)
        var fields: [[String: String]] = []
        if let redirectURI = logout.redirectURI { fields.append(["name": "post_logout_redirect_uri", "value": redirectURI]) }
        if let state = logout.state { fields.append(["name": "state", "value": state]) }
        if let appID = logout.appID { fields.append(["name": "client_id", "value": appID]) }
        fields.append(["name": "ui_locales", "value": language.rawValue])
        var response = services.pages.render(
            "logout",
            [
                "confirm": true, "action": Self.confirmPath, "fields": fields,
                "csrf": services.browser.csrfToken(browserID: browserID),
            ], language: language, title: Strings.text("logout_confirm_title", language))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// The student confirmed on the page above (CSRF-checked like every form).
    func confirm(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await services.verifiedForm(request)
        let language = language(form)
        guard let logout = try await read(form) else {
            return services.pages.error(
                "error_bad_request", language: language, status: .badRequest, code: "invalid_request", requestID: context.requestID)
        }
        let session = try await services.browser.session(request)
        if let session {
            try await services.store.deleteSession(id: session.id)
            await services.notifyAppsOfLogout(session: session)
        }
        return await finish(logout, language: language, ended: session)
    }

    /// Back to the app, or the signed-out page; after a county sign-in that page also offers the county's own
    /// logout (RP-initiated, when its discovery names an `end_session_endpoint`).
    private func finish(_ logout: LogoutRequest, language: Language, ended session: BrowserSession?) async -> Response {
        var response: Response
        if let redirectURI = logout.redirectURI {
            response = Responses.redirect(URLEncoding.append(logout.state.map { [("state", $0)] } ?? [], to: redirectURI))
        } else {
            var values: [String: Any] = ["confirm": false]
            if let idp = session?.idp, let county = services.config.counties.first(where: { $0.issuer == idp }),
                let endpoint = try? await services.federation.metadata(for: county).endSessionEndpoint
            {
                values["county_logout_url"] = URLEncoding.append(
                    [("client_id", county.clientID), ("post_logout_redirect_uri", services.config.issuer + "/")], to: endpoint)
                values["county_logout_label"] = Strings.text("county_logout", language, ["county": county.name])
            }
            response = services.pages.render("logout", values, language: language, title: Strings.text("logout_title", language))
        }
        response.setCookie(services.browser.clearSessionCookie())
        return response
    }
}
