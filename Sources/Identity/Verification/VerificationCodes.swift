import Foundation
import OIDC

/// A code sent to an e-mail address or mobile number to prove the person controls it (profile changes now;
/// password reset and account recovery later). Only the code's hash is stored.
public struct VerificationCode: Sendable, Codable, Equatable {
    public enum Purpose: String, Sendable, Codable {
        case changeEmail = "change_email"
        case changeMobile = "change_mobile"
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
    /// Deletes the code if it still has this hash; true for exactly one of several concurrent callers.
    func consumeVerificationCode(id: String, codeHash: String) async throws -> Bool
    func deleteVerificationCodes(accountID: String) async throws
}

/// Issues and checks verification codes: six digits, ten minutes, five attempts.
public struct VerificationCodes: Sendable {
    public static let lifetime: Int64 = 600
    public static let maxAttempts = 5

    let store: any VerificationCodeStore
    let clock: Clock

    public init(store: any VerificationCodeStore, clock: Clock) {
        self.store = store
        self.clock = clock
    }

    /// Creates a code and returns it, to be sent; any earlier code for the same purpose is replaced.
    public func issue(accountID: String, purpose: VerificationCode.Purpose, target: String) async throws -> String {
        let code = String(format: "%06d", Int.random(in: 0...999_999))
        try await store.saveVerificationCode(
            VerificationCode(
                id: "\(accountID):\(purpose.rawValue)", accountID: accountID, purpose: purpose, target: target,
                codeHash: Self.hash(code, accountID: accountID), expiresAt: clock.now() + Self.lifetime))
        return code
    }

    public func pending(accountID: String) async throws -> [VerificationCode] {
        try await store.verificationCodes(accountID: accountID).filter {
            $0.expiresAt > clock.now() && $0.attempts < Self.maxAttempts
        }
    }

    /// Checks `answer` against the pending code. Every check spends an attempt before it compares (so parallel
    /// guesses cannot exceed the limit), and a right answer consumes the code (so it works once).
    public func check(_ code: VerificationCode, answer: String) async throws -> Bool {
        guard let storedHash = try await store.claimVerificationAttempt(id: code.id, now: clock.now(), maxAttempts: Self.maxAttempts)
        else { return false }
        guard Secrets.constantTimeEquals(Self.hash(answer.trimmingSpaces(), accountID: code.accountID), storedHash) else {
            return false
        }
        return try await store.consumeVerificationCode(id: code.id, codeHash: storedHash)
    }

    public func clear(accountID: String) async throws {
        try await store.deleteVerificationCodes(accountID: accountID)
    }

    /// Salted with the account so equal codes of different people hash differently.
    static func hash(_ code: String, accountID: String) -> String {
        Secrets.hash("verification:\(accountID):\(code)")
    }
}
