import Identity
import OIDC
import SQLKit

extension SQLStore: RegistrationStore {
    public func saveRegistration(_ registration: Registration) async throws {
        let data = try jsonText(registration)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO registrations (id, data, expires_at) VALUES (\(bind: registration.id), \(bind: data), \(bind: registration.expiresAt))
                ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
                """
            ).run()
        }
    }

    public func registration(id: String) async throws -> Registration? {
        try await read { db in
            try await db.raw("SELECT data FROM registrations WHERE id = \(bind: id)").first()?.json("data", as: Registration.self)
        }
    }

    public func deleteRegistration(id: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM registrations WHERE id = \(bind: id)").run()
        }
    }
}

extension SQLStore: AccountLookup {
    public func activeAccountExists(nationalID: String) async throws -> Bool {
        try await read { db in
            try await db.raw(
                "SELECT 1 AS hit FROM accounts WHERE national_id = \(bind: nationalID.uppercased()) AND status = 'active'"
            ).first() != nil
        }
    }

    public func accountCount(mobile: String) async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM accounts WHERE mobile = \(bind: mobile)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}
