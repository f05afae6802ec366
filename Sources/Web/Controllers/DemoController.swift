import Identity
import Logging
import AsyncHTTPClient
import NIOHTTP1
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import OIDC

/// `/demo`: a small relying party built in for development. It signs in with the demo client exactly as an
/// outside app would — authorization code with PKCE, a back-channel token request over HTTP, then userinfo and
/// eduinfo with the access token — and shows what came back.
struct DemoController: Sendable {
    let services: Services
    let seed: DemoSeed

    private var cookieName: String { "edu_sso_demo" }
    private var redirectURI: String { services.config.issuer + "/demo/callback" }

    func addRoutes(to router: Router<AppContext>) {
        router.get("/demo") { request, context in page(Language.of(request), result: nil, error: nil) }
        router.get("/demo/login") { request, _ in start(request) }
        router.get("/demo/callback") { request, context in await callback(request, context) }
    }

    private func page(_ language: Language, result: [String: Any]?, error: String?) -> Response {
        var values: [String: Any] = ["error": error ?? "", "switch_url": "/demo?lang=\(language.other.rawValue)"]
        if let result { values["result"] = result }
        return services.pages.render("demo", values, language: language, title: Strings.text("demo_title", language))
    }

    /// Starts a sign-in: state, nonce and PKCE verifier go into a short-lived signed cookie.
    private func start(_ request: Request) -> Response {
        let state = Secrets.randomToken(bytes: 16)
        let nonce = Secrets.randomToken(bytes: 16)
        let verifier = Secrets.randomToken(bytes: 32)
        let query = URLEncoding.query([
            ("response_type", "code"), ("client_id", seed.clientID), ("redirect_uri", redirectURI),
            ("scope", "openid profile email eduinfo educloudroles openid2"), ("state", state), ("nonce", nonce),
            ("code_challenge", PKCE.challenge(for: verifier)), ("code_challenge_method", "S256"),
            ("ui_locales", Language.of(request).rawValue),
        ])
        let value = [state, nonce, verifier].joined(separator: ".")
        let signed = value + "." + Secrets.hmac(value, key: services.browser.secret)
        var response = Responses.redirect(DiscoveryDocument.Path.authorize + "?" + query)
        response.setCookie(
            Cookie(name: cookieName, value: signed, maxAge: 600, path: "/demo", secure: services.config.usesHTTPS, httpOnly: true, sameSite: .lax))
        return response
    }

    private func callback(_ request: Request, _ context: AppContext) async -> Response {
        let query = RequestReading.query(request)
        let lang = Language.of(request)
        if let error = query.first("error") {
            return page(lang, result: nil, error: "\(error): \(query.first("error_description") ?? "")")
        }
        let parts = (request.cookies[cookieName]?.value ?? "").split(separator: ".").map(String.init)
        guard parts.count == 4,
            Secrets.constantTimeEquals(parts[3], Secrets.hmac(parts[0..<3].joined(separator: "."), key: services.browser.secret)),
            let code = query.first("code"), query.first("state") == parts[0]
        else { return page(lang, result: nil, error: "state mismatch") }
        let (nonce, verifier) = (parts[1], parts[2])
        do {
            let tokenBody = URLEncoding.query([
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("code_verifier", verifier),
            ])
            let credentials = Data("\(seed.clientID):\(seed.clientSecret)".utf8).base64EncodedString()
            let tokenJSON = try await call(
                services.config.issuer + DiscoveryDocument.Path.token, method: .POST, body: tokenBody,
                headers: ["Authorization": "Basic \(credentials)", "Content-Type": "application/x-www-form-urlencoded"])
            let tokens = try JSON.decode([String: JSONValue].self, from: tokenJSON)
            guard let accessToken = tokens["access_token"]?.stringValue, let idToken = tokens["id_token"]?.stringValue,
                let claims = await services.tokens.verifyIDTokenHint(idToken, clientID: seed.clientID),
                claims.string("nonce") == nonce
            else { return page(lang, result: nil, error: "token response rejected: \(String(decoding: tokenJSON, as: UTF8.self))") }
            let bearer = ["Authorization": "Bearer \(accessToken)"]
            let userinfo = try await call(services.config.issuer + DiscoveryDocument.Path.userinfo, method: .GET, headers: bearer)
            let eduinfo = try await call(services.config.issuer + "/moeresource/api/v2/oidc/eduinfo", method: .GET, headers: bearer)
            let logout = URLEncoding.append(
                [("id_token_hint", idToken), ("post_logout_redirect_uri", services.config.issuer + "/demo")],
                to: DiscoveryDocument.Path.logout)
            var shownTokens = tokens
            for key in ["access_token", "refresh_token", "id_token"] where shownTokens[key] != nil {
                shownTokens[key] = .string("…")  // a demo page should not invite copying live credentials
            }
            var response = page(
                lang,
                result: [
                    "id_token": pretty(claims.values), "userinfo": pretty(userinfo), "eduinfo": pretty(eduinfo),
                    "token_response": pretty(shownTokens), "logout_url": logout,
                ], error: nil)
            response.setCookie(Cookie(name: cookieName, value: "", maxAge: 0, path: "/demo", secure: services.config.usesHTTPS, httpOnly: true, sameSite: .lax))
            return response
        } catch {
            context.logger.warning("demo sign-in failed", metadata: ["error": "\(error)"])
            return page(lang, result: nil, error: "\(error)")
        }
    }

    private func call(_ url: String, method: HTTPMethod, body: String? = nil, headers: [String: String]) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Data(buffer: buffer)
    }

    private func pretty(_ value: [String: JSONValue]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? ""
    }

    private func pretty(_ data: Data) -> String {
        (try? JSON.decode([String: JSONValue].self, from: data)).map(pretty) ?? String(decoding: data, as: UTF8.self)
    }
}
