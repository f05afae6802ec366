import Logging
import SQLKit

/// How the SQL store reaches its database. Reads may run concurrently. Writes are funnelled through `write`, which
/// lends the body the one writer connection (statements autocommit), or through `transaction`, which also wraps
/// the body in a transaction. Most writes are a single statement and need no transaction: each one costs a round
/// trip to the database thread, so the store uses transactions only where several statements must stand or fall
/// together.
public protocol DatabaseConnector: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// A transaction that no other process's migration interleaves with: nodes that start at once migrate one
    /// after the other, and the later one finds the work done.
    func migrationTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async throws
    /// Short name of the SQL dialect, for the few statements that differ.
    var dialectName: String { get }
    /// How many connections the pool may open (readers and the writer, for SQLite).
    var connectionCapacity: Int { get }
}

public enum DatabaseError: Error, CustomStringConvertible {
    case unsupportedURL(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .unsupportedURL(let url): "Unsupported database URL: \(url) (use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE)"
        case .conflict(let what): "Conflict: \(what)"
        }
    }
}
