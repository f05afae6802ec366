import Foundation

/// Seconds since the epoch. Every stored time is an integer epoch (ARCHITECTURE: "BIGINT epoch times"),
/// and the clock is injectable so that expiry can be tested without sleeping.
public struct Clock: Sendable {
    private let source: @Sendable () -> Int64

    public init(_ source: @escaping @Sendable () -> Int64) {
        self.source = source
    }

    public static let system = Clock { Int64(Date().timeIntervalSince1970) }

    public func now() -> Int64 { source() }
}
