import Identity
import Logging
import Hummingbird
import OIDC

/// The last line of defence: whatever a handler throws becomes a clear answer — an error page in the user's
/// language for browsers, JSON for the API paths — and never a stack trace. Unexpected errors are logged with
/// the request id and their type only (messages may quote input).
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: Pages

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let language = Language.pick([RequestReading.query(request).first("lang") ?? RequestReading.query(request).first("ui_locales") ?? ""])
            let (status, key, code) = classify(error)
            if status == .internalServerError {
                context.logger.error(
                    "unhandled error", metadata: ["error_type": "\(type(of: error))", "route": "\(RequestIDMiddleware.route(context))"])
            }
            if Self.isAPIPath(RequestIDMiddleware.route(context)) {
                return Responses.json(["error": code ?? "server_error", "error_description": Strings.text(key, .en)], status: status, noStore: true)
            }
            return pages.error(key, language: language, status: status, code: code, requestID: context.requestID)
        }
    }

    private func classify(_ error: any Error) -> (HTTPResponse.Status, String, String?) {
        switch error {
        case let error as OAuthError:
            return (.badRequest, "error_bad_request", error.code.rawValue)
        case is InvalidCSRFToken:
            return (.forbidden, "error_csrf", nil)
        case is BodyTooLarge:
            return (.contentTooLarge, "error_too_large", "invalid_request")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return (.notFound, "error_not_found", "not_found")
            case .contentTooLarge: return (.contentTooLarge, "error_too_large", "invalid_request")
            case .methodNotAllowed: return (.methodNotAllowed, "error_bad_request", "method_not_allowed")
            default:
                return error.status.code < 500
                    ? (error.status, "error_bad_request", "invalid_request") : (.internalServerError, "error_server", nil)
            }
        default:
            return (.internalServerError, "error_server", nil)
        }
    }

    /// Whether a route pattern belongs to the JSON API (token, userinfo, resources, …) rather than to pages.
    static func isAPIPath(_ path: String) -> Bool {
        path.hasPrefix("/moeresource/") || path.hasPrefix("/cncresource/") || path == DiscoveryDocument.Path.token
            || path == DiscoveryDocument.Path.userinfo || path == DiscoveryDocument.Path.revoke
            || path == DiscoveryDocument.Path.introspect || path == DiscoveryDocument.Path.jwks
    }
}

/// A per-IP request budget for everything a stranger can call, decided on the route the router matched (so that
/// `//login` or `/login/` count as `/login`). Only the cacheable public documents, static files and the health
/// probes are exempt (a load balancer must never be throttled into taking a node out); the JSON API has its own failure-based limits as well.
struct PageRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let services: Services

    static func isExempt(_ route: String) -> Bool {
        route == "/healthz" || route == "/readyz" || route.hasPrefix("/static/") || route.hasPrefix("/.well-known/")
            || route == DiscoveryDocument.Path.jwks || route == "/favicon.ico"
    }

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        let route = RequestIDMiddleware.route(context)
        if !Self.isExempt(route),
            !services.rateLimiter.allow("page:" + context.rateLimitKey, limit: services.config.rateLimitPerMinute, now: services.clock.now())
        {
            if ErrorPageMiddleware.isAPIPath(route) {
                var response = Responses.json(
                    ["error": "invalid_request", "error_description": "Too many requests from this address; retry in a minute."],
                    status: .tooManyRequests, noStore: true)
                response.headers[.retryAfter] = "60"
                return response
            }
            return services.rateLimitedPage(Language.of(request), context)
        }
        return try await next(request, context)
    }
}
