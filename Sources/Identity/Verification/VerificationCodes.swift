import Foundation
import OIDC

/// A code sent to an e-mail address or mobile number to prove the person controls it: a profile change, or
/// account recovery (reset password, activate account). Only the code's keyed hash is stored.
public struct VerificationCode: Sendable, Codable, Equatable {
    public enum Purpose: String, Sendable, Codable, CaseIterable {
        case changeEmail = "change_email"
        case changeMobile = "change_mobile"
        /// 忘記密碼 way 1: one code sent to both the backup e-mail and the mobile.
        case resetPassword = "reset_password"
        /// 啟用帳號 way 1.
        case activateAccount = "activate_account"

        /// How long a code lives: ten minutes for a profile change (the student is at the page), an hour for
        /// recovery (the manual's rule; the message may be slow).
        public var lifetime: Int64 {
            switch self {
            case .changeEmail, .changeMobile: 600
            case .resetPassword, .activateAccount: 3600
            }
        }
    }

    public var id: String
    public var accountID: String
    public var purpose: Purpose
    /// The address or number the code went to, and that the change will set.
    public var target: String
    public var codeHash: String
    public var expiresAt: Int64
    public var attempts: Int

    public init(
        id: String, accountID: String, purpose: Purpose, target: String, codeHash: String, expiresAt: Int64, attempts: Int = 0
    ) {
        self.id = id
        self.accountID = accountID
        self.purpose = purpose
        self.target = target
        self.codeHash = codeHash
        self.expiresAt = expiresAt
        self.attempts = attempts
    }
}

public protocol VerificationCodeStore: Sendable {
    func saveVerificationCode(_ code: VerificationCode) async throws
    func verificationCodes(accountID: String) async throws -> [VerificationCode]
    /// Atomically spends one attempt on a live code: returns its hash when the attempt was granted, nil when the
    /// code is gone, expired or out of attempts. Concurrent guesses can never spend more than `maxAttempts`.
    func claimVerificationAttempt(id: String, now: Int64, maxAttempts: Int) async throws -> String?
    /// Deletes the code if it still has this hash and returns the target it was sent for; non-nil for exactly one
    /// of several concurrent callers.
    func consumeVerificationCode(id: String, codeHash: String) async throws -> String?
    func deleteVerificationCodes(accountID: String) async throws
}

/// Issues and checks verification codes: six digits, each purpose's lifetime, five attempts. Codes are stored as
/// HMAC-SHA-256 under a server secret: a million possible codes would fall to anyone reading the table if the
/// hash were unkeyed.
public struct VerificationCodes: Sendable {
    public static let maxAttempts = 5

    let store: any VerificationCodeStore
    let clock: Clock
    private let key: Data

    public init(store: any VerificationCodeStore, clock: Clock, key: Data) {
        self.store = store
        self.clock = clock
        self.key = key
    }

    /// The id of the account's code for `purpose` (within `scope`, such as one recovery).
    public static func id(accountID: String, purpose: VerificationCode.Purpose, scope: String? = nil) -> String {
        "\(accountID):\(purpose.rawValue)" + (scope.map { ":" + $0 } ?? "")
    }

    /// Creates a code and returns it, to be sent; any earlier code for the same purpose (and scope) is replaced.
    /// A recovery scopes its code to itself, so that a stranger asking for a code cannot replace or use up the
    /// code the owner is typing.
    public func issue(accountID: String, purpose: VerificationCode.Purpose, target: String, scope: String? = nil) async throws
        -> String
    {
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        try await store.saveVerificationCode(
            VerificationCode(
                id: Self.id(accountID: accountID, purpose: purpose, scope: scope), accountID: accountID, purpose: purpose,
                target: target,
                codeHash: hash(code, accountID: accountID), expiresAt: clock.now() + purpose.lifetime))
        return code
    }

    /// The live codes of an account, optionally only those of `purposes`.
    public func pending(accountID: String, purposes: Set<VerificationCode.Purpose> = Set(VerificationCode.Purpose.allCases))
        async throws -> [VerificationCode]
    {
        try await store.verificationCodes(accountID: accountID).filter {
            $0.expiresAt > clock.now() && $0.attempts < Self.maxAttempts && purposes.contains($0.purpose)
        }
    }

    /// Checks `answer` against the pending code and returns the target the consumed code was sent for, or nil.
    /// Every check spends an attempt before it compares (so parallel guesses cannot exceed the limit), and a
    /// right answer consumes the code (so it works once). The target comes from the row actually consumed, not
    /// from the copy the caller read earlier.
    public func check(_ code: VerificationCode, answer: String) async throws -> String? {
        guard let storedHash = try await store.claimVerificationAttempt(id: code.id, now: clock.now(), maxAttempts: Self.maxAttempts)
        else { return nil }
        guard Secrets.constantTimeEquals(hash(answer.trimmingSpaces(), accountID: code.accountID), storedHash) else {
            return nil
        }
        return try await store.consumeVerificationCode(id: code.id, codeHash: storedHash)
    }

    public func clear(accountID: String) async throws {
        try await store.deleteVerificationCodes(accountID: accountID)
    }

    /// Keyed, and bound to the account so that equal codes of different people hash differently.
    func hash(_ code: String, accountID: String) -> String {
        Secrets.hmac("verification:\(accountID):\(code)", key: key)
    }
}
