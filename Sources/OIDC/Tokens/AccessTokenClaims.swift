import JWTKit

/// The claims of an EduSSO access token (RFC 9068 §2.2), as a typed payload. Access tokens are verified on every
/// userinfo and resource request, and decoding into fixed fields is several times cheaper than into a dictionary.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: String
    public var aud: String
    public var sub: String
    public var clientID: String
    public var scope: String
    public var jti: String
    public var iat: Int64
    public var exp: Int64
    /// The grant (code exchange) this token came from; absent for client_credentials tokens.
    public var gid: String?
    public var authTime: Int64?
    public var sid: String?

    enum CodingKeys: String, CodingKey {
        case iss, aud, sub, scope, jti, iat, exp, gid, sid
        case clientID = "client_id"
        case authTime = "auth_time"
    }

    public init(
        iss: String, aud: String, sub: String, clientID: String, scope: String, jti: String, iat: Int64, exp: Int64,
        gid: String? = nil, authTime: Int64? = nil, sid: String? = nil
    ) {
        self.iss = iss
        self.aud = aud
        self.sub = sub
        self.clientID = clientID
        self.scope = scope
        self.jti = jti
        self.iat = iat
        self.exp = exp
        self.gid = gid
        self.authTime = authTime
        self.sid = sid
    }

    /// Signature verification is JWTKit's; lifetime and revocation are checked by `TokenService`.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    public var scopes: [String] { Scope.parse(scope) }

    /// The introspection answer (RFC 7662 §2.2) for this active token.
    public var introspection: [String: JSONValue] {
        var answer: [String: JSONValue] = [
            "active": true, "token_type": "Bearer", "iss": .string(iss), "aud": .string(aud), "sub": .string(sub),
            "client_id": .string(clientID), "scope": .string(scope), "jti": .string(jti), "iat": .int(iat),
            "exp": .int(exp),
        ]
        if let authTime { answer["auth_time"] = .int(authTime) }
        return answer
    }
}
