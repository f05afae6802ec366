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
        /// An operator disabled the account and allowed no self-activation.
        case selfActivationBlocked
        /// Another reset or activation of the account won the race; nothing changed.
        case changedMeanwhile
        /// Activation would make a second active account for one ID number.
        case anotherActiveAccount
        case accountGone
    }

    /// After a password is set it cannot be changed again for this long.
    public static let changeInterval: Int64 = 86400
    /// Codes sent to one account per day at most (each new code brings five fresh guesses), and per day from one
    /// address, so that a stranger cannot use up the owner's codes alone.
    public static let codesPerAccountPerDay = 10
    public static let codesPerAccountAndAddressPerDay = 3
    /// Failed personal-data proofs per ID number and day; then only the code way (or 聯絡我們) is left.
    public static let personalDataFailuresPerDay = 5
    /// Outlives the recovery code inside it (an hour), so that a slow message still arrives in time.
    public static let flowLifetime: Int64 = 3600 + 900

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

    /// Whether another code may be sent to the account today, asked from `ip`.
    public func maySendCode(to account: Account, from ip: String) async throws -> Bool {
        let since = clock.now() - 86400
        let sent = try await events.eventCount(accountID: account.id, kind: .recoveryCodeSent, since: since, ip: nil)
        let sentHere = try await events.eventCount(accountID: account.id, kind: .recoveryCodeSent, since: since, ip: ip)
        return sent < Self.codesPerAccountPerDay && sentHere < Self.codesPerAccountAndAddressPerDay
    }

    public enum PersonalDataOutcome: Sendable, Equatable {
        case matched(Account)
        case noMatch
        /// Too many failed tries for this ID number today.
        case exhausted
    }

    /// 陸.3 / 柒.2: the newest registry record of this ID is an enrolled student at the chosen school with this
    /// name, and the ID has an account (the active one first). Failures count against the ID's accounts for a day,
    /// in the database, so that trying every school for a known name and ID stops after a few.
    public func matchPersonalData(name: String, nationalID: String, school: SchoolKey, ip: String, userAgent: String)
        async throws -> PersonalDataOutcome
    {
        let id = nationalID.trimmingSpaces().uppercased()
        guard NationalID.isValid(id) else { return .noMatch }
        let accounts = try await lookup.accounts(nationalID: id)
        let since = clock.now() - 86400
        for account in accounts {
            let failures = try await events.eventCount(accountID: account.id, kind: .personalDataMismatch, since: since, ip: nil)
            if failures >= Self.personalDataFailuresPerDay { return .exhausted }
        }
        if let record = try await registry.registryRecords(nationalID: id).first, record.status == .enrolled,
            record.school == school, record.name == name.trimmingSpaces(), let account = accounts.first
        {
            return .matched(account)
        }
        for account in accounts {
            try await events.recordEvent(
                AccountEvent(accountID: account.id, at: clock.now(), kind: .personalDataMismatch, ip: ip, userAgent: userAgent))
        }
        return .noMatch
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

    /// Sets the new password of a proven recovery: checks the rule and the 24-hour wait, then stores the hash in
    /// one conditional write that also activates the account (for an activation), ends every session, revokes
    /// every grant and deletes what else could open the account (default password, pending codes); of two
    /// concurrent resets exactly one wins. Records it. Returns the account as it now is, and the apps signed in
    /// to the sessions it ended.
    public func setPassword(
        accountID: String, purpose: Recovery.Purpose, password: String, confirmation: String, ip: String, userAgent: String
    ) async throws -> Result<RecoveredPassword, ResetProblem> {
        guard let account = try await accounts.account(id: accountID) else { return .failure(.accountGone) }
        switch (purpose, account.status) {
        case (.resetPassword, .disabled): return .failure(.wrongStatus(.disabled))
        case (.activateAccount, .active): return .failure(.wrongStatus(.active))
        default: break
        }
        if purpose == .activateAccount && account.selfActivationBlocked { return .failure(.selfActivationBlocked) }
        if purpose == .activateAccount, let nationalID = account.nationalID,
            try await lookup.accounts(nationalID: nationalID).contains(where: { $0.id != account.id && $0.status == .active })
        {
            return .failure(.anotherActiveAccount)
        }
        if let until = changeBlockedUntil(account) { return .failure(.tooSoon(until: until)) }
        if let violation = Self.check(password, for: purpose) ?? AccountRules.checkConfirmation(password, confirmation) {
            return .failure(.rule(violation))
        }
        let now = clock.now()
        guard let signedOut = try await accounts.applyRecoveredPassword(
            id: account.id, hash: try await hasher.hash(password), at: now, notChangedSince: now - Self.changeInterval,
            activate: purpose == .activateAccount)
        else { return .failure(.changedMeanwhile) }
        // The password is set and the sessions ended: nothing after this may throw, or the apps signed in to
        // those sessions would never be told. A failure to record the event is handed to the caller to log.
        var eventNotRecorded: String?
        do {
            try await events.recordEvent(
                AccountEvent(
                    accountID: account.id, at: now, kind: purpose == .activateAccount ? .accountActivated : .passwordReset,
                    ip: ip, userAgent: userAgent))
        } catch {
            eventNotRecorded = "\(type(of: error))"
        }
        var changed = account
        changed.passwordChangedAt = now
        if purpose == .activateAccount { changed.status = .active }
        let updated = (try? await accounts.account(id: account.id)) ?? changed
        return .success(RecoveredPassword(account: updated, signedOutApps: signedOut, eventNotRecorded: eventNotRecorded))
    }
}

/// A password set through recovery.
public struct RecoveredPassword: Sendable {
    /// The account as it now is.
    public var account: Account
    /// The apps signed in to the sessions the new password ended: each is sent a back-channel logout.
    public var signedOutApps: [SignedInApp]
    /// The type of the error that kept the change out of the account's records, if one did (the change stands).
    public var eventNotRecorded: String?
}
