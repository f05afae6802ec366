import Crypto

/// Lifetimes and switches of token issuance, from configuration.
public struct TokenPolicy: Sendable {
    public var issuer: String
    public var accessTokenTTL: Int64 = 3600
    public var idTokenTTL: Int64 = 3600
    public var codeTTL: Int64 = 60
    public var refreshTokenTTL: Int64 = 30 * 86400
    /// How long after a rotation the old refresh token may be retried (a client whose response was lost): each
    /// retry gets the same successor.
    public var refreshGraceSeconds: Int64 = 10
    /// How access tokens are signed unless the client says otherwise. Only EduSSO and resource servers (through
    /// the JWKS) read them, so the default is ES256, several times cheaper to sign than RS256.
    public var accessTokenAlg: SigningKey.Algorithm = .es256
    /// The server secret refresh-token successors are derived under. Every node must share it; a random key (the
    /// default) suits tests and a single process.
    public var refreshKey = SymmetricKey(size: .bits256)
    /// Issue refresh tokens to confidential clients even without `offline_access` (as the MOE service does).
    public var refreshForConfidentialClients: Bool = true

    public init(issuer: String) {
        self.issuer = issuer
    }

    public var tokenEndpoint: String { issuer + "/oidc/v1/token" }
}

/// The JSON body of a successful token response (RFC 6749 §5.1).
public struct TokenResponse: Sendable, Codable, Equatable {
    public var accessToken: String
    public var tokenType: String = "Bearer"
    public var expiresIn: Int64
    public var refreshToken: String?
    public var idToken: String?
    public var scope: String

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case idToken = "id_token"
        case scope
    }
}
