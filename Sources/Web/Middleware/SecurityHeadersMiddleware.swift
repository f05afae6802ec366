import OIDC
import Identity
import Logging
import HTTPTypes
import Hummingbird

/// Security headers. Every response is `nosniff` (and HSTS behind https); HTML pages also load scripts and styles
/// only from this origin, cannot be framed, and send no referrer (authorization URLs carry state and codes).
/// JSON answers skip the page-only headers: they mean nothing there and discovery is served at very high rates.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let https: Bool

    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.contentType]?.hasPrefix("text/html") == true {
            response.headers[HeaderNames.frameOptions] = "DENY"
            response.headers[HeaderNames.referrerPolicy] = "no-referrer"
            if response.headers[.contentSecurityPolicy] == nil {
                response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            }
        }
        if https {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        return response
    }
}

/// Header names HTTPTypes does not predefine, parsed once.
enum HeaderNames {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let pragma = HTTPField.Name("Pragma")!
}
