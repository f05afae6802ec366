import OIDC
import SQLKit

extension SQLStore: AuthorizationCodeStore {
    public func saveCode(_ code: AuthorizationCode) async throws {
        let data = try jsonText(code)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO authorization_codes (code_hash, grant_id, client_id, subject, data, expires_at)
                VALUES (\(bind: code.codeHash), \(bind: code.grantID), \(bind: code.clientID),
                        \(bind: code.authentication.subject), \(bind: data), \(bind: code.expiresAt))
                """
            ).run()
        }
    }

    public func redeemCode(hash: String, now: Int64) async throws -> CodeRedemption {
        // Spending the code and creating its grant commit together: a replay that arrives at any moment after
        // this transaction finds the grant and revokes it (with every token it produced).
        try await transaction { db in
            if let row = try await db.raw(
                "UPDATE authorization_codes SET redeemed_at = \(bind: now) WHERE code_hash = \(bind: hash) AND redeemed_at IS NULL RETURNING data"
            ).first() {
                let code = try row.json("data", as: AuthorizationCode.self)
                try await Self.insertGrant(code.grant(createdAt: now), into: db)
                return .redeemed(code)
            }
            if let row = try await db.raw("SELECT data FROM authorization_codes WHERE code_hash = \(bind: hash)").first() {
                return .alreadyUsed(try row.json("data", as: AuthorizationCode.self))
            }
            return .unknown
        }
    }
}

extension SQLStore: GrantStore {
    public func appsSignedIn(sessionID: String) async throws -> [SignedInApp] {
        try await read { db in
            try await db.raw(
                "SELECT DISTINCT session_id, client_id, subject FROM grants WHERE session_id = \(bind: sessionID)"
            ).all().map(Self.signedInApp(from:))
        }
    }

    static func signedInApp(from row: any SQLRow) throws -> SignedInApp {
        SignedInApp(sessionID: try row.string("session_id"), clientID: try row.string("client_id"), subject: try row.string("subject"))
    }

    static func insertGrant(_ grant: Grant, into db: any SQLDatabase) async throws {
        let data = try jsonText(grant)
        try await db.raw(
            """
            INSERT INTO grants (id, client_id, subject, session_id, data, created_at, revoked_at)
            VALUES (\(bind: grant.id), \(bind: grant.clientID), \(bind: grant.authentication.subject),
                    \(bind: grant.authentication.sessionID), \(bind: data), \(bind: grant.createdAt), \(bind: grant.revokedAt))
            """
        ).run()
    }

    public func grant(id: String) async throws -> Grant? {
        try await grantCache.value(id) {
            try await read { db in
                try await db.raw("SELECT data, revoked_at FROM grants WHERE id = \(bind: id)").first().map(Self.grant(from:))
            }
        }
    }

    /// A grant row selected with `data, revoked_at`.
    static func grant(from row: any SQLRow) throws -> Grant {
        var grant = try row.json("data", as: Grant.self)
        grant.revokedAt = try row.optionalInt64("revoked_at")
        return grant
    }

    public func liveGrant(id: String, accessTokenJTI jti: String) async throws -> Grant? {
        // With revocations cached (one node on SQLite) the two lookups are usually answered without a query;
        // without (PostgreSQL) one query answers both instead of two round trips.
        if cachesRevocations {
            guard try await !isAccessTokenRevoked(jti: jti), let grant = try await grant(id: id), grant.revokedAt == nil else {
                return nil
            }
            return grant
        }
        return try await read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT data, revoked_at FROM grants WHERE id = \(bind: id) AND revoked_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = \(bind: jti))
                    """
                ).first()
            else { return nil }
            return try Self.grant(from: row)
        }
    }

    public func revokeGrant(id: String, at: Int64) async throws {
        try await write { db in
            try await db.raw("UPDATE grants SET revoked_at = \(bind: at) WHERE id = \(bind: id) AND revoked_at IS NULL").run()
            // The grant's refresh tokens are useless now; drop them so they cannot even be looked up.
            try await db.raw("DELETE FROM refresh_tokens WHERE grant_id = \(bind: id)").run()
        }
        grantCache.remove(id)
    }

}

extension SQLStore: RefreshTokenStore {
    public func saveRefreshToken(_ record: RefreshTokenRecord) async throws -> Bool {
        try await write { db in
            try await !db.raw(
                """
                INSERT INTO refresh_tokens (token_hash, grant_id, client_id, parent_hash, issued_at, expires_at)
                SELECT \(bind: record.tokenHash), \(bind: record.grantID), \(bind: record.clientID), \(bind: record.parentHash),
                       \(bind: record.issuedAt), \(bind: record.expiresAt)
                WHERE EXISTS (SELECT 1 FROM grants WHERE id = \(bind: record.grantID) AND revoked_at IS NULL)
                RETURNING token_hash
                """
            ).all().isEmpty
        }
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await read { db in
            guard let row = try await db.raw("SELECT * FROM refresh_tokens WHERE token_hash = \(bind: hash)").first() else {
                return nil
            }
            return RefreshTokenRecord(
                tokenHash: try row.string("token_hash"), grantID: try row.string("grant_id"),
                clientID: try row.string("client_id"), parentHash: try row.optionalString("parent_hash"),
                issuedAt: try row.int64("issued_at"), expiresAt: try row.int64("expires_at"),
                rotatedAt: try row.optionalInt64("rotated_at"))
        }
    }

    public func rotateRefreshToken(hash: String, at: Int64, replacement: RefreshTokenRecord) async throws -> Bool {
        // One statement is the whole rotation: the successor is stored only if the parent exists, is not rotated,
        // its grant is live, and no successor exists yet (the unique index on parent_hash: a concurrent rotation
        // that stored one first makes this one do nothing). A trigger (migration 18) marks the parent rotated at
        // the successor's issue time within the same statement. (On PostgreSQL the grant check sees the statement's
        // snapshot: a successor stored while a revocation commits stays behind, and the refresh that presents it
        // finds the grant revoked.)
        try await write { db in
            try await !db.raw(
                """
                INSERT INTO refresh_tokens (token_hash, grant_id, client_id, parent_hash, issued_at, expires_at)
                SELECT \(bind: replacement.tokenHash), p.grant_id, p.client_id, p.token_hash, \(bind: at),
                       \(bind: replacement.expiresAt)
                FROM refresh_tokens p
                WHERE p.token_hash = \(bind: hash) AND p.rotated_at IS NULL
                  AND EXISTS (SELECT 1 FROM grants WHERE id = p.grant_id AND revoked_at IS NULL)
                ON CONFLICT DO NOTHING
                RETURNING token_hash
                """
            ).all().isEmpty
        }
    }
}

extension SQLStore: TokenMarkerStore {
    public func revokeAccessToken(jti: String, expiresAt: Int64) async throws {
        try await write { db in
            try await db.raw(
                "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (\(bind: jti), \(bind: expiresAt)) ON CONFLICT (jti) DO NOTHING"
            ).run()
        }
        revokedTokenCache.set(jti, true)
    }

    public func isAccessTokenRevoked(jti: String) async throws -> Bool {
        try await revokedTokenCache.value(jti) {
            try await read { db in
                try await db.raw("SELECT 1 AS hit FROM revoked_access_tokens WHERE jti = \(bind: jti)").first() != nil
            }
        }
    }

    public func recordAssertion(jti: String, clientID: String, expiresAt: Int64) async throws -> Bool {
        try await write { db in
            try await !db.raw(
                """
                INSERT INTO client_assertions (client_id, jti, expires_at) VALUES (\(bind: clientID), \(bind: jti), \(bind: expiresAt))
                ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti
                """
            ).all().isEmpty
        }
    }
}
