import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL through postgres-nio's `PostgresClient` pool, for deployments of several nodes on one database.
///
/// Every node reads and writes through its own pool; nothing is serialised in-process. Transactions run at
/// SERIALIZABLE isolation and are retried when PostgreSQL reports a serialization failure or a deadlock, so a
/// transaction that reads and then writes behaves as it does on SQLite, where writes are serial: of two racing
/// transactions one commits and the other runs again on the committed state. Single statements (`write`)
/// autocommit; each is atomic on its own (`UPDATE … WHERE … RETURNING` claims a row exactly once).
///
/// Queries are never logged, at any level: their bound values include national IDs and secrets' hashes.
public final class PostgresConnector: DatabaseConnector {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    public let dialectName = "postgresql"
    public let connectionCapacity: Int
    /// How often a transaction is tried before a serialization failure is given up to the caller.
    static let attempts = 8

    public init(url: String, settings: DatabaseSettings, logger: Logger) throws {
        let configuration = try Self.configuration(url: url, settings: settings)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.quiet(logger))
        self.client = client
        self.logger = logger
        self.connectionCapacity = configuration.options.maximumConnections
        self.runner = Task { await client.run() }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await read(body)
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    let database = connection.sql(queryLogLevel: nil)
                    try await database.raw("BEGIN ISOLATION LEVEL SERIALIZABLE").run()
                    do {
                        let result = try await body(database)
                        try await database.raw("COMMIT").run()
                        return result
                    } catch {
                        try? await database.raw("ROLLBACK").run()
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < Self.attempts {
                attempt += 1
                // A short random pause keeps the retried transactions from colliding again in lock step.
                try await Task.sleep(for: .microseconds(Int.random(in: 100...(2000 * attempt))))
            }
        }
    }

    /// Holds a session-level advisory lock while the migration's transaction runs. The lock is taken before the
    /// transaction begins, so the transaction's snapshot includes whatever the previous holder committed.
    public func migrationTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T)
        async throws -> T
    {
        try await client.withConnection { connection in
            let database = connection.sql(queryLogLevel: nil)
            try await database.raw("SELECT pg_advisory_lock(\(bind: Self.migrationLockKey))").run()
            do {
                try await database.raw("BEGIN").run()
                let result: T
                do {
                    result = try await body(database)
                    try await database.raw("COMMIT").run()
                } catch {
                    try? await database.raw("ROLLBACK").run()
                    throw error
                }
                try await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                return result
            } catch {
                try? await database.raw("SELECT pg_advisory_unlock(\(bind: Self.migrationLockKey))").run()
                throw error
            }
        }
    }

    /// The advisory lock that guards migrations ("EduSSO" in ASCII).
    static let migrationLockKey: Int64 = 0x4564_7553_534F

    public func shutdown() async throws {
        runner.cancel()
        await runner.value
    }

    /// Serialization failures (40001) and deadlocks (40P01) mean "run the transaction again".
    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The pool's own log lines at error only: a failed connection reaches the caller as an error anyway, and
    /// the pool warns about a lease that merely races its start-up.
    private static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .error)
        return quiet
    }

    /// `postgres://user:password@host:port/database?sslmode=…`; the settings give the pool size, timeouts and TLS
    /// (a `sslmode` in the URL wins over `settings.tls`).
    static func configuration(url: String, settings: DatabaseSettings) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw DatabaseError.unsupportedURL(DatabaseSettings.redacted(url)) }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let mode = try DatabaseSettings.TLSMode(parsing: query["sslmode"]) ?? settings.tls
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "edu_sso",
            password: components.password ?? settings.password, database: database.isEmpty ? nil : database,
            tls: try tls(mode, caFile: settings.caFile))
        configuration.options.maximumConnections = max(1, settings.poolSize)
        configuration.options.minimumConnections = min(max(0, settings.minimumConnections), settings.poolSize - 1)
        configuration.options.connectTimeout = .seconds(max(1, settings.connectTimeoutSeconds))
        configuration.options.connectionIdleTimeout = .seconds(60)
        configuration.options.additionalStartupParameters = [("application_name", "edu-sso")]
        return configuration
    }

    private static func tls(_ mode: DatabaseSettings.TLSMode, caFile: String?) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(tls)
        case .require: return .require(tls)
        }
    }
}

/// How a node connects to PostgreSQL beyond what the URL says.
public struct DatabaseSettings: Sendable {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require

        init?(parsing text: String?) throws {
            guard let text, !text.isEmpty else { return nil }
            // libpq's names: verify-full is what `require` does here (the certificate and host name are checked).
            switch text {
            case "disable": self = .disable
            case "allow", "prefer": self = .prefer
            case "require", "verify-ca", "verify-full": self = .require
            default: throw DatabaseError.unsupportedURL("sslmode=\(text)")
            }
        }
    }

    /// Connections per node. PostgreSQL's `max_connections` must cover every node's pool plus the CLI.
    public var poolSize = 20
    /// Connections kept open while idle.
    public var minimumConnections = 2
    public var connectTimeoutSeconds: Int64 = 10
    public var tls: TLSMode = .prefer
    /// A CA bundle to verify the server's certificate with (otherwise the system's roots).
    public var caFile: String?
    /// Used when the URL carries no password (e.g. read from `database_password_file`).
    public var password: String?

    public init() {}

    /// The URL with its password replaced, for messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "…"
        return components.string ?? "postgres://…"
    }
}
