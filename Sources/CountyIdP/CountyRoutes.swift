import Foundation
import Hummingbird
import Identity
import OIDC
import Storage
import Web

/// The county's endpoints: discovery, JWKS, authorize, token, userinfo and logout at the MOE-style paths, the
/// student login screens, and the test switches.
struct CountyRoutes: Sendable {
    let server: CountyServer
    static let bodyLimit = 64 * 1024

    func add(to router: Router<BasicRequestContext>) {
        router.get("/.well-known/openid-configuration") { _, _ in
            var document = DiscoveryDocument.build(issuer: server.issuer, uiLocales: ["zh-TW"])
            document["scopes_supported"] = ["openid", "profile", "eduinfo", .string(Scope.exchangeData)]
            return Responses.json(document)
        }
        router.get(RouterPath(DiscoveryDocument.Path.jwks)) { _, _ in
            Responses.bytes(server.keys.jwksJSON, contentType: "application/jwk-set+json")
        }
        router.get(RouterPath(DiscoveryDocument.Path.authorize)) { request, _ in try await authorize(request) }
        router.post(RouterPath(DiscoveryDocument.Path.authorize)) { request, _ in try await authorize(request) }
        router.get("/login/:id") { request, context in try await loginPage(request, context) }
        router.post("/login/:id") { request, context in try await login(request, context) }
        router.post(RouterPath(DiscoveryDocument.Path.token)) { request, _ in await token(request) }
        router.get(RouterPath(DiscoveryDocument.Path.userinfo)) { request, _ in await userinfo(request) }
        router.post(RouterPath(DiscoveryDocument.Path.userinfo)) { request, _ in await userinfo(request) }
        router.get(RouterPath(DiscoveryDocument.Path.logout)) { request, _ in try await logout(request) }
        router.post("/_test/fault") { request, _ in try await fault(request) }
        router.post("/_test/rotate-keys") { _, _ in
            try await server.keys.rotate(immediately: true, retireOldNow: true)
            return Responses.json(["rotated": true])
        }
    }

    // MARK: OIDC endpoints

    func authorize(_ request: Request) async throws -> Response {
        let parameters = try await RequestReading.parameters(request, limit: Self.bodyLimit)
        do {
            let authorization = try await server.validator.validate(parameters)
            let id = await server.pending.park(authorization)
            return Responses.redirect("/login/\(id)")
        } catch {
            switch error {
            case .showToUser(let oauthError):
                return server.pages.render("county_error", ["message": oauthError.description], county: server.county, status: .badRequest)
            case .redirect(let oauthError, let redirect):
                var pairs = [("error", oauthError.code.rawValue), ("error_description", oauthError.description)]
                if let state = redirect.state { pairs.append(("state", state)) }
                pairs.append(("iss", server.issuer))
                return Responses.redirect(URLEncoding.append(pairs, to: redirect.uri))
            }
        }
    }

    func token(_ request: Request) async -> Response {
        do {
            let form = try await RequestReading.protocolForm(request, limit: Self.bodyLimit)
            let client = try await server.clients.authenticate(form, authorization: request.headers[.authorization])
            var response = try await server.tokens.exchange(form, client: client)
            if await server.faults.mode == .garbage {
                return Responses.html("<html><body>502 Bad Gateway</body></html>")
            }
            if let idToken = response.idToken { response.idToken = try await server.spoil(idToken) }
            return Responses.json(response, noStore: true)
        } catch let error as OAuthError {
            return Responses.tokenError(error, basicChallenge: request.headers[.authorization] != nil)
        } catch {
            return Responses.tokenError(.init(.serverError, "The request could not be completed."), basicChallenge: false)
        }
    }

    func userinfo(_ request: Request) async -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return Responses.bearerError(.invalidRequest("A bearer token is required."))
        }
        do {
            let claims = try await server.tokens.verifyAccessToken(String(header.dropFirst(7)))
            guard let client = try await server.store.client(id: claims.clientID),
                let released = try await CountyClaims(accounts: server.store).claims(for: claims.sub, scopes: claims.scopes, client: client)
            else { return Responses.bearerError(.init(.invalidToken, "The account cannot sign in.")) }
            return Responses.json(released, noStore: true)
        } catch let error as OAuthError {
            return Responses.bearerError(error)
        } catch {
            return Responses.bearerError(.init(.invalidToken, "The token is not valid."))
        }
    }

    /// RP-initiated logout: the mock keeps no sessions, so it only sends the browser back to a registered address.
    func logout(_ request: Request) async throws -> Response {
        let query = RequestReading.query(request)
        if let target = query.first("post_logout_redirect_uri"),
            try await server.store.allClients().contains(where: { $0.postLogoutRedirectURIs.contains(target) })
        {
            return Responses.redirect(URLEncoding.append(query.first("state").map { [("state", $0)] } ?? [], to: target))
        }
        return server.pages.render("county_error", ["message": "您已登出縣市帳號。"], county: server.county)
    }

    func fault(_ request: Request) async throws -> Response {
        let form = try await RequestReading.protocolForm(request, limit: Self.bodyLimit)
        guard let mode = Faults.Mode(rawValue: form.first("mode") ?? "none") else {
            return Responses.json(["error": "unknown mode"], status: .badRequest)
        }
        await server.faults.set(mode, delayMs: Int(form.first("delay_ms") ?? "") ?? 0)
        return Responses.json(["mode": mode.rawValue])
    }

    // MARK: The county's student login (manual 貳.3 steps 5–6)

    func loginPage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id"), await server.pending.request(id) != nil else {
            return server.pages.render("county_error", ["message": "登入逾時，請回到原網站重新登入。"], county: server.county, status: .badRequest)
        }
        return try await LoginScreens(server: server).render(id: id, query: RequestReading.query(request), error: nil)
    }

    func login(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let expired = server.pages.render("county_error", ["message": "登入逾時，請回到原網站重新登入。"], county: server.county, status: .badRequest)
        guard let id = context.parameters.get("id"), await server.pending.request(id) != nil else { return expired }
        let form = try await RequestReading.protocolForm(request, limit: Self.bodyLimit)
        let username = (form.first("username") ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form.first("password") ?? ""
        guard let account = try await server.store.account(username: username),
            await server.hasher.verify(password, against: account.passwordHash)
        else {
            return try await LoginScreens(server: server).render(
                id: id, query: form, error: "縣市帳號或密碼錯誤。", status: .unauthorized)
        }
        guard account.status == .active else {
            return try await LoginScreens(server: server).render(
                id: id, query: form, error: "此縣市帳號已停用，請洽學校資訊組。", status: .forbidden)
        }
        guard let authorization = await server.pending.take(id) else { return expired }
        let authentication = Authentication(
            subject: account.id, authTime: Clock.system.now(), amr: ["pwd"], acr: DiscoveryDocument.ACR.password)
        let code = try await server.tokens.issueCode(for: authorization, authentication: authentication)
        var pairs = [("code", code)]
        if let state = authorization.state { pairs.append(("state", state)) }
        pairs.append(("iss", server.issuer))
        return Responses.redirect(URLEncoding.append(pairs, to: authorization.redirectURI))
    }
}
