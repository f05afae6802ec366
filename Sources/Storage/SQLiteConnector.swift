import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLite in WAL mode: several reader connections run in parallel, and one writer connection serialises writes
/// (SQLite allows one writer at a time anyway; queueing in-process avoids SQLITE_BUSY storms).
///
/// Queries are never logged, at any level: their bound values include national IDs, password hashes, e-mail
/// addresses and token hashes (SQLiteKit would log them with the query at debug level).
///
/// `@unchecked Sendable`: AsyncKit's pools guard their state with an internal lock but predate `Sendable`.
public final class SQLiteConnector: DatabaseConnector, @unchecked Sendable {
    private let readers: EventLoopGroupConnectionPool<TunedSQLiteSource>
    private let writer: EventLoopGroupConnectionPool<TunedSQLiteSource>
    private let logger: Logger
    public let dialectName = "sqlite"
    public let connectionCapacity: Int

    public init(path: String, readers readerCount: Int = 4, logger: Logger) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = TunedSQLiteSource(
            base: SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: false)))
        let group = MultiThreadedEventLoopGroup.singleton
        let readersPerLoop = max(1, readerCount / max(1, System.coreCount))
        self.connectionCapacity = readersPerLoop * System.coreCount + 1
        self.readers = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: readersPerLoop,
            requestTimeout: .seconds(30), pruneInterval: nil, logger: logger, on: group)
        self.writer = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(30), pruneInterval: nil,
            logger: logger, on: group.next())
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = try await readers.requestConnection(logger: logger).get()
        defer { readers.releaseConnection(connection, logger: logger) }
        return try await body(connection.sql(queryLogLevel: nil))
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = try await writer.requestConnection(logger: logger).get()
        defer { writer.releaseConnection(connection, logger: logger) }
        return try await body(connection.sql(queryLogLevel: nil))
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = try await writer.requestConnection(logger: logger).get()
        defer { writer.releaseConnection(connection, logger: logger) }
        let database = connection.sql(queryLogLevel: nil)
        try await database.raw("BEGIN IMMEDIATE").run()
        do {
            let result = try await body(database)
            try await database.raw("COMMIT").run()
            return result
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
    }

    /// `BEGIN IMMEDIATE` takes SQLite's write lock at once, which every other process on the file waits for.
    public func migrationTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T)
        async throws -> T
    {
        try await transaction(body)
    }

    public func shutdown() async throws {
        try await readers.shutdownAsync()
        try await writer.shutdownAsync()
    }
}

/// Opens connections with the settings every EduSSO connection needs.
struct TunedSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            // WAL lets readers proceed during a write; NORMAL sync is durable across application crashes and
            // loses at most the last transactions on power loss, the usual trade-off for WAL.
            let pragmas = [
                "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 10000",
                "PRAGMA foreign_keys = ON",
            ]
            return pragmas.reduce(eventLoop.makeSucceededFuture(())) { chain, pragma in
                chain.flatMap { connection.query(pragma).map { _ in } }
            }.map { connection }
        }
    }
}
