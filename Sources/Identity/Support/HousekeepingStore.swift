/// What the periodic jobs and the health checks need of the database: the purge of expired state, the schema
/// version, and leases that let one node at a time run a job that several nodes share.
public protocol HousekeepingStore: Sendable {
    /// Deletes expired codes, sessions, interactions, tokens and old records, `policy.batchSize` rows per
    /// statement; returns rows removed per table.
    @discardableResult
    func purgeExpired(_ policy: PurgePolicy) async throws -> [String: Int]
    /// The newest migration applied (0 for an empty database); a cheap round trip, so also a readiness probe.
    func schemaVersion() async throws -> Int
    /// The newest migration this build knows: a node whose database is behind it is not ready.
    var latestSchemaVersion: Int { get }
    /// Takes the lease on a job that several nodes share, unless another holder's lease runs until after `now`;
    /// true when `holder` has it (until `until`).
    func takeJobLease(_ job: String, holder: String, now: Int64, until: Int64) async throws -> Bool
    /// Database operations running or waiting for a connection, and how many connections the pool may open.
    var connectionUsage: (inUse: Int, capacity: Int) { get }
}

/// The rate-limit counts that nodes sharing a database add up.
public protocol RateCountStore: Sendable {
    /// Publishes this node's counts (shared key → count) for `minute` and returns the other nodes' counts per key.
    func shareRateCounts(node: String, minute: Int64, counts: [String: Int]) async throws -> [String: Int]
}

public struct PurgePolicy: Sendable {
    public var now: Int64
    /// Records of sign-ins and attempts are kept this long.
    public var recordRetention: Int64
    /// Grants are dropped once every token they could have produced has expired.
    public var grantLifetime: Int64
    /// Rows deleted per statement. Each batch commits on its own, so however much expired at once (the codes of a
    /// whole sign-in storm expire together an hour later), no statement holds SQLite's one writer, or PostgreSQL's
    /// locks and WAL, for longer than one batch takes, and sign-ins go on between batches.
    public var batchSize: Int
    /// Asked before each batch: true ends the pass there (a shutdown need not wait for a long purge, and a node
    /// that lost the purge lease leaves the rest to its holder; what is left goes in the next pass).
    public var stopRequested: @Sendable () async -> Bool

    public init(
        now: Int64, recordRetention: Int64, grantLifetime: Int64, batchSize: Int = 1_000,
        stopRequested: @escaping @Sendable () async -> Bool = { false }
    ) {
        self.now = now
        self.recordRetention = recordRetention
        self.grantLifetime = grantLifetime
        self.batchSize = max(1, batchSize)
        self.stopRequested = stopRequested
    }
}
