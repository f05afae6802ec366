import OIDC

/// A signed-in browser. The cookie holds a random token; only its hash is stored, and `id` (released as the
/// ID token's `sid`) is a separate random value so that it can be shown to apps without exposing the cookie.
public struct BrowserSession: Sendable, Codable, Equatable {
    public var id: String
    public var tokenHash: String
    public var accountID: String
    public var authTime: Int64
    public var amr: [String]
    public var createdAt: Int64
    public var expiresAt: Int64
    public var ip: String
    public var userAgent: String
    /// The county provider (its issuer) that authenticated a federated session (縣市帳號); nil for EduSSO's own.
    public var idp: String?

    public init(
        id: String, tokenHash: String, accountID: String, authTime: Int64, amr: [String], createdAt: Int64,
        expiresAt: Int64, ip: String, userAgent: String, idp: String? = nil
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.accountID = accountID
        self.authTime = authTime
        self.amr = amr
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.ip = ip
        self.userAgent = userAgent
        self.idp = idp
    }
}

public protocol SessionStore: Sendable {
    func saveSession(_ session: BrowserSession) async throws
    func session(tokenHash: String) async throws -> BrowserSession?
    func deleteSession(id: String) async throws
    /// Ends every session of the account but `keptID`, and revokes the app grants not made in it (turning
    /// two-factor sign-in on ends the others). Returns the apps signed in to the ended sessions.
    @discardableResult
    func endOtherSessions(accountID: String, except keptID: String, at: Int64) async throws -> [SignedInApp]
}
