import Identity
import OIDC
import SQLKit

extension SQLStore: AccountLookup {
    public func activeAccountExists(nationalID: String) async throws -> Bool {
        try await read { db in
            try await db.raw(
                "SELECT 1 AS hit FROM accounts WHERE national_id = \(bind: nationalID.uppercased()) AND status = 'active'"
            ).first() != nil
        }
    }

    public func accounts(nationalID: String) async throws -> [Account] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM accounts WHERE national_id = \(bind: nationalID.uppercased())
                ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, created_at DESC
                """
            ).all().map(Self.account(from:))
        }
    }

    public func accountCount(mobile: String) async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM accounts WHERE mobile = \(bind: mobile)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}
