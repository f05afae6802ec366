/// An error the protocol names (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6, RFC 6750 §3.1, RFC 7009).
/// The `code` is what goes on the wire; the description is for developers and never contains secrets.
public struct OAuthError: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case unsupportedResponseType = "unsupported_response_type"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"
        case interactionRequired = "interaction_required"
        case requestNotSupported = "request_not_supported"
        case requestURINotSupported = "request_uri_not_supported"
        case invalidToken = "invalid_token"
        case insufficientScope = "insufficient_scope"
        case unsupportedTokenType = "unsupported_token_type"
        case slowDown = "slow_down"
        /// OpenID Connect Core 1.0 errata 2 §3.1.2.6: the requested authentication context cannot be met.
        case unmetAuthenticationRequirements = "unmet_authentication_requirements"
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    public static func invalidRequest(_ description: String) -> OAuthError { .init(.invalidRequest, description) }
    public static func invalidClient(_ description: String) -> OAuthError { .init(.invalidClient, description) }
    public static func invalidGrant(_ description: String) -> OAuthError { .init(.invalidGrant, description) }
    public static func invalidToken(_ description: String) -> OAuthError { .init(.invalidToken, description) }

    /// The HTTP status the token, revocation and introspection endpoints answer with (RFC 6749 §5.2).
    public var tokenEndpointStatus: Int {
        switch code {
        case .invalidClient: 401
        case .serverError: 500
        case .temporarilyUnavailable, .slowDown: 503
        default: 400
        }
    }

    /// The status a protected resource answers with (RFC 6750 §3.1).
    public var resourceStatus: Int {
        switch code {
        case .invalidToken: 401
        case .insufficientScope: 403
        default: 400
        }
    }
}
