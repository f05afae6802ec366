import Synchronization

/// Request counting per key (an endpoint class and a client address) in fixed one-minute windows, in memory per
/// node: with N nodes behind a balancer the effective limit is at most N times the configured one, which is
/// acceptable for abuse control; the per-account sign-in throttle is stored in the database and holds across
/// nodes.
///
/// Memory is bounded: all counts of a minute live in one table that is dropped whole when the minute turns (no
/// per-request scan), and a table holds at most `capacity` keys. Once it is full, keys it has not seen this
/// minute are not counted until the minute turns: a flood of fresh addresses cannot grow memory, and it cannot
/// make every new visitor share (and exhaust) one count either. The per-account throttle, which is in the
/// database, still holds for them.
final class RateLimiter: Sendable {
    private struct Minute {
        var number: Int64 = .min
        var counts: [String: Int] = [:]
    }

    private let state = Mutex(Minute())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Counts a request and tells whether it is within `limit` for the current minute.
    func allow(_ key: String, limit: Int, now: Int64) -> Bool {
        add(key, now: now) <= limit
    }

    /// Counts an event (a failure) without deciding anything.
    func record(_ key: String, now: Int64) {
        _ = add(key, now: now)
    }

    /// Whether `key` has already used up `limit` this minute; counts nothing. Used where only failures count.
    func isExhausted(_ key: String, limit: Int, now: Int64) -> Bool {
        state.withLock { minute in
            guard minute.number == now / 60 else { return false }
            return (minute.counts[key] ?? 0) >= limit
        }
    }

    private func add(_ key: String, now: Int64) -> Int {
        state.withLock { minute in
            if minute.number != now / 60 { minute = Minute(number: now / 60) }
            if let count = minute.counts[key] {
                minute.counts[key] = count + 1
                return count + 1
            }
            guard minute.counts.count < capacity else { return 0 }
            minute.counts[key] = 1
            return 1
        }
    }
}
