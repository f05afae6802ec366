import Foundation

/// OpenID Provider metadata (OIDC Discovery §3, RFC 8414 §2), pointing at the MOE-compatible paths.
public enum DiscoveryDocument {
    public enum Path {
        public static let authorize = "/oidc/v1/azp"
        public static let token = "/oidc/v1/token"
        public static let userinfo = "/oidc/v1/userinfo"
        public static let jwks = "/oidc/v1/jwksets"
        public static let revoke = "/oidc/v1/revoke"
        public static let introspect = "/oidc/v1/introspect"
        public static let logout = "/oidc/v1/logout-to-go"
    }

    /// How long apps may cache the JWKS (its `Cache-Control: max-age`). New keys are published at least this
    /// long before they sign.
    public static let jwksCacheSeconds: Int64 = 300

    /// Authentication context classes EduSSO reports in `acr`: "1" is a password sign-in (single factor), "2" a
    /// password plus a code from the student's authenticator (two factors). An app that asks for
    /// `acr_values=2` (without "1") gets only two-factor sign-ins.
    public enum ACR {
        public static let password = "1"
        public static let twoFactor = "2"
        public static let supported = [password, twoFactor]

        /// The class a sign-in with these methods reaches.
        public static func of(amr: [String]) -> String {
            amr.contains(AMR.otp) ? twoFactor : password
        }
    }

    /// Authentication method references (RFC 8176) EduSSO reports in `amr`.
    public enum AMR {
        public static let password = "pwd"
        public static let otp = "otp"
        /// Authenticated by a federated provider (a county, named by the ID token's `idp`).
        public static let federated = "fed"
    }

    public static func build(issuer: String, uiLocales: [String] = ["zh-TW", "en"]) -> [String: JSONValue] {
        let authMethods: [JSONValue] = Client.AuthMethod.allCases.map { .string($0.rawValue) }
        let endpointAuthMethods: [JSONValue] = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
        return [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + Path.authorize),
            "token_endpoint": .string(issuer + Path.token),
            "userinfo_endpoint": .string(issuer + Path.userinfo),
            "jwks_uri": .string(issuer + Path.jwks),
            "revocation_endpoint": .string(issuer + Path.revoke),
            "introspection_endpoint": .string(issuer + Path.introspect),
            "end_session_endpoint": .string(issuer + Path.logout),
            "scopes_supported": .array(Scope.supported.map(JSONValue.string)),
            "claims_supported": .array(Scope.supportedClaims.map(JSONValue.string)),
            "acr_values_supported": .array(ACR.supported.map(JSONValue.string)),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "form_post"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": .array(authMethods),
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "revocation_endpoint_auth_methods_supported": .array(endpointAuthMethods),
            "introspection_endpoint_auth_methods_supported": .array(endpointAuthMethods),
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
            "require_request_uri_registration": false,
            "ui_locales_supported": .array(uiLocales.map(JSONValue.string)),
            "claim_types_supported": ["normal"],
            "frontchannel_logout_supported": false,
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
            "authorization_response_iss_parameter_supported": true,
        ]
    }
}
