import Foundation
import Identity
import Logging
import OIDC
import SQLKit
import Synchronization

/// The one SQL implementation of every store protocol. Queries are plain SQL with bound parameters, written in
/// the subset SQLite and PostgreSQL share (ON CONFLICT upserts, RETURNING, BIGINT epochs, JSON as TEXT).
///
/// The hottest reads (accounts, clients, grants and revoked access-token ids, consulted on every token and
/// userinfo request) go through short-lived caches. Writes made through this store update or drop the cached
/// entry at once; changes made elsewhere (another node, an `edu-sso` CLI command) are seen within `cacheTTL`.
/// On PostgreSQL, where several nodes share the data, grants and revocations are never cached.
public final class SQLStore: HousekeepingStore, RateCountStore {
    let connector: any DatabaseConnector
    let logger: Logger
    let accountCache: ReadCache<Account?>
    let clientCache: ReadCache<Client?>
    let grantCache: ReadCache<Grant?>
    let revokedTokenCache: ReadCache<Bool>
    /// False on a database several nodes share, where a revocation must hold on every node at once, and on
    /// SQLite when the read caches are off (`read_cache_ms: 0`).
    let cachesRevocations: Bool
    private let operations = Atomic<Int>(0)

    public init(connector: any DatabaseConnector, logger: Logger, cacheTTL: Duration = .seconds(1)) {
        self.connector = connector
        self.logger = logger
        self.accountCache = ReadCache(ttl: cacheTTL)
        self.clientCache = ReadCache(ttl: cacheTTL)
        // Several nodes share a PostgreSQL database, and a revocation on one must hold on every other at once: the
        // grant and revoked-token caches would let another node accept a revoked token for up to `cacheTTL`.
        let revocationTTL: Duration = connector.dialectName == "postgresql" ? .zero : cacheTTL
        self.grantCache = ReadCache(ttl: revocationTTL)
        self.revokedTokenCache = ReadCache(ttl: revocationTTL)
        self.cachesRevocations = revocationTTL > .zero
    }

    /// Opens the database a URL names: `sqlite:PATH` (or a bare path ending in .sqlite), or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`.
    public static func open(
        url: String, settings: DatabaseSettings = .init(), logger: Logger, cacheTTL: Duration = .seconds(1)
    ) throws -> SQLStore {
        let connector: any DatabaseConnector
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            connector = try PostgresConnector(url: url, settings: settings, logger: logger)
        } else if url.hasPrefix("sqlite:") {
            connector = try SQLiteConnector(path: String(url.dropFirst("sqlite:".count)), logger: logger)
        } else if url.hasSuffix(".sqlite") || url.hasSuffix(".db") {
            connector = try SQLiteConnector(path: url, logger: logger)
        } else {
            throw DatabaseError.unsupportedURL(DatabaseSettings.redacted(url))
        }
        return SQLStore(connector: connector, logger: logger, cacheTTL: cacheTTL)
    }

    /// "sqlite" or "postgresql".
    public var dialectName: String { connector.dialectName }

    public func shutdown() async throws {
        try await connector.shutdown()
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await counted { try await connector.read(body) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await counted { try await connector.write(body) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await counted { try await connector.transaction(body) }
    }

    /// Counts the operations holding or waiting for a connection, for the pool-usage metric.
    private func counted<T>(_ operation: () async throws -> T) async throws -> T {
        operations.add(1, ordering: .relaxed)
        defer { operations.subtract(1, ordering: .relaxed) }
        return try await operation()
    }

    public var connectionUsage: (inUse: Int, capacity: Int) {
        (operations.load(ordering: .relaxed), connector.connectionCapacity)
    }

    static let rateCountReadLimit = 20_000

    /// Publishes this node's rate-limit counts for `minute` (one row per key and node, replaced on each sync) and
    /// returns the other nodes' counts per key.
    public func shareRateCounts(node: String, minute: Int64, counts: [String: Int]) async throws -> [String: Int] {
        let rows = Array(counts)
        for start in stride(from: 0, to: rows.count, by: 500) {
            let chunk = rows[start..<min(rows.count, start + 500)]
            let values = chunk.map { row -> SQLQueryString in
                "(\(bind: minute), \(bind: row.key), \(bind: node), \(bind: row.value))"
            }.joined(separator: ", ")
            let statement: SQLQueryString = """
                INSERT INTO rate_counts (minute, key, node, count) VALUES \(values)
                ON CONFLICT (minute, key, node) DO UPDATE SET count = excluded.count
                """
            try await write { db in try await db.raw(statement).run() }
        }
        // This node's rows of past minutes go at once (the purge would leave them for up to its interval).
        try await write { db in
            try await db.raw("DELETE FROM rate_counts WHERE node = \(bind: node) AND minute < \(bind: minute)").run()
        }
        return try await read { db in
            // The busiest keys only: what a node can hold of the others' counts stays bounded however many keys
            // an attack spreads over the nodes.
            let rows = try await db.raw(
                """
                SELECT key, SUM(count) AS total FROM rate_counts WHERE minute = \(bind: minute) AND node <> \(bind: node)
                GROUP BY key ORDER BY total DESC LIMIT \(bind: Self.rateCountReadLimit)
                """
            ).all()
            return try Dictionary(rows.map { (try $0.string("key"), Int(try $0.int64("total"))) }, uniquingKeysWith: +)
        }
    }

    /// Takes the lease on a periodic job shared by every node, if no other holder's lease is still running: the
    /// job then runs on one node per period, whichever asks first. One conditional upsert, so two nodes asking
    /// at once cannot both get it.
    public func takeJobLease(_ job: String, holder: String, now: Int64, until: Int64) async throws -> Bool {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO job_leases (job, holder, lease_until) VALUES (\(bind: job), \(bind: holder), \(bind: until))
                ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
                WHERE job_leases.lease_until <= \(bind: now) OR job_leases.holder = excluded.holder
                RETURNING holder
                """
            ).first() != nil
        }
    }

    // MARK: Migrations

    /// Applies pending migrations and returns the versions applied now.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let dialect = connector.dialectName
        return try await connector.migrationTransaction { db in
            try await db.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            ).run()
            let done = Set(try await db.raw("SELECT version FROM schema_migrations").all().map {
                try $0.decode(column: "version", as: Int.self)
            })
            var applied: [Int] = []
            for migration in Migrations.all where !done.contains(migration.version) {
                // A check that finds data the migration cannot take stops it with advice, not a raw SQL error.
                if let check = migration.precondition,
                    let count = try await db.raw(SQLQueryString(check.countQuery)).first()?.decode(column: "n", as: Int.self),
                    count > 0
                {
                    throw MigrationBlocked(description: "Migration \(migration.version) (\(migration.name)): \(count) \(check.problem)")
                }
                for statement in migration.statements + migration.dialectStatements[dialect, default: []] {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                let now = Clock.system.now()
                try await db.raw(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: now))"
                ).run()
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// A migration that cannot run on the data as it is; the message says what to fix (counts only, no values).
    public struct MigrationBlocked: Error, CustomStringConvertible {
        public let description: String
    }

    public func schemaVersion() async throws -> Int {
        try await read { db in
            try await db.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?
                .decode(column: "version", as: Int?.self) ?? 0
        }
    }

    // MARK: Housekeeping

    public var latestSchemaVersion: Int { Migrations.all.last?.version ?? 0 }

    /// Deletes expired codes, sessions, interactions, tokens and old records; returns rows removed per table.
    @discardableResult
    public func purgeExpired(_ policy: PurgePolicy) async throws -> [String: Int] {
        let now = policy.now
        let retained = now - policy.recordRetention
        // What expires, per table, in the order it must go (refresh tokens before the grants they keep alive):
        // rows whose `column` is below `cutoff` (and that meet `also`). Every column is indexed (migrations 1
        // and 19) except tickets' `closed_at`, a small table. Used codes are kept an hour past expiry so that a
        // replay is still recognised and revokes its grant.
        let rules: [(table: String, column: String, cutoff: Int64, also: SQLQueryString?)] = [
            ("authorization_codes", "expires_at", now - 3600, nil),
            ("interactions", "expires_at", now, nil),
            ("captchas", "expires_at", now, nil),
            ("registrations", "expires_at", now, nil),
            ("recoveries", "expires_at", now, nil),
            ("sign_in_challenges", "expires_at", now, nil),
            ("federation_states", "expires_at", now, nil),
            ("default_passwords", "expires_at", now, nil),
            ("verification_codes", "expires_at", now, nil),
            ("browser_sessions", "expires_at", now, nil),
            ("refresh_tokens", "expires_at", now, nil),
            ("revoked_access_tokens", "expires_at", now, nil),
            ("client_assertions", "expires_at", now, nil),
            ("rate_counts", "minute", now / 60 - 1, nil),
            (
                "grants", "created_at", now - policy.grantLifetime,
                "NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = grants.id)"
            ),
            ("login_attempts", "at", retained, nil),
            ("app_sign_ins", "at", retained, nil),
            ("account_events", "at", retained, nil),
            ("tickets", "closed_at", retained, "status = 'closed'"),
            ("outgoing_messages", "finished_at", retained, "status <> 'pending'"),
        ]
        let postgres = connector.dialectName == "postgresql"
        var removed: [String: Int] = [:]
        for rule in rules {
            var total = 0
            // Each batch starts where the last one ended, in index order: nothing deleted (still in PostgreSQL's
            // index until VACUUM) or kept (a grant whose refresh token lives) is walked again in this pass, except
            // the rows sharing the last batch's value (`>=`, so that none of a tie is skipped). A short batch ends
            // the table's turn (on PostgreSQL a row changed meanwhile is not deleted by its old address): what is
            // left goes in the next pass.
            var from = Int64.min
            while await !policy.stopRequested() {
                try Task.checkCancellation()
                let column = rule.column
                var picked: SQLQueryString = """
                    SELECT \(unsafeRaw: postgres ? "ctid" : "rowid") FROM \(unsafeRaw: rule.table)
                    WHERE \(unsafeRaw: column) < \(bind: rule.cutoff) AND \(unsafeRaw: column) >= \(bind: from)
                    """
                if let also = rule.also { picked += " AND " + also }
                picked += " ORDER BY \(unsafeRaw: column) LIMIT \(bind: policy.batchSize)"
                // Rows are picked by their row address, which every table has whatever its key: SQLite's rowid,
                // PostgreSQL's ctid (as an array, which PostgreSQL fetches by address; `ctid IN (…)` would scan).
                let batch: SQLQueryString = postgres ? "ctid = ANY (ARRAY(\(picked)))" : "rowid IN (\(picked))"
                let deleted = try await write { db in
                    try await db.raw("DELETE FROM \(unsafeRaw: rule.table) WHERE \(batch) RETURNING \(unsafeRaw: column) AS position")
                        .all().map { try $0.int64("position") }
                }
                total += deleted.count
                guard deleted.count == policy.batchSize, let last = deleted.max() else { break }
                from = last
            }
            removed[rule.table] = total
        }
        return removed
    }
}

extension SQLRow {
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }
    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        try JSON.decode(type, from: Data(string(column).utf8))
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    String(decoding: try JSON.encode(value), as: UTF8.self)
}
