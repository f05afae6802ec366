import Identity
import SQLKit

extension SQLStore: VerificationCodeStore {
    public func saveVerificationCode(_ code: VerificationCode) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO verification_codes (id, account_id, purpose, target, code_hash, expires_at, attempts)
                VALUES (\(bind: code.id), \(bind: code.accountID), \(bind: code.purpose.rawValue), \(bind: code.target),
                        \(bind: code.codeHash), \(bind: code.expiresAt), \(bind: code.attempts))
                ON CONFLICT (id) DO UPDATE SET target = excluded.target, code_hash = excluded.code_hash,
                    expires_at = excluded.expires_at, attempts = excluded.attempts
                """
            ).run()
        }
    }

    public func verificationCodes(accountID: String) async throws -> [VerificationCode] {
        try await read { db in
            try await db.raw("SELECT * FROM verification_codes WHERE account_id = \(bind: accountID) ORDER BY purpose").all()
                .compactMap { row in
                    guard let purpose = VerificationCode.Purpose(rawValue: try row.string("purpose")) else { return nil }
                    return VerificationCode(
                        id: try row.string("id"), accountID: try row.string("account_id"), purpose: purpose,
                        target: try row.string("target"), codeHash: try row.string("code_hash"),
                        expiresAt: try row.int64("expires_at"), attempts: Int(try row.int64("attempts")))
                }
        }
    }

    public func claimVerificationAttempt(id: String, now: Int64, maxAttempts: Int) async throws -> String? {
        try await write { db in
            try await db.raw(
                """
                UPDATE verification_codes SET attempts = attempts + 1
                WHERE id = \(bind: id) AND attempts < \(bind: maxAttempts) AND expires_at > \(bind: now)
                RETURNING code_hash
                """
            ).first()?.string("code_hash")
        }
    }

    public func consumeVerificationCode(id: String, codeHash: String) async throws -> String? {
        try await write { db in
            try await db.raw(
                "DELETE FROM verification_codes WHERE id = \(bind: id) AND code_hash = \(bind: codeHash) RETURNING target"
            ).first()?.string("target")
        }
    }

    public func deleteVerificationCodes(accountID: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM verification_codes WHERE account_id = \(bind: accountID)").run()
        }
    }
}
