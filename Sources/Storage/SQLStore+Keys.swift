import OIDC
import SQLKit

extension SQLStore: SigningKeyRowStore {
    public func signingKeyRows() async throws -> [SealedSigningKey] {
        try await read { db in try await Self.keyRows(db) }
    }

    public func updateSigningKeyRows(_ change: @escaping @Sendable ([SealedSigningKey]) throws -> [SealedSigningKey])
        async throws -> (before: [SealedSigningKey], after: [SealedSigningKey])
    {
        try await transaction { db in
            let before = try await Self.keyRows(db)
            let after = try change(before)
            guard after != before else { return (before, after) }
            for row in before where !after.contains(where: { $0.kid == row.kid }) {
                try await db.raw("DELETE FROM signing_keys WHERE kid = \(bind: row.kid)").run()
            }
            for row in after where !before.contains(row) {
                try await db.raw(
                    """
                    INSERT INTO signing_keys (kid, alg, created_at, activates_at, retires_at, sealed_private_key, seq)
                    VALUES (\(bind: row.kid), \(bind: row.alg.rawValue), \(bind: row.createdAt), \(bind: row.activatesAt),
                        \(bind: row.retiresAt), \(bind: row.sealedPrivateKey), \(bind: RecordOrder.next()))
                    ON CONFLICT (kid) DO UPDATE SET activates_at = excluded.activates_at, retires_at = excluded.retires_at
                    """
                ).run()
            }
            return (before, after)
        }
    }

    /// The ring in the order it grew (a same-second tie between two keys goes to the one added last).
    private static func keyRows(_ db: any SQLDatabase) async throws -> [SealedSigningKey] {
        try await db.raw("SELECT * FROM signing_keys ORDER BY created_at, seq").all().compactMap { row in
            guard let alg = SigningKey.Algorithm(rawValue: try row.string("alg")) else { return nil }
            return SealedSigningKey(
                kid: try row.string("kid"), alg: alg, createdAt: try row.int64("created_at"),
                activatesAt: try row.optionalInt64("activates_at"), retiresAt: try row.optionalInt64("retires_at"),
                sealedPrivateKey: try row.string("sealed_private_key"))
        }
    }
}

extension SQLStore {
    /// Records `proposed` (secret name → fingerprint) for the names no node has recorded yet, in one transaction, and
    /// returns every fingerprint the cluster holds. An empty proposal only reads.
    public func clusterFingerprints(proposing proposed: [String: String], now: Int64) async throws -> [String: String] {
        try await transaction { db in
            for (name, fingerprint) in proposed.sorted(by: { $0.key < $1.key }) {
                try await db.raw(
                    """
                    INSERT INTO secret_fingerprints (name, fingerprint, created_at) VALUES (\(bind: name), \(bind: fingerprint), \(bind: now))
                    ON CONFLICT (name) DO NOTHING
                    """
                ).run()
            }
            let rows = try await db.raw("SELECT name, fingerprint FROM secret_fingerprints").all()
            return try Dictionary(rows.map { (try $0.string("name"), try $0.string("fingerprint")) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
