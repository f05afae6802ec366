import Foundation
import OIDC

/// The rules of recovering and activating an account, apart from the pages: who may receive a code, the
/// personal-data and default-password proofs, and setting the new password (rules, the 24-hour wait, signing
/// out everywhere, and the records).
public struct AccountRecovery: Sendable {
    public enum ResetProblem: Error, Sendable, Equatable {
        case rule(AccountRules.Violation)
        /// The password was set less than 24 hours ago (manual 陸: 需 24 小時後才能再次變更); when it may change.
        case tooSoon(until: Int64)
        /// Activation of an account that is active, or a reset of a disabled one (which must be activated).
        case wrongStatus(Account.Status)
        case accountGone
    }

    /// After a password is set it cannot be changed again for this long.
    public static let changeInterval: Int64 = 86400
    /// Codes sent to one account per day at most: each new code brings five fresh guesses.
    public static let codesPerAccountPerDay = 5
    public static let flowLifetime: Int64 = 1800

    let accounts: any AccountStore
    let lookup: any AccountLookup
    let registry: any RegistryStore
    let events: any AccountEventStore
    let defaults: any DefaultPasswordStore
    let hasher: PasswordHasher
    let clock: Clock
    let key: Data

    public init(
        accounts: any AccountStore, lookup: any AccountLookup, registry: any RegistryStore, events: any AccountEventStore,
        defaults: any DefaultPasswordStore, hasher: PasswordHasher, clock: Clock, key: Data
    ) {
        self.accounts = accounts
        self.lookup = lookup
        self.registry = registry
        self.events = events
        self.defaults = defaults
        self.hasher = hasher
        self.clock = clock
        self.key = key
    }

    /// Where a recovery code goes: the backup e-mail and the mobile, both (manual 陸.1 step 3-4).
    public static func codeRecipients(_ account: Account) -> [(channel: String, to: String)] {
        [account.email.map { ("email", $0) }, account.mobile.map { ("sms", $0) }].compactMap { $0 }
    }

    /// Whether another code may be sent to the account today.
    public func maySendCode(to account: Account) async throws -> Bool {
        let since = clock.now() - 86400
        let sent = try await events.events(accountID: account.id, limit: 50).filter { $0.kind == .recoveryCodeSent && $0.at > since }
        return sent.count < Self.codesPerAccountPerDay
    }

    /// 陸.3 / 柒.2: the newest registry record of this ID is at the chosen school with this name, and the ID has an
    /// account; returns that account (the active one when there is one).
    public func matchPersonalData(name: String, nationalID: String, school: SchoolKey) async throws -> Account? {
        let id = nationalID.trimmingSpaces().uppercased()
        guard NationalID.isValid(id), let record = try await registry.registryRecords(nationalID: id).first,
            record.school == school, record.name == name.trimmingSpaces()
        else { return nil }
        return try await lookup.accounts(nationalID: id).first
    }

    /// 陸.4: spends the account's default password if `typed` is it.
    public func useDefaultPassword(account: Account, typed: String) async throws -> Bool {
        try await defaults.consumeDefaultPassword(
            accountID: account.id, passwordHash: Self.defaultPasswordHash(typed.trimmingSpaces(), accountID: account.id, key: key),
            now: clock.now())
    }

    /// The stored form of a default password: keyed with the server's `code-secret`, and bound to its account.
    public static func defaultPasswordHash(_ password: String, accountID: String, key: Data) -> String {
        Secrets.hmac("default-password:\(accountID):\(password)", key: key)
    }

    /// A new default password: 10 characters from an alphabet without look-alikes (about 58 bits).
    public static func makeDefaultPassword() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// When the account's password may next be changed, if not now.
    public func changeBlockedUntil(_ account: Account) -> Int64? {
        guard let changed = account.passwordChangedAt, clock.now() < changed + Self.changeInterval else { return nil }
        return changed + Self.changeInterval
    }

    /// The rule for the new password: activation asks for the stricter one (柒 step 4-1).
    public static func check(_ password: String, for purpose: Recovery.Purpose) -> AccountRules.Violation? {
        purpose == .activateAccount ? AccountRules.checkStrongPassword(password) : AccountRules.checkPassword(password)
    }

    /// Sets the new password of a proven recovery: checks the rule and the 24-hour wait, stores the hash and the
    /// time, activates the account for an activation, ends every browser session and revokes every grant, and
    /// records it. Returns the account as it now is.
    public func setPassword(
        accountID: String, purpose: Recovery.Purpose, password: String, confirmation: String, ip: String, userAgent: String
    ) async throws -> Result<Account, ResetProblem> {
        guard var account = try await accounts.account(id: accountID) else { return .failure(.accountGone) }
        switch (purpose, account.status) {
        case (.resetPassword, .disabled): return .failure(.wrongStatus(.disabled))
        case (.activateAccount, .active): return .failure(.wrongStatus(.active))
        default: break
        }
        if let until = changeBlockedUntil(account) { return .failure(.tooSoon(until: until)) }
        if let violation = Self.check(password, for: purpose) ?? AccountRules.checkConfirmation(password, confirmation) {
            return .failure(.rule(violation))
        }
        let now = clock.now()
        account.passwordHash = try await hasher.hash(password)
        account.passwordChangedAt = now
        account.updatedAt = now
        try await accounts.updateAccount(account)
        try await accounts.endSessionsAndGrants(accountID: account.id, at: now)
        if purpose == .activateAccount {
            try await accounts.setAccountStatus(id: account.id, .active, at: now)
            account.status = .active
        }
        try await events.recordEvent(
            AccountEvent(
                accountID: account.id, at: now, kind: purpose == .activateAccount ? .accountActivated : .passwordReset, ip: ip,
                userAgent: userAgent))
        return .success(account)
    }
}
