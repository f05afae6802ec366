import Crypto
import Foundation
import Synchronization

/// Request counting per key (an endpoint class and a client address) in fixed one-minute windows.
///
/// Each node counts in memory, and nodes sharing a PostgreSQL database also agree: every `rate_limit_sync_ms` a
/// node publishes its count of each key counted at least `shareFrom(limit:)` times this minute and reads the other
/// nodes' counts, and every decision adds those to its own. An address spreading its requests over N nodes
/// therefore gets the configured limit, not N times it, give or take what it sends within one sync interval and
/// what stays below the publishing count on each node: at most `shareFrom − 1` per node, which is at most a tenth
/// of the limit (a limit of 5 is shared from the first count, a limit of 30 from the third). Keys leave the node only as keyed hashes (`shareKey`): the table holds no address, username or
/// anything derived from a national ID.
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
        /// What this node last published per key.
        var published: [String: Int] = [:]
        /// Keys published from a count below `hotThreshold`, with that count (`shareFrom(limit:)`).
        var shareFrom: [String: Int] = [:]
        /// The other nodes' counts this minute, by shared key.
        var others: [String: Int] = [:]

        mutating func noteShareFrom(_ key: String, limit: Int) {
            let from = RateLimiter.shareFrom(limit: limit)
            if from < RateLimiter.hotThreshold { shareFrom[key] = min(from, shareFrom[key] ?? from) }
        }
    }

    private let state = Mutex(Minute())
    let capacity: Int
    /// Keys counted this often in a minute are shared with the other nodes, whatever their limit: a key seen a
    /// few times (most addresses on most pages) is not worth a row in the database.
    static let hotThreshold = 5

    /// The count from which a key with `limit` is published: `hotThreshold`, or less for a limit so low that
    /// every node's unpublished counts could add up to it (at most a tenth of the limit stays unpublished per node).
    static func shareFrom(limit: Int) -> Int {
        max(1, min(hotThreshold, limit / 10))
    }
    /// At most this many keys are published per sync (`publishable`: low-limit keys and busy keys share it).
    static let publishLimit = 5_000
    private let shareSecret: SymmetricKey

    init(capacity: Int = 100_000, shareSecret: SymmetricKey = SymmetricKey(size: .bits256)) {
        self.capacity = capacity
        self.shareSecret = shareSecret
    }

    /// Counts a request and tells whether it is within `limit` for the current minute, on every node together.
    func allow(_ key: String, limit: Int, now: Int64) -> Bool {
        let (count, others) = add(key, limit: limit, now: now)
        return count + others <= limit
    }

    /// Counts an event (a failure) without deciding anything.
    func record(_ key: String, now: Int64) {
        _ = add(key, limit: nil, now: now)
    }

    /// Whether `key` has already used up `limit` this minute; counts nothing. Used where only failures count.
    func isExhausted(_ key: String, limit: Int, now: Int64) -> Bool {
        // The keyed hash only when other nodes have published something this minute (as in `add`).
        let shared = state.withLock { $0.others.isEmpty } ? "" : shareKey(key)
        return state.withLock { minute in
            guard minute.number == now / 60 else { return false }
            if minute.counts[key] != nil { minute.noteShareFrom(key, limit: limit) }
            return (minute.counts[key] ?? 0) + (minute.others[shared] ?? 0) >= limit
        }
    }

    private func add(_ key: String, limit: Int?, now: Int64) -> (count: Int, others: Int) {
        // The hash is only needed once other nodes have published something this minute.
        let needsShared = state.withLock { !$0.others.isEmpty }
        let shared = needsShared ? shareKey(key) : ""
        return state.withLock { minute in
            if minute.number != now / 60 { minute = Minute(number: now / 60) }
            let others = needsShared ? minute.others[shared] ?? 0 : 0
            if let count = minute.counts[key] {
                if let limit { minute.noteShareFrom(key, limit: limit) }
                minute.counts[key] = count + 1
                return (count + 1, others)
            }
            // A full table notes nothing about a key it does not count, so `shareFrom` stays within `capacity`;
            // the other nodes' counts still decide.
            guard minute.counts.count < capacity else { return (0, others) }
            if let limit { minute.noteShareFrom(key, limit: limit) }
            minute.counts[key] = 1
            return (1, others)
        }
    }

    /// Keys held this minute, counted and noted for early sharing: what `capacity` bounds.
    var keysHeld: (counted: Int, sharedEarly: Int) {
        state.withLock { ($0.counts.count, $0.shareFrom.count) }
    }

    /// The name a key is shared under: a keyed hash, the same on every node (the key comes from the shared secrets).
    func shareKey(_ key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(key.utf8), using: shareSecret)
        return Data(mac).prefix(16).base64EncodedString()
    }

    /// The keys due for publishing whose count changed since they were last published, at most `publishLimit`:
    /// half of it for low-limit keys (the ones whose limit the nodes' unpublished counts could add up to) and half
    /// for the others (`publishable`), so that a flood of either kind cannot crowd the other out. `counts` by
    /// shared key for the database, `local` to hand to `published` once written.
    func countsToPublish(now: Int64) -> (minute: Int64, counts: [String: Int], local: [String: Int]) {
        // Copied under the lock (copy-on-write makes that cheap), filtered and sorted outside it.
        let (number, counts, published, shareFrom) = state.withLock { ($0.number, $0.counts, $0.published, $0.shareFrom) }
        guard number == now / 60 else { return (now / 60, [:], [:]) }
        let changed = counts.filter { key, count in
            count >= (shareFrom[key] ?? Self.hotThreshold) && published[key] != count
        }
        let busiest = changed.count > Self.publishLimit
            ? Self.publishable(changed, lowLimit: { shareFrom[$0] != nil })
            : changed
        return (number, Dictionary(busiest.map { (shareKey($0.key), $0.value) }, uniquingKeysWith: max), busiest)
    }

    /// `publishLimit` of `changed`: each kind (low-limit keys, and the others) is given half of it, busiest first,
    /// and a half one kind does not fill goes to the other kind's next busiest.
    private static func publishable(_ changed: [String: Int], lowLimit: (String) -> Bool) -> [String: Int] {
        let busiestFirst = changed.sorted { $0.value > $1.value }
        let low = busiestFirst.filter { lowLimit($0.key) }
        let other = busiestFirst.filter { !lowLimit($0.key) }
        let lowTaken = min(low.count, max(publishLimit / 2, publishLimit - other.count))
        let chosen = low.prefix(lowTaken) + other.prefix(publishLimit - lowTaken)
        return Dictionary(uniqueKeysWithValues: chosen.map { ($0.key, $0.value) })
    }

    /// Notes what the database now holds for this node, so that unchanged keys are not written again.
    func published(_ local: [String: Int], minute number: Int64) {
        state.withLock { minute in
            guard minute.number == number else { return }
            for (key, count) in local { minute.published[key] = max(minute.published[key] ?? 0, count) }
        }
    }

    /// Installs the other nodes' counts for `minute` (ignored once the minute has turned).
    func setOthers(_ others: [String: Int], minute number: Int64) {
        state.withLock { minute in
            if minute.number == .min || minute.number < number { minute = Minute(number: number) }
            guard minute.number == number else { return }
            minute.others = others
        }
    }
}
