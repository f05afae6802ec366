import OIDC

/// Checks an account name and password with brute-force defence, and records every attempt.
public struct PasswordSignIn: Sendable {
    public enum Outcome: Sendable, Equatable {
        case success(Account)
        /// Wrong account or wrong password: deliberately indistinguishable to the caller's user.
        case badCredentials
        case wait(seconds: Int64)
        case locked(until: Int64)
        /// This failure locked the account: the owner should be told (once, now).
        case lockedNow(Account, until: Int64)
        /// The right password for a disabled (停用) account: only someone who knows the password learns why, and
        /// is sent to 啟用帳號.
        case disabled
    }

    private let accounts: any AccountStore
    private let records: any LoginRecordStore
    private let hasher: PasswordHasher
    private let throttle: LoginThrottle
    private let clock: Clock
    /// Verified against when the account does not exist, so that both cases cost the same time.
    private let decoyHash: String

    public init(
        accounts: any AccountStore, records: any LoginRecordStore, hasher: PasswordHasher,
        throttle: LoginThrottle = LoginThrottle(), clock: Clock
    ) async throws {
        self.accounts = accounts
        self.records = records
        self.hasher = hasher
        self.throttle = throttle
        self.clock = clock
        self.decoyHash = try await hasher.hash(Secrets.randomToken())
    }

    public func attempt(username typed: String, password: String, ip: String, userAgent: String) async throws -> Outcome {
        let username = Account.normalizeUsername(typed)
        let now = clock.now()
        let since = now - throttle.window
        let decision = throttle.decide(
            accountFailures: try await records.recentFailures(username: username, since: since),
            ipFailures: try await records.recentFailures(ip: ip, since: since), now: now)
        let account = try await accounts.account(username: username)

        func record(_ outcome: LoginAttempt.Outcome) async throws {
            try await records.recordAttempt(
                LoginAttempt(
                    username: String(username.prefix(64)), accountID: account?.id, at: now, ip: ip, method: LoginAttempt.Method.password,
                    outcome: outcome, userAgent: String(userAgent.prefix(256))))
        }

        switch decision {
        case .locked(let until):
            try await record(.locked)
            return .locked(until: until)
        case .wait(let seconds):
            try await record(.throttled)
            return .wait(seconds: seconds)
        case .allowed:
            break
        }
        let verified = await hasher.verify(password, against: account?.passwordHash ?? decoyHash)
        guard var account, verified else {
            try await record(.badCredentials)
            if let account, case .locked(let until) = throttle.decide(
                accountFailures: try await records.recentFailures(username: username, since: since), ipFailures: [], now: now)
            {
                return .lockedNow(account, until: until)
            }
            return .badCredentials
        }
        guard account.status == .active else {
            try await record(.disabled)
            return .disabled
        }
        try await record(.success)
        if hasher.needsRehash(account.passwordHash) {
            let stronger = try await hasher.hash(password)
            try await accounts.rehashPassword(id: account.id, from: account.passwordHash, to: stronger)
            account.passwordHash = stronger
        }
        return .success(account)
    }
}
