import Identity
import Logging
import Hummingbird
import OIDC

/// The token (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662) endpoints. All answer JSON
/// with `Cache-Control: no-store`, and every client-authentication failure is a 401 with `WWW-Authenticate`.
struct TokenController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.post(RouterPath(DiscoveryDocument.Path.token)) { request, context in
            await endpoint(request, context) { form, client in
                let response = try await services.tokens.exchange(form, client: client)
                // `exchange` refuses every grant type it does not support, so the label is one of a fixed few.
                services.metrics.tokensIssued(grant: form.first("grant_type") ?? "")
                return Responses.json(response, noStore: true)
            }
        }
        router.post(RouterPath(DiscoveryDocument.Path.revoke)) { request, context in
            await endpoint(request, context) { form, client in
                try await services.tokens.revoke(try form.required("token"), client: client)
                return Responses.json([String: String](), noStore: true)
            }
        }
        router.post(RouterPath(DiscoveryDocument.Path.introspect)) { request, context in
            await endpoint(request, context) { form, client in
                Responses.json(try await services.tokens.introspect(try form.required("token"), client: client), noStore: true)
            }
        }
    }

    /// Reads the form, authenticates the client, runs `body`, and maps every failure to its RFC error.
    private func endpoint(
        _ request: Request, _ context: AppContext,
        _ body: (RequestParameters, Client) async throws -> Response
    ) async -> Response {
        let authorization = request.headers[.authorization]
        do {
            let form = try await RequestReading.protocolForm(request, limit: services.config.maxBodyBytes)
            // Failed client authentications are what a guesser produces: only those count against the address, and
            // once it used them up nothing is checked (not even a right secret) until the minute turns.
            guard !services.failuresExhausted("client-auth", context) else {
                var response = Responses.tokenError(
                    .invalidClient("Too many failed client authentications from this address; try again in a minute."),
                    basicChallenge: false)
                response.headers[.retryAfter] = "60"
                return response
            }
            let client: Client
            do {
                client = try await services.clientAuthenticator.authenticate(form, authorization: authorization)
            } catch let error as OAuthError where error.code == .invalidClient {
                services.countFailure("client-auth", context)
                throw error
            }
            return try await body(form, client)
        } catch let error as OAuthError {
            return Responses.tokenError(error, basicChallenge: authorization != nil)
        } catch is BodyTooLarge {
            return Responses.tokenError(.invalidRequest("The request body is too large."), basicChallenge: false)
        } catch {
            context.logger.error("token endpoint failure", metadata: ["error": "\(type(of: error))"])
            return Responses.tokenError(.init(.serverError, "The request could not be completed."), basicChallenge: false)
        }
    }
}
