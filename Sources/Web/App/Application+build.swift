import Foundation
import Hummingbird
import Identity
import Logging
import OIDC
import Notify
import ServiceLifecycle
import Storage

/// Everything `buildApplication` produced: the application to run and the services behind it (tests use these to
/// set up clients and accounts directly).
public struct BuiltApplication: Sendable {
    public let application: Application<RouterResponder<AppContext>>
    public let services: Services
    public let demo: DemoSeed?
}

/// Builds the whole server from configuration. Shared by `edu-sso serve` and the tests.
///
/// Messages (verification codes, notices) go to `notifier`. In development mode the default is the outbox in
/// `data/outbox/`; production mode has no default and refuses to start without a real sender, so that codes
/// never end up in a folder on the server.
public func buildApplication(
    _ config: AppConfig, clock: OIDC.Clock = .system, logger: Logger? = nil, notifier: (any Notifier)? = nil
) async throws -> BuiltApplication {
    var logger = logger ?? Logger(label: "edu-sso")
    logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
    let sender: any Notifier
    if let notifier {
        sender = notifier
    } else if config.development {
        sender = OutboxNotifier(directory: OutboxNotifier.directory(dataDir: config.dataDir), logger: logger)
    } else {
        throw ConfigError(
            """
            Production mode needs a real e-mail and SMS sender, and this release has none yet (the development \
            outbox is never used in production). For local use run with development: true on a loopback http issuer.
            """)
    }

    let store = try SQLStore.open(
        url: config.resolvedDatabaseURL, logger: logger, cacheTTL: .milliseconds(config.readCacheMs))
    do {
        return try await assemble(config, store: store, notifier: sender, clock: clock, logger: logger)
    } catch {
        try? await store.shutdown()
        throw error
    }
}

private func assemble(_ config: AppConfig, store: SQLStore, notifier: any Notifier, clock: OIDC.Clock, logger: Logger)
    async throws -> BuiltApplication
{
    try await store.migrate()
    let keys = try await KeyManager.open(
        store: FileKeyStore(directory: URL(fileURLWithPath: config.keysDir)), clock: clock,
        preactivation: config.keyPreactivationHours * 3600, retirementOverlap: config.keyRetirementHours * 3600)
    let services = try await Services(
        config: config, store: store, keys: keys, notifier: notifier, clock: clock, logger: logger)
    let demo = config.development
        ? try await DemoSeed.ensure(config: config, store: store, hasher: services.passwordHasher, clock: clock) : nil

    let router = Router(context: AppContext.self)
    router.add(middleware: RequestIDMiddleware(clientAddress: ClientAddress(trustedProxies: config.trustedProxies)))
    router.add(middleware: SecurityHeadersMiddleware(https: config.usesHTTPS))
    router.add(middleware: ErrorPageMiddleware(pages: services.pages))
    router.add(middleware: PageRateLimitMiddleware(services: services))
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
    if let demo {
        DemoController(services: services, seed: demo).addRoutes(to: router)
    }

    let application = Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(config.connectionIdleTimeoutSeconds))),
        configuration: .init(address: .hostname(config.host, port: config.port)),
        services: [MaintenanceService(services: services), StoreShutdownService(store: store)],
        logger: logger)
    return BuiltApplication(application: application, services: services, demo: demo)
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
            } catch {
                services.logger.error("maintenance failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }

    func runOnce() async throws {
        let config = services.config
        try await services.keys.maintain(rotationInterval: config.keyRotationDays * 86400)
        let removed = try await services.store.purgeExpired(
            .init(
                now: services.clock.now(), recordRetention: config.recordRetentionDays * 86400,
                grantLifetime: config.refreshTokenTTL + config.accessTokenTTL))
        let total = removed.values.reduce(0, +)
        if total > 0 {
            services.logger.info("purged expired rows", metadata: ["rows": "\(total)"])
        }
        // The development outbox holds codes: it is runtime state and is purged like the tables.
        if let outbox = services.notifier as? OutboxNotifier {
            try outbox.purge(olderThan: Date().addingTimeInterval(-Double(OutboxNotifier.retentionSeconds)))
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
