import Foundation
import Synchronization

/// A small time-bounded cache for read-mostly rows. Entries expire after `ttl` (monotonic clock); a zero TTL
/// disables caching. When it grows past `capacity` it is simply emptied: the cache exists to absorb bursts on
/// the same keys (one token used many times a second), not to hold a working set.
final class ReadCache<Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let ttl: Duration
    private let capacity: Int

    init(ttl: Duration, capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached value for `key`, or the result of `load`, which is then cached.
    func value(_ key: String, load: () async throws -> Value) async throws -> Value {
        guard ttl > .zero else { return try await load() }
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.value }
        let loaded = try await load()
        set(key, loaded)
        return loaded
    }

    func set(_ key: String, _ value: Value) {
        guard ttl > .zero else { return }
        let expires = ContinuousClock.now.advanced(by: ttl)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    func remove(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}

/// Orders records written in the same second: an increasing number per process, from the wall clock in
/// microseconds, so that records of several nodes interleave roughly as they happened.
enum RecordOrder {
    private static let last = Mutex<Int64>(0)

    static func next() -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return last.withLock { last in
            last = max(last + 1, now)
            return last
        }
    }
}
