import OIDC
/// A county/city OpenID provider (縣市帳號) EduSSO federates to, as configured by the operator.
public struct CountyProvider: Sendable, Equatable, Codable {
    /// Short code, as in Kaohsiung's `.kh` account suffix: also the suggested edu-cloud account's suffix.
    public var code: String
    /// Display name, e.g. 高雄市.
    public var name: String
    /// The provider's issuer; its discovery document is `{issuer}/.well-known/openid-configuration`.
    public var issuer: String
    public var clientID: String
    public var clientSecret: String
    /// The icon shown on 使用縣市帳號登入 (a path under EduSSO's /static, or an https URL).
    public var icon: String?
    /// What EduSSO asks for: the county's private `exchangedata` scope releases the national ID used for linking.
    public var scopes: [String]

    public init(
        code: String, name: String, issuer: String, clientID: String, clientSecret: String, icon: String? = nil,
        scopes: [String] = ["openid", "profile", "eduinfo", Scope.exchangeData]
    ) {
        self.code = code
        self.name = name
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.icon = icon
        self.scopes = scopes
    }
}

/// Why a county sign-in did not give a usable identity. Every case becomes a clear page in the student's
/// language; none is a server error.
public enum FederationError: Error, Sendable, Equatable {
    /// The county did not answer in time, refused the connection, or answered with something unusable.
    case unavailable(String)
    /// The county answered, but its ID token failed a check (signature, issuer, audience, lifetime, nonce).
    case invalidToken(String)
    /// The county reported an error for this sign-in (e.g. the student cancelled).
    case denied(String)
}
