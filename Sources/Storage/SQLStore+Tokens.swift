import OIDC
import SQLKit

extension SQLStore: AuthorizationCodeStore {
    public func saveCode(_ code: AuthorizationCode) async throws {
        let data = try jsonText(code)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO authorization_codes (code_hash, grant_id, client_id, data, expires_at)
                VALUES (\(bind: code.codeHash), \(bind: code.grantID), \(bind: code.clientID), \(bind: data), \(bind: code.expiresAt))
                """
            ).run()
        }
    }

    public func redeemCode(hash: String, now: Int64) async throws -> CodeRedemption {
        try await write { db in
            if let row = try await db.raw(
                "UPDATE authorization_codes SET redeemed_at = \(bind: now) WHERE code_hash = \(bind: hash) AND redeemed_at IS NULL RETURNING data"
            ).first() {
                return .redeemed(try row.json("data", as: AuthorizationCode.self))
            }
            if let row = try await db.raw("SELECT data FROM authorization_codes WHERE code_hash = \(bind: hash)").first() {
                return .alreadyUsed(try row.json("data", as: AuthorizationCode.self))
            }
            return .unknown
        }
    }
}

extension SQLStore: GrantStore {
    public func saveGrant(_ grant: Grant) async throws {
        let data = try jsonText(grant)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO grants (id, client_id, subject, session_id, data, created_at, revoked_at)
                VALUES (\(bind: grant.id), \(bind: grant.clientID), \(bind: grant.authentication.subject),
                        \(bind: grant.authentication.sessionID), \(bind: data), \(bind: grant.createdAt), \(bind: grant.revokedAt))
                """
            ).run()
        }
        grantCache.remove(grant.id)
    }

    public func grant(id: String) async throws -> Grant? {
        try await grantCache.value(id) {
            try await read { db in
                guard let row = try await db.raw("SELECT data, revoked_at FROM grants WHERE id = \(bind: id)").first() else {
                    return nil
                }
                var grant = try row.json("data", as: Grant.self)
                grant.revokedAt = try row.optionalInt64("revoked_at")
                return grant
            }
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
    public func saveRefreshToken(_ record: RefreshTokenRecord) async throws {
        try await write { db in try await Self.insertRefreshToken(record, into: db) }
    }

    static func insertRefreshToken(_ record: RefreshTokenRecord, into db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO refresh_tokens (token_hash, grant_id, client_id, parent_hash, issued_at, expires_at, rotated_at, retried)
            VALUES (\(bind: record.tokenHash), \(bind: record.grantID), \(bind: record.clientID), \(bind: record.parentHash),
                    \(bind: record.issuedAt), \(bind: record.expiresAt), \(bind: record.rotatedAt), \(bind: record.retried ? 1 : 0))
            """
        ).run()
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
                rotatedAt: try row.optionalInt64("rotated_at"), retried: try row.int64("retried") != 0)
        }
    }

    public func rotateRefreshToken(hash: String, at: Int64, replacement: RefreshTokenRecord) async throws -> Bool {
        // One atomic statement does both halves of a rotation: it inserts the successor and, through the
        // conflict on the old token's hash, marks the old token rotated — but only if no one rotated it first.
        // RETURNING lists the rows it wrote, so the old hash is among them exactly when this call won. (One
        // statement matters: every statement costs a round trip to the database thread.)
        let rows = try await write { db in
            try await db.raw(
                """
                INSERT INTO refresh_tokens (token_hash, grant_id, client_id, parent_hash, issued_at, expires_at, rotated_at, retried)
                VALUES (\(bind: replacement.tokenHash), \(bind: replacement.grantID), \(bind: replacement.clientID),
                        \(bind: hash), \(bind: replacement.issuedAt), \(bind: replacement.expiresAt), NULL, 0),
                       (\(bind: hash), \(bind: replacement.grantID), \(bind: replacement.clientID), NULL, \(bind: at),
                        \(bind: at), \(bind: at), 0)
                ON CONFLICT (token_hash) DO UPDATE SET rotated_at = excluded.rotated_at
                WHERE refresh_tokens.rotated_at IS NULL
                RETURNING token_hash
                """
            ).all().map { try $0.string("token_hash") }
        }
        if rows.contains(hash) { return true }
        // Lost the race: the successor must not stay usable.
        try await deleteRefreshToken(hash: replacement.tokenHash)
        return false
    }

    public func markRotated(hash: String, at: Int64) async throws -> Bool {
        try await write { db in
            try await !db.raw(
                "UPDATE refresh_tokens SET rotated_at = \(bind: at) WHERE token_hash = \(bind: hash) AND rotated_at IS NULL RETURNING token_hash"
            ).all().isEmpty
        }
    }

    public func markRetried(hash: String) async throws -> Bool {
        try await write { db in
            try await !db.raw(
                "UPDATE refresh_tokens SET retried = 1 WHERE token_hash = \(bind: hash) AND retried = 0 RETURNING token_hash"
            ).all().isEmpty
        }
    }

    public func deleteChildren(ofHash hash: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM refresh_tokens WHERE parent_hash = \(bind: hash)").run()
        }
    }

    public func deleteRefreshToken(hash: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM refresh_tokens WHERE token_hash = \(bind: hash)").run()
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
