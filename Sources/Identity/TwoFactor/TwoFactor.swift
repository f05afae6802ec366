import Crypto
import Foundation
import OIDC

/// 雙因子認證綁定 (manual 壹拾) and the code step of a sign-in: binding an authenticator app, checking its codes
/// (±1 step of drift, no replay, a limited number of tries), and ten single-use recovery codes for a lost device.
public struct TwoFactor: Sendable {
    /// Code checks allowed per account in `attemptWindow` (each try is counted before comparing, so that parallel
    /// guesses cannot exceed it; a right code gives the count back). Then the code step waits out the window.
    public static let attemptLimit = 5
    public static let attemptWindow: Int64 = 15 * 60
    public static let recoveryCodeCount = 10
    /// How long the code step of a sign-in waits for its code.
    public static let challengeLifetime: Int64 = 5 * 60

    public enum Check: Sendable, Equatable {
        case accepted(usedRecoveryCode: Bool)
        case wrong
        /// A code from a step already used: someone may have watched it being typed.
        case replayed
        /// Too many wrong codes for now.
        case throttled
        /// No confirmed binding (it was removed meanwhile).
        case notBound
    }

    private let store: any TwoFactorStore
    private let records: any LoginRecordStore
    private let clock: Clock
    private let sealingKey: SymmetricKey
    private let hashKey: Data

    /// `secret` seals the TOTP secrets; `hashKey` keys the hashes of recovery codes.
    public init(store: any TwoFactorStore, records: any LoginRecordStore, clock: Clock, secret: Data, hashKey: Data) {
        self.store = store
        self.records = records
        self.clock = clock
        self.sealingKey = SymmetricKey(data: SHA256.hash(data: secret))
        self.hashKey = hashKey
    }

    // MARK: Binding

    /// Starts binding a new authenticator (or restarts a pending binding); nil when one is already bound.
    public func start(accountID: String) async throws -> Data? {
        let secret = TOTP.newSecret()
        let binding = TwoFactorBinding(
            accountID: accountID, sealedSecret: try seal(secret, accountID: accountID), confirmedAt: nil, enabled: false,
            lastStep: 0, createdAt: clock.now())
        return try await store.startTwoFactor(binding) ? secret : nil
    }

    /// The secret of a binding that is started but not yet confirmed.
    public func pendingSecret(accountID: String) async throws -> Data? {
        guard let binding = try await store.twoFactor(accountID: accountID), !binding.isConfirmed else { return nil }
        return try open(binding.sealedSecret, accountID: accountID)
    }

    public enum Confirmation: Sendable, Equatable {
        /// Bound; these recovery codes are shown once and never again.
        case bound(recoveryCodes: [String])
        case wrong
        case throttled
        /// Nothing pending (finished in another tab, or never started).
        case nothingPending
    }

    /// Checks a code from the device being bound and, when right, confirms the binding.
    public func confirm(accountID: String, code: String) async throws -> Confirmation {
        guard let binding = try await store.twoFactor(accountID: accountID), !binding.isConfirmed,
            let secret = try? open(binding.sealedSecret, accountID: accountID)
        else { return .nothingPending }
        let now = clock.now()
        guard try await reserveAttempt(accountID, now) else { return .throttled }
        guard let step = TOTP.matchingStep(secret: secret, code: code, at: now) else { return .wrong }
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.newRecoveryCode() }
        guard try await store.confirmTwoFactor(
            accountID: accountID, sealedSecret: binding.sealedSecret, step: step,
            recoveryCodeHashes: codes.map { recoveryHash($0, accountID: accountID) }, at: now)
        else { return .nothingPending }
        try await store.clearTwoFactorAttempts(accountID: accountID)
        return .bound(recoveryCodes: codes)
    }

    public func setEnabled(accountID: String, _ enabled: Bool) async throws {
        try await store.setTwoFactorEnabled(accountID: accountID, enabled)
    }

    public func remove(accountID: String) async throws {
        try await store.removeTwoFactor(accountID: accountID)
    }

    public func binding(accountID: String) async throws -> TwoFactorBinding? {
        try await store.twoFactor(accountID: accountID)
    }

    public func recoveryCodesLeft(accountID: String) async throws -> Int {
        try await store.recoveryCodesLeft(accountID: accountID)
    }

    // MARK: Checking a code

    /// Checks a code from the bound device, or a recovery code, and records the attempt in the account's IP
    /// login records (method `totp` or `recovery_code`).
    public func verify(account: Account, code typed: String, ip: String, userAgent: String) async throws -> Check {
        let now = clock.now()
        let compact = Self.compact(typed)
        let isRecoveryCode = compact.count == Self.recoveryCodeLength
        func record(_ outcome: LoginAttempt.Outcome) async throws {
            try await records.recordAttempt(
                LoginAttempt(
                    username: account.username, accountID: account.id, at: now, ip: ip,
                    method: isRecoveryCode ? LoginAttempt.Method.recoveryCode : LoginAttempt.Method.totp, outcome: outcome,
                    userAgent: String(userAgent.prefix(256))))
        }
        guard let binding = try await store.twoFactor(accountID: account.id), binding.isConfirmed,
            let secret = try? open(binding.sealedSecret, accountID: account.id)
        else { return .notBound }
        // Recovery codes (≈49 bits) cannot be guessed, so they skip the per-account count: someone who has the
        // password and keeps the count used up with wrong codes cannot lock the owner out of them.
        if !isRecoveryCode, try await !reserveAttempt(account.id, now) {
            try await record(.throttled)
            return .throttled
        }
        if isRecoveryCode {
            guard try await store.useRecoveryCode(accountID: account.id, hash: recoveryHash(compact, accountID: account.id))
            else {
                try await record(.wrongCode)
                return .wrong
            }
        } else {
            guard let step = TOTP.matchingStep(secret: secret, code: compact, at: now) else {
                try await record(.wrongCode)
                return .wrong
            }
            guard try await store.useTwoFactorStep(accountID: account.id, step: step) else {
                try await record(.replayed)
                return .replayed
            }
        }
        try await store.clearTwoFactorAttempts(accountID: account.id)
        try await record(.success)
        return .accepted(usedRecoveryCode: isRecoveryCode)
    }

    private func reserveAttempt(_ accountID: String, _ now: Int64) async throws -> Bool {
        try await store.reserveTwoFactorAttempt(
            accountID: accountID, windowStart: now - Self.attemptWindow, now: now, limit: Self.attemptLimit)
    }

    // MARK: Recovery codes and sealing

    static let recoveryCodeLength = 10
    /// No 0/o, 1/l/i: the codes are copied by hand.
    private static let recoveryAlphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// Ten characters (about 49 bits), shown as `xxxxx-xxxxx`.
    static func newRecoveryCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<recoveryCodeLength).map { _ in recoveryAlphabet.randomElement(using: &generator)! }
        return String(characters[0..<5]) + "-" + String(characters[5...])
    }

    /// A code as typed, without spaces or dashes, in lower case.
    static func compact(_ typed: String) -> String {
        typed.filter { !$0.isWhitespace && $0 != "-" }.lowercased()
    }

    func recoveryHash(_ code: String, accountID: String) -> String {
        Secrets.hmac("2fa-recovery:\(accountID):\(Self.compact(code))", key: hashKey)
    }

    func seal(_ secret: Data, accountID: String) throws -> String {
        let box = try AES.GCM.seal(secret, using: sealingKey, authenticating: Data(accountID.utf8))
        guard let combined = box.combined else { throw TwoFactorSealError() }
        return combined.base64EncodedString()
    }

    func open(_ sealed: String, accountID: String) throws -> Data {
        guard let combined = Data(base64Encoded: sealed) else { throw TwoFactorSealError() }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: sealingKey, authenticating: Data(accountID.utf8))
    }
}

struct TwoFactorSealError: Error {}
