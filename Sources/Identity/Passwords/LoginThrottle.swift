/// Brute-force defence for password sign-in, decided from the stored login attempts so that it holds across
/// nodes and restarts.
///
/// - After `freeFailures` failures for an account, each further attempt must wait a delay that doubles per
///   failure (capped), measured from the last failure.
/// - After `lockThreshold` failures within the window, the account is locked until the window has passed since
///   the last failure.
/// - An IP address with more than `ipFreeFailures` failures in the window (a guessing script, not a class: a
///   whole school signs in from one address, and some will mistype) makes every attempt from it wait the same
///   growing delay. Below that, each account's own failures are what slow it down.
public struct LoginThrottle: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        case wait(seconds: Int64)
        case locked(until: Int64)
    }

    public var window: Int64 = 15 * 60
    public var freeFailures = 3
    public var maxDelay: Int64 = 60
    public var lockThreshold = 10
    /// Generous, because a whole school signs in from one address and some will mistype.
    public var ipFreeFailures = 300

    public init() {}

    public func decide(accountFailures: [Int64], ipFailures: [Int64], now: Int64) -> Decision {
        if accountFailures.count >= lockThreshold, let last = accountFailures.max() {
            return .locked(until: last + window)
        }
        let accountWait = delay(after: accountFailures, free: freeFailures, now: now)
        let ipWait = delay(after: ipFailures, free: ipFreeFailures, now: now)
        let wait = max(accountWait, ipWait)
        return wait > 0 ? .wait(seconds: wait) : .allowed
    }

    private func delay(after failures: [Int64], free: Int, now: Int64) -> Int64 {
        guard failures.count > free, let last = failures.max() else { return 0 }
        let exponent = min(failures.count - free - 1, 16)
        let required = min(Int64(1) << exponent, maxDelay)
        return max(0, last + required - now)
    }
}
