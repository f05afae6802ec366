import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Identity
import Logging
import NIOSSL
import OIDC
import Notify
import ServiceLifecycle
import Storage
import Synchronization

/// Everything `buildApplication` produced: the application to run and the services behind it (tests use these to
/// set up clients and accounts directly).
public struct BuiltApplication: Sendable {
    public let application: Application<RouterResponder<AppContext>>
    public let services: Services
    public let demo: DemoSeed?
    let closeStore: @Sendable () async throws -> Void

    /// Closes the database, for a caller that built the application but does not run it (tests, tools).
    public func shutdown() async throws {
        try await closeStore()
    }
}

/// Builds the whole server from configuration. Shared by `edu-sso serve` and the tests.
///
/// Messages (verification codes, notices) go through the durable queue to `senders`, by default the ones the
/// configuration names (`Messaging.senders`): production mode refuses to start without a real sender for each
/// channel, so that codes never end up in a folder on the server; development mode uses the outbox in
/// `data/outbox/` for a channel without one.
public func buildApplication(
    _ config: AppConfig, clock: OIDC.Clock = .system, logger: Logger? = nil, senders: MessageSenders? = nil
) async throws -> BuiltApplication {
    var logger = logger ?? Logger(label: "edu-sso")
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    let sender = try senders ?? Messaging.senders(config, logger: logger)

    // A TLS file problem stops the start before anything touches the database.
    let tls = try ServerTLS.configuration(config, logger: logger)
    let store = try openDatabase(config, logger: logger)
    do {
        return try await assemble(config, store: store, senders: sender, tls: tls, clock: clock, logger: logger)
    } catch {
        try? await store.shutdown()
        throw error
    }
}

/// Opens the database the configuration names (SQLite by default, PostgreSQL for several nodes); shared by the
/// server and the `edu-sso` commands. It does not migrate.
public func openDatabase(_ config: AppConfig, logger: Logger) throws -> SQLStore {
    var settings = DatabaseSettings()
    settings.poolSize = config.databasePoolSize
    settings.connectTimeoutSeconds = config.databaseConnectTimeoutSeconds
    settings.tls = DatabaseSettings.TLSMode(rawValue: config.databaseTLS) ?? .prefer
    settings.caFile = config.databaseCAFile
    settings.password = config.databasePassword
    return try SQLStore.open(
        url: config.resolvedDatabaseURL, settings: settings, logger: logger, cacheTTL: .milliseconds(config.readCacheMs))
}

/// Who opens the key ring: the server, which may create the first secrets and keys, or an `edu-sso` command, which
/// only uses what the servers made.
public enum KeyRingUser: Sendable {
    case server, command
}

/// Checks this node's secrets against the cluster's and opens the signing-key ring in the database. A server
/// records the fingerprints of its secrets if it is the first, and imports the ring of `keys/` on the first start
/// after an upgrade from a version that kept it there (then removes the files: the database holds the keys now).
/// A command creates nothing: it refuses to run with secrets the servers do not share, or before any server ran.
public func openKeyRing(
    _ config: AppConfig, store: SQLStore, clock: OIDC.Clock = .system, logger: Logger, user: KeyRingUser = .server
) async throws -> KeyManager {
    try await checkSecretsAgainstCluster(config, store: store, now: clock.now(), user: user)
    let secret = try ServerSecret.existing("signing-key-secret", directory: config.keysDir)
    let ring = SealedKeyStore(rows: store, secret: secret)
    let preactivation = config.keyPreactivationHours * 3600
    let retirement = config.keyRetirementHours * 3600
    guard user == .server else {
        return try await KeyManager.inspect(store: ring, clock: clock, preactivation: preactivation, retirementOverlap: retirement)
    }
    try await importFolderRing(config, into: ring, logger: logger)
    return try await KeyManager.open(store: ring, clock: clock, preactivation: preactivation, retirementOverlap: retirement)
}

/// Every node needs the same secrets: a node whose files differ would fail the cookies, refresh tokens and
/// sealed keys the others made. The fingerprints are written together, by the first server, in one transaction.
/// A command checks only the secrets it uses (`names`); a server proposes and checks them all.
public func checkSecretsAgainstCluster(
    _ config: AppConfig, store: SQLStore, now: Int64, user: KeyRingUser, names: [String] = ServerSecret.names
) async throws {
    let names = user == .server ? ServerSecret.names : names
    var mine: [String: String] = [:]
    for name in names {
        let secret = try user == .server
            ? ServerSecret.load(name, directory: config.keysDir) : ServerSecret.existing(name, directory: config.keysDir)
        mine[name] = ServerSecret.fingerprint(of: secret)
    }
    let cluster = try await store.clusterFingerprints(proposing: user == .server ? mine : [:], now: now)
    for name in names {
        guard let recorded = cluster[name] else {
            throw ConfigError("No server has started on this database yet: start one first (it creates the secrets and keys).")
        }
        guard recorded == mine[name] else {
            throw ConfigError(
                "\(config.keysDir)/\(name) differs from the one the other nodes of this database use. Every node needs the same keys/ secrets: copy them from a running node (or restore them from the backup), then start again.")
        }
    }
}

/// Moves a ring kept in `keys/` (before the database held it) into an empty database, then removes the files, so
/// that no private key stays on disk in the clear and a later empty database cannot bring back a withdrawn key.
private func importFolderRing(_ config: AppConfig, into ring: SealedKeyStore, logger: Logger) async throws {
    let folder = FileKeyStore(directory: URL(fileURLWithPath: config.keysDir))
    let folderKeys = try await folder.loadKeys()
    guard !folderKeys.isEmpty else { return }
    let change = try await ring.update { current in current.isEmpty ? folderKeys : current }
    let kept = Set(change.after.map(\.kid))
    if !change.added.isEmpty {
        logger.notice(
            "imported the signing keys of the keys folder into the database",
            metadata: ["keys": "\(change.added.count)", "folder": "\(config.keysDir)"])
    } else {
        logger.warning(
            "the keys folder holds a signing-key ring, but the database has its own; the folder's is removed",
            metadata: ["folder": "\(config.keysDir)"])
    }
    guard change.added.isEmpty || folderKeys.allSatisfy({ kept.contains($0.kid) }) else { return }
    try folder.removeRing()
}

private func assemble(
    _ config: AppConfig, store: SQLStore, senders: MessageSenders, tls: TLSConfiguration?, clock: OIDC.Clock, logger: Logger
) async throws -> BuiltApplication {
    try await store.migrate()
    let keys = try await openKeyRing(config, store: store, clock: clock, logger: logger)
    let services = try await Services(
        config: config, store: store, keys: keys, senders: senders, clock: clock, logger: logger)
    let demo = config.development
        ? try await DemoSeed.ensure(config: config, store: store, hasher: services.passwordHasher, clock: clock) : nil

    let router = Router(context: AppContext.self)
    router.add(middleware: RequestIDMiddleware(clientAddress: ClientAddress(trustedProxies: config.trustedProxies), metrics: services.metrics))
    router.add(middleware: SecurityHeadersMiddleware(https: config.usesHTTPS))
    router.add(middleware: ErrorPageMiddleware(pages: services.pages))
    router.add(middleware: PageRateLimitMiddleware(services: services))
    let operations = OperationsController(services: services)
    operations.addProbes(to: router)
    DiscoveryController(services: services).addRoutes(to: router)
    AuthorizeController(services: services).addRoutes(to: router)
    InteractionController(services: services).addRoutes(to: router)
    TokenController(services: services).addRoutes(to: router)
    ResourceController(services: services).addRoutes(to: router)
    LogoutController(services: services).addRoutes(to: router)
    HomeController(services: services).addRoutes(to: router)
    CaptchaController(services: services).addRoutes(to: router)
    AccountPagesController(services: services).addRoutes(to: router)
    RegistrationController(services: services).addRoutes(to: router)
    ProfileUpdateController(services: services).addRoutes(to: router)
    RecoveryController(services: services).addRoutes(to: router)
    PasswordRecoveryController(services: services).addRoutes(to: router)
    ContactController(services: services).addRoutes(to: router)
    SecurityRecordsController(services: services).addRoutes(to: router)
    TwoFactorController(services: services).addRoutes(to: router)
    TwoFactorSignInController(services: services).addRoutes(to: router)
    PortalController(services: services).addRoutes(to: router)
    CountySignInController(services: services).addRoutes(to: router)
    if let demo {
        DemoController(services: services, seed: demo).addRoutes(to: router)
        DevOutboxController(services: services).addRoutes(to: router)
    }

    let http1 = EduSSOHTTP1Channel.builder(
        idleTimeout: .seconds(config.connectionIdleTimeoutSeconds), documents: services.staticDocuments)
    let application = Application(
        router: router,
        server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
        configuration: .init(address: .hostname(config.host, port: config.port)),
        // Graceful shutdown runs in reverse order: the HTTP server stops first, then the record writer flushes,
        // the dispatcher and housekeeping stop, the admin listener (metrics stay readable while draining) and
        // the database close last.
        services: [StoreShutdownService(store: store)] + adminListener(config, operations: operations, logger: logger) + [
            MaintenanceService(services: services), KeyRefreshService(services: services),
            MessageDispatchService(dispatcher: services.dispatcher), AppSignInRecorderService(recorder: services.appSignIns),
        ] + (config.sharesDatabase ? [RateCountSyncService(services: services)] : []),
        logger: logger)
    return BuiltApplication(
        application: application, services: services, demo: demo, closeStore: { try await store.shutdown() })
}

/// The admin listener, when `admin_port` is set: `/metrics` and the probes, on their own address.
private func adminListener(_ config: AppConfig, operations: OperationsController, logger: Logger) -> [any Service] {
    guard let port = config.adminPort else { return [] }
    let services = operations.services
    return [
        Application(
            router: operations.adminRouter(),
            // The same channel as the public listener's (idle timeout, connections closed when asked), without
            // the public documents.
            server: EduSSOHTTP1Channel.builder(idleTimeout: .seconds(config.connectionIdleTimeoutSeconds), documents: nil),
            configuration: .init(address: .hostname(config.adminHost, port: port), serverName: nil),
            onServerRunning: { channel in
                services.adminPort.store(channel.localAddress?.port ?? 0, ordering: .relaxed)
                logger.notice("admin listener (metrics, probes)", metadata: ["address": "\(config.adminHost):\(channel.localAddress?.port ?? 0)"])
            },
            logger: logger)
    ]
}

/// Periodic housekeeping: key rotation on schedule and the purge of expired state, so that tables stay bounded.
struct MaintenanceService: Service {
    let services: Services

    func run() async throws {
        let config = services.config
        let interval = max(5, config.purgeIntervalSeconds)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runOnce()
            } catch is CancellationError {
                return
            } catch {
                services.logger.error("maintenance failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }

    func runOnce() async throws {
        let config = services.config
        try await services.keys.maintain(rotationInterval: config.keyRotationDays * 86400)
        // Every node runs this loop; the purge itself runs on one node per interval, whichever takes the lease.
        let now = services.clock.now()
        let interval = max(5, config.purgeIntervalSeconds)
        let lease = JobLease("purge", store: services.store, holder: services.nodeID, length: interval - 1, clock: services.clock)
        if try await lease.take() {
            let removed = try await services.store.purgeExpired(
                .init(
                    now: now, recordRetention: config.recordRetentionDays * 86400,
                    grantLifetime: config.refreshTokenTTL + config.accessTokenTTL,
                    stopRequested: {
                        if Task.isShuttingDownGracefully { return true }
                        return await !lease.keep()
                    }))
            let total = removed.values.reduce(0, +)
            if total > 0 {
                services.logger.info("purged expired rows", metadata: ["rows": "\(total)"])
            }
            if lease.wasLost {
                services.logger.notice(
                    "purge pass stopped: its lease could not be renewed (another node holds it, or the database did not answer); the rest goes in a later pass")
            }
        }
        // The development outbox holds codes: it is runtime state and is purged like the tables.
        for case let outbox as OutboxSender in [services.senders.email, services.senders.sms] {
            try outbox.purge(olderThan: Date().addingTimeInterval(-Double(OutboxSender.retentionSeconds)))
        }
    }
}

/// A job lease held while a long job runs: `keep` renews it once half of it has passed, so that no other node
/// takes the job over while this one is still at it, and says when it was lost (this node was too slow, and
/// another one holds it now), so that the job stops instead of running twice.
final class JobLease: Sendable {
    let job: String
    let store: any HousekeepingStore
    let holder: String
    let length: Int64
    let clock: OIDC.Clock
    /// When the lease held runs out; 0 until `take` succeeds.
    private let end = Mutex<Int64>(0)
    /// Set once a renewal failed (another holder, or no answer from the database): the job stops, and says so.
    private let lost = Atomic<Bool>(false)
    var wasLost: Bool { lost.load(ordering: .relaxed) }

    init(_ job: String, store: any HousekeepingStore, holder: String, length: Int64, clock: OIDC.Clock) {
        (self.job, self.store, self.holder, self.length, self.clock) = (job, store, holder, max(1, length), clock)
    }

    /// Takes the lease for `length` seconds from now; false when another holder's is still running.
    func take() async throws -> Bool {
        let now = clock.now()
        guard try await store.takeJobLease(job, holder: holder, now: now, until: now + length) else { return false }
        end.withLock { $0 = now + length }
        return true
    }

    /// Whether this node still holds the lease, renewed when half of it has passed; a database that does not
    /// answer counts as lost.
    func keep() async -> Bool {
        if wasLost { return false }
        let now = clock.now()
        if now < end.withLock({ $0 }) - length / 2 { return true }
        if (try? await take()) == true { return true }
        // A cancelled job stops without calling its lease lost: nothing went wrong with the lease.
        if !Task.isCancelled { lost.store(true, ordering: .relaxed) }
        return false
    }
}

/// Re-reads the signing-key ring every `key_refresh_seconds`: a key rotated on any node signs and verifies here
/// too, and a withdrawn one stops verifying.
struct KeyRefreshService: Service {
    let services: Services

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(services.config.keyRefreshSeconds)) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                try await services.keys.refresh()
            } catch {
                services.logger.error("reading the signing keys failed", metadata: ["error_type": "\(type(of: error))"])
            }
        }
    }
}

/// Adds up the rate-limit counts of the nodes sharing a PostgreSQL database (a single SQLite node has no one to
/// add up with and runs without it: a service that returned would stop the server).
struct RateCountSyncService: Service {
    let services: Services

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(services.config.rateLimitSyncMs))
            }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            await syncOnce()
        }
    }

    func syncOnce() async {
        let (minute, counts, local) = services.rateLimiter.countsToPublish(now: services.clock.now())
        do {
            let others = try await services.store.shareRateCounts(node: services.nodeID, minute: minute, counts: counts)
            services.rateLimiter.published(local, minute: minute)
            services.rateLimiter.setOthers(others, minute: minute)
        } catch {
            // Each node still holds its own limit; only the sum across nodes is late.
            services.logger.warning("sharing rate-limit counts failed", metadata: ["error_type": "\(type(of: error))"])
        }
    }
}

/// Closes the database after the server has stopped.
struct StoreShutdownService: Service {
    let store: SQLStore

    func run() async throws {
        try? await gracefulShutdown()
        try await store.shutdown()
    }
}

/// Writes app login records in batches while the server runs, and what is left when it stops.
struct AppSignInRecorderService: Service {
    let recorder: AppSignInRecorder

    func run() async throws {
        await recorder.run(
            pause: { window in try? await cancelWhenGracefulShutdown { try await Task.sleep(for: window) } },
            until: { Task.isShuttingDownGracefully || Task.isCancelled })
    }
}
