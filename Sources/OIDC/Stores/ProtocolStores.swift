import Foundation

/// The storage the protocol core needs, as small per-feature protocols. One SQL implementation (module Storage)
/// serves SQLite and PostgreSQL; tests may substitute their own.

public protocol ClientStore: Sendable {
    func client(id: String) async throws -> Client?
    func allClients() async throws -> [Client]
    /// Inserts or replaces.
    func saveClient(_ client: Client) async throws
    func removeClient(id: String) async throws -> Bool
}

/// The logos of the apps listed in the students' portal, kept apart from the registrations the token path reads.
public protocol ClientLogoStore: Sendable {
    func saveClientLogo(clientID: String, contentType: String, data: Data) async throws
    func clientLogo(clientID: String) async throws -> (contentType: String, data: Data)?
}

/// A finished authentication handed back by an interaction (password, county login, …).
public struct Authentication: Sendable, Codable, Equatable {
    public var subject: String
    public var authTime: Int64
    public var amr: [String]
    public var acr: String?
    /// The browser session id, released as `sid`.
    public var sessionID: String?
    /// The identity provider that authenticated the user when it was not EduSSO itself (a county's issuer),
    /// released as `idp`.
    public var idp: String?

    public init(
        subject: String, authTime: Int64, amr: [String], acr: String? = nil, sessionID: String? = nil, idp: String? = nil
    ) {
        self.subject = subject
        self.authTime = authTime
        self.amr = amr
        self.acr = acr
        self.sessionID = sessionID
        self.idp = idp
    }
}

/// An authorization code as stored: only the hash of the code itself is kept.
public struct AuthorizationCode: Sendable, Codable, Equatable {
    public var codeHash: String
    public var grantID: String
    public var clientID: String
    public var redirectURI: String
    public var scopes: [String]
    public var nonce: String?
    public var codeChallenge: String?
    public var authentication: Authentication
    public var expiresAt: Int64

    public init(
        codeHash: String, grantID: String, clientID: String, redirectURI: String, scopes: [String], nonce: String?,
        codeChallenge: String?, authentication: Authentication, expiresAt: Int64
    ) {
        self.codeHash = codeHash
        self.grantID = grantID
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.authentication = authentication
        self.expiresAt = expiresAt
    }
}

extension AuthorizationCode {
    /// The grant a redemption of this code creates: everything it needs was fixed when the code was issued.
    public func grant(createdAt: Int64) -> Grant {
        Grant(
            id: grantID, clientID: clientID, scopes: scopes, authentication: authentication, nonce: nonce,
            createdAt: createdAt)
    }
}

public enum CodeRedemption: Sendable, Equatable {
    /// The code was unused; it is now spent and its grant exists.
    case redeemed(AuthorizationCode)
    /// The code had been used before: the caller must revoke what it produced (RFC 6749 §4.1.2).
    case alreadyUsed(AuthorizationCode)
    case unknown
}

public protocol AuthorizationCodeStore: Sendable {
    func saveCode(_ code: AuthorizationCode) async throws
    /// Atomically marks the code used and creates its grant (`AuthorizationCode.grant(createdAt:)`), so that a
    /// replay at any later moment finds the grant to revoke. Concurrent redemptions see exactly one `.redeemed`.
    func redeemCode(hash: String, now: Int64) async throws -> CodeRedemption
}

/// The family of tokens that one authorization (one code exchange) produced.
public struct Grant: Sendable, Codable, Equatable {
    public var id: String
    public var clientID: String
    public var scopes: [String]
    public var authentication: Authentication
    public var nonce: String?
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(
        id: String, clientID: String, scopes: [String], authentication: Authentication, nonce: String?,
        createdAt: Int64, revokedAt: Int64? = nil
    ) {
        self.id = id
        self.clientID = clientID
        self.scopes = scopes
        self.authentication = authentication
        self.nonce = nonce
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

public protocol GrantStore: Sendable {
    func grant(id: String) async throws -> Grant?
    /// Grant `id` if neither it nor the access token `accessTokenJTI` made from it has been revoked: what every
    /// use of an access token checks, asked in one go so that a shared database answers it in one round trip.
    /// It reads the revocations `TokenMarkerStore` writes, so both must be the same database.
    func liveGrant(id: String, accessTokenJTI: String) async throws -> Grant?
    func revokeGrant(id: String, at: Int64) async throws
    /// The apps that received tokens in browser session `sessionID`: whom a back-channel logout of that session
    /// goes to.
    func appsSignedIn(sessionID: String) async throws -> [SignedInApp]
}

/// An app that received tokens in a browser session, and the subject it knows: one back-channel logout notice
/// when that session ends.
public struct SignedInApp: Sendable, Hashable, Codable {
    public var sessionID: String
    public var clientID: String
    public var subject: String

    public init(sessionID: String, clientID: String, subject: String) {
        self.sessionID = sessionID
        self.clientID = clientID
        self.subject = subject
    }
}

public struct RefreshTokenRecord: Sendable, Codable, Equatable {
    public var tokenHash: String
    public var grantID: String
    public var clientID: String
    /// The token this one replaced, if any.
    public var parentHash: String?
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// Set once the token has been exchanged for its successor.
    public var rotatedAt: Int64?

    public init(
        tokenHash: String, grantID: String, clientID: String, parentHash: String?, issuedAt: Int64, expiresAt: Int64,
        rotatedAt: Int64? = nil
    ) {
        self.tokenHash = tokenHash
        self.grantID = grantID
        self.clientID = clientID
        self.parentHash = parentHash
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.rotatedAt = rotatedAt
    }
}

public protocol RefreshTokenStore: Sendable {
    /// Stores the first refresh token of a grant, unless the grant has been revoked meanwhile (a code replay can
    /// revoke it while its first response is being built); false when nothing was stored.
    func saveRefreshToken(_ record: RefreshTokenRecord) async throws -> Bool
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// Stores `replacement` as the successor of `hash` and marks `hash` rotated, if no one else rotated it first;
    /// false (and nothing stored) when the token had already been rotated.
    func rotateRefreshToken(hash: String, at: Int64, replacement: RefreshTokenRecord) async throws -> Bool
}

/// Single-use markers: revoked access-token ids and spent `private_key_jwt` assertion ids.
public protocol TokenMarkerStore: Sendable {
    func revokeAccessToken(jti: String, expiresAt: Int64) async throws
    func isAccessTokenRevoked(jti: String) async throws -> Bool
    /// Records `jti`; false when it had been recorded before (a replay).
    func recordAssertion(jti: String, clientID: String, expiresAt: Int64) async throws -> Bool
}

/// What the protocol core asks of the identity domain about a subject.
public protocol ClaimsSource: Sendable {
    /// The claims `scopes` release for `subject`, or nil when the subject is unknown or may not sign in any more.
    func claims(for subject: String, scopes: [String], client: Client) async throws -> [String: JSONValue]?
    /// Whether the subject's tokens may still be used (false once the account is disabled or gone).
    func mayUseTokens(subject: String) async throws -> Bool
}
