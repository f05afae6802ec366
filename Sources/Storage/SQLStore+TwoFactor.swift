import Identity
import SQLKit

extension SQLStore: TwoFactorStore {
    public func twoFactor(accountID: String) async throws -> TwoFactorBinding? {
        try await read { db in
            guard let row = try await db.raw("SELECT * FROM two_factor WHERE account_id = \(bind: accountID)").first() else {
                return nil
            }
            return TwoFactorBinding(
                accountID: accountID, sealedSecret: try row.string("sealed_secret"),
                confirmedAt: try row.optionalInt64("confirmed_at"), enabled: try row.int64("enabled") != 0,
                lastStep: try row.int64("last_step"), createdAt: try row.int64("created_at"))
        }
    }

    public func startTwoFactor(_ binding: TwoFactorBinding) async throws -> Bool {
        try await write { db in
            // Replaces only a pending binding; the attempt counter is kept, so restarting does not reset it.
            try await db.raw(
                """
                INSERT INTO two_factor (account_id, sealed_secret, confirmed_at, enabled, last_step, created_at)
                VALUES (\(bind: binding.accountID), \(bind: binding.sealedSecret), NULL, 0, 0, \(bind: binding.createdAt))
                ON CONFLICT (account_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at
                WHERE two_factor.confirmed_at IS NULL
                RETURNING account_id
                """
            ).first() != nil
        }
    }

    public func confirmTwoFactor(
        accountID: String, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], at: Int64
    ) async throws -> Bool {
        try await transaction { db in
            guard try await db.raw(
                """
                UPDATE two_factor SET confirmed_at = \(bind: at), last_step = \(bind: step)
                WHERE account_id = \(bind: accountID) AND sealed_secret = \(bind: sealedSecret) AND confirmed_at IS NULL
                RETURNING account_id
                """
            ).first() != nil else { return false }
            try await Self.replaceRecoveryCodes(db, accountID: accountID, hashes: recoveryCodeHashes)
            return true
        }
    }

    private static func replaceRecoveryCodes(_ db: any SQLDatabase, accountID: String, hashes: [String]) async throws {
        try await db.raw("DELETE FROM two_factor_recovery_codes WHERE account_id = \(bind: accountID)").run()
        for hash in hashes {
            try await db.raw(
                "INSERT INTO two_factor_recovery_codes (account_id, code_hash) VALUES (\(bind: accountID), \(bind: hash))"
            ).run()
        }
    }

    public func setTwoFactorEnabled(accountID: String, _ enabled: Bool) async throws {
        try await write { db in
            try await db.raw(
                """
                UPDATE two_factor SET enabled = \(bind: enabled ? 1 : 0)
                WHERE account_id = \(bind: accountID) AND confirmed_at IS NOT NULL
                """
            ).run()
        }
    }

    public func removeTwoFactor(accountID: String) async throws {
        try await transaction { db in
            try await db.raw("DELETE FROM two_factor WHERE account_id = \(bind: accountID)").run()
            try await db.raw("DELETE FROM two_factor_recovery_codes WHERE account_id = \(bind: accountID)").run()
        }
    }

    public func useTwoFactorStep(accountID: String, step: Int64) async throws -> Bool {
        try await write { db in
            try await db.raw(
                """
                UPDATE two_factor SET last_step = \(bind: step)
                WHERE account_id = \(bind: accountID) AND last_step < \(bind: step) AND confirmed_at IS NOT NULL
                RETURNING account_id
                """
            ).first() != nil
        }
    }

    public func useRecoveryCode(accountID: String, hash: String) async throws -> Bool {
        try await write { db in
            try await db.raw(
                """
                DELETE FROM two_factor_recovery_codes WHERE account_id = \(bind: accountID) AND code_hash = \(bind: hash)
                RETURNING code_hash
                """
            ).first() != nil
        }
    }

    public func recoveryCodesLeft(accountID: String) async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM two_factor_recovery_codes WHERE account_id = \(bind: accountID)")
                .first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func reserveTwoFactorAttempt(accountID: String, windowStart: Int64, now: Int64, limit: Int) async throws -> Bool {
        // One statement: concurrent guesses each take one of the window's attempts, and none gets past `limit`.
        try await write { db in
            try await db.raw(
                """
                UPDATE two_factor SET
                    attempts = CASE WHEN attempts_since <= \(bind: windowStart) THEN 1 ELSE attempts + 1 END,
                    attempts_since = CASE WHEN attempts_since <= \(bind: windowStart) THEN \(bind: now) ELSE attempts_since END
                WHERE account_id = \(bind: accountID) AND (attempts_since <= \(bind: windowStart) OR attempts < \(bind: limit))
                RETURNING account_id
                """
            ).first() != nil
        }
    }

    public func clearTwoFactorAttempts(accountID: String) async throws {
        try await write { db in
            try await db.raw("UPDATE two_factor SET attempts = 0 WHERE account_id = \(bind: accountID)").run()
        }
    }
}
