import OIDC
import Identity
import Storage
import Logging
import Foundation
import Synchronization

/// Fixed-window request counting per key (an endpoint class and a client address). In memory per node: with N
/// nodes behind a balancer the effective limit is at most N times the configured one, which is acceptable for
/// abuse control; the per-account sign-in throttle is stored in the database and holds across nodes.
final class RateLimiter: Sendable {
    private struct Window {
        var start: Int64
        var count: Int
    }

    private let state = Mutex<[String: Window]>([:])
    private let windowSeconds: Int64 = 60

    /// True when the request is within `limit` for the current minute.
    func allow(_ key: String, limit: Int, now: Int64) -> Bool {
        state.withLock { windows in
            if windows.count > 200_000 {
                windows = windows.filter { now - $0.value.start < windowSeconds }
            }
            var window = windows[key] ?? Window(start: now, count: 0)
            if now - window.start >= windowSeconds { window = Window(start: now, count: 0) }
            window.count += 1
            windows[key] = window
            return window.count <= limit
        }
    }
}
