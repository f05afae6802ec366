import Logging
import SQLKit

/// How the SQL store reaches its database. Reads may run concurrently; writes are funnelled through `write`, which
/// runs its body on one connection inside a transaction.
public protocol DatabaseConnector: Sendable {
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func shutdown() async throws
    /// Short name of the SQL dialect, for the few statements that differ.
    var dialectName: String { get }
}

public enum DatabaseError: Error, CustomStringConvertible {
    case unsupportedURL(String)
    case conflict(String)

    public var description: String {
        switch self {
        case .unsupportedURL(let url): "Unsupported database URL: \(url) (use sqlite:PATH)"
        case .conflict(let what): "Conflict: \(what)"
        }
    }
}
