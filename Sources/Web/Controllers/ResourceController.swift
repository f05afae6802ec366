import Logging
import CompressNIO
import Foundation
import Hummingbird
import Identity
import NIOCore
import OIDC

/// Userinfo (OIDC Core §5.3) and the MOE resource APIs. Each needs a valid Bearer access token (RFC 6750) whose
/// scopes include the API's scope.
struct ResourceController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        for path in [DiscoveryDocument.Path.userinfo, "/moeresource/api/v1/oidc/userinfo"] {
            router.get(RouterPath(path)) { request, context in await userinfo(request, context) }
            router.post(RouterPath(path)) { request, context in await userinfo(request, context) }
        }
        api("/moeresource/api/v1/oidc/profile", scope: "profile", router) { account, _ in AccountClaims.profile(of: account) }
        api("/moeresource/api/v1/oidc/eduinfo", scope: "eduinfo", router, gzip: true) { account, _ in
            AccountClaims.eduinfo(of: account)
        }
        api("/moeresource/api/v2/oidc/eduinfo", scope: "eduinfo", router) { account, _ in AccountClaims.eduinfo(of: account) }
        api("/cncresource/api/v1/eduinfo", scope: "eduinfo", router) { account, _ in AccountClaims.eduinfo(of: account) }
        api("/moeresource/api/v2/oidc/relation", scope: "relation", router) { account, _ in
            // Students have no class relations; teachers' relations arrive with the staff registry.
            ["sub": .string(account.id), "relation": []]
        }
        api("/cncresource/api/v1/personid", scope: "personid", router) { account, _ in
            ["sub": .string(account.id), "personid": account.nationalID.map(JSONValue.string) ?? .null]
        }
        api("/cncresource/api/v1/guid", scope: "guid", router) { [claims = services.accountClaims] account, client in
            ["sub": .string(account.id), "guid": claims.guid(of: account, for: client).map(JSONValue.string) ?? .null]
        }
    }

    private func api(
        _ path: String, scope: String, _ router: Router<AppContext>, gzip: Bool = false,
        _ payload: @escaping @Sendable (Account, Client) -> [String: JSONValue]
    ) {
        router.get(RouterPath(path)) { request, context in
            await answer(request, context, scope: scope) { account, _, client in
                let body = payload(account, client)
                return gzip && Self.acceptsGzip(request) ? try Self.gzipped(try JSON.encode(body)) : Responses.json(body, noStore: true)
            }
        }
    }

    func userinfo(_ request: Request, _ context: AppContext) async -> Response {
        await answer(request, context, scope: Scope.openid) { account, claims, client in
            Responses.json(services.accountClaims.claims(of: account, scopes: claims.scopes, client: client), noStore: true)
        }
    }

    private func answer(
        _ request: Request, _ context: AppContext, scope: String,
        _ body: (Account, AccessTokenClaims, Client) async throws -> Response
    ) async -> Response {
        do {
            let token = try await bearerToken(request)
            let claims: AccessTokenClaims
            do {
                claims = try await services.tokens.verifyAccessToken(token)
            } catch let error as OAuthError {
                if !services.rateLimiter.allow(
                    "bad-token:" + context.rateLimitKey, limit: services.config.rateLimitPerMinute, now: services.clock.now())
                {
                    return Responses.bearerError(.init(.invalidToken, "Too many invalid tokens; wait a minute."))
                }
                throw error
            }
            guard claims.scopes.contains(scope) else {
                throw OAuthError(.insufficientScope, "The access token lacks the \(scope) scope.")
            }
            guard claims.gid != nil, let account = try await services.store.account(id: claims.sub), account.status == .active,
                let client = try await services.store.client(id: claims.clientID)
            else { throw OAuthError.invalidToken("The access token does not represent an active account.") }
            return try await body(account, claims, client)
        } catch let error as OAuthError {
            return Responses.bearerError(error)
        } catch is BodyTooLarge {
            var response = Responses.bearerError(.invalidRequest("The request body is too large."))
            response.status = .contentTooLarge
            return response
        } catch {
            context.logger.error("resource endpoint failure", metadata: ["error": "\(type(of: error))"])
            return Responses.json(["error": "server_error"], status: .internalServerError, noStore: true)
        }
    }

    /// RFC 6750 §2.1 (header) and §2.2 (form body); using both at once is `invalid_request`.
    private func bearerToken(_ request: Request) async throws -> String {
        var fromHeader: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw OAuthError.invalidRequest("The Authorization header must use the Bearer scheme.")
            }
            fromHeader = parts[1].trimmingSpaces()
        }
        var fromBody: String?
        if request.method == .post, request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            let form = try await RequestReading.protocolForm(request, limit: services.config.maxBodyBytes)
            fromBody = try form.single("access_token")
        }
        switch (fromHeader, fromBody) {
        case (let token?, nil), (nil, let token?): return token
        case (.some, .some): throw OAuthError.invalidRequest("Send the access token in one place only.")
        case (nil, nil): throw OAuthError.missingToken
        }
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        request.headers[.acceptEncoding]?.lowercased().split(separator: ",").contains {
            $0.trimmingSpaces().hasPrefix("gzip")
        } ?? false
    }

    static func gzipped(_ data: Data) throws -> Response {
        var input = ByteBuffer(bytes: data)
        let compressed = try input.compress(with: .gzip())
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/json; charset=utf-8", .contentEncoding: "gzip", .cacheControl: "no-store",
                .vary: "Accept-Encoding",
            ],
            body: .init(byteBuffer: compressed))
    }
}
