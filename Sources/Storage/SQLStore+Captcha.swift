import Identity
import SQLKit

extension SQLStore: CaptchaStore {
    public func saveCaptcha(_ challenge: CaptchaChallenge) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO captchas (id, browser_hash, code, expires_at)
                VALUES (\(bind: challenge.id), \(bind: challenge.browserHash), \(bind: challenge.code), \(bind: challenge.expiresAt))
                """
            ).run()
        }
    }

    public func captcha(id: String) async throws -> CaptchaChallenge? {
        try await read { db in
            try await db.raw("SELECT * FROM captchas WHERE id = \(bind: id)").first().map(Self.captcha(from:))
        }
    }

    public func takeCaptcha(id: String) async throws -> CaptchaChallenge? {
        try await write { db in
            try await db.raw("DELETE FROM captchas WHERE id = \(bind: id) RETURNING *").first().map(Self.captcha(from:))
        }
    }

    static func captcha(from row: any SQLRow) throws -> CaptchaChallenge {
        CaptchaChallenge(
            id: try row.string("id"), browserHash: try row.string("browser_hash"), code: try row.string("code"),
            expiresAt: try row.int64("expires_at"))
    }
}
