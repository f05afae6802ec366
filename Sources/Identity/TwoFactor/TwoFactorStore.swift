import OIDC

/// An account's authenticator binding (雙因子認證綁定). The TOTP secret is needed in the clear to check codes, so it
/// is stored sealed (AES-GCM under a server secret, bound to the account) rather than hashed.
public struct TwoFactorBinding: Sendable, Equatable {
    public var accountID: String
    public var sealedSecret: String
    /// Nil while the binding is started but no code from the device has proven it yet.
    public var confirmedAt: Int64?
    /// 「啟用雙因子驗證」: sign-in asks for a code only once the student turns it on.
    public var enabled: Bool
    /// The last time step whose code was accepted: a code from it, or from any earlier step, is a replay.
    public var lastStep: Int64
    public var createdAt: Int64

    public init(
        accountID: String, sealedSecret: String, confirmedAt: Int64?, enabled: Bool, lastStep: Int64, createdAt: Int64
    ) {
        self.accountID = accountID
        self.sealedSecret = sealedSecret
        self.confirmedAt = confirmedAt
        self.enabled = enabled
        self.lastStep = lastStep
        self.createdAt = createdAt
    }

    public var isConfirmed: Bool { confirmedAt != nil }
}

/// Every write that guards a single use or a counter is one conditional statement, so that it holds under
/// concurrent requests and across nodes.
public protocol TwoFactorStore: Sendable {
    func twoFactor(accountID: String) async throws -> TwoFactorBinding?
    /// Starts a binding, replacing a pending one; false (nothing changed) when a confirmed binding exists.
    func startTwoFactor(_ binding: TwoFactorBinding) async throws -> Bool
    /// Confirms the pending binding whose secret is still `sealedSecret` (a binding restarted in another tab is
    /// not confirmed with the old secret), records `step` as used and replaces the recovery codes; false when
    /// there was no such pending binding.
    func confirmTwoFactor(
        accountID: String, sealedSecret: String, step: Int64, recoveryCodeHashes: [String], at: Int64
    ) async throws -> Bool
    func setTwoFactorEnabled(accountID: String, _ enabled: Bool) async throws
    /// Removes the binding and its recovery codes.
    func removeTwoFactor(accountID: String) async throws
    /// Records `step` as used if it is later than the last used step; false for a replay.
    func useTwoFactorStep(accountID: String, step: Int64) async throws -> Bool
    /// Spends a recovery code; false when no unused code has this hash.
    func useRecoveryCode(accountID: String, hash: String) async throws -> Bool
    func recoveryCodesLeft(accountID: String) async throws -> Int
    /// Reserves one code attempt in the current window (one that began after `windowStart`; an older window
    /// starts again at `now`); false when `limit` attempts were already made in it.
    func reserveTwoFactorAttempt(accountID: String, windowStart: Int64, now: Int64, limit: Int) async throws -> Bool
    /// A right code gives the attempts back.
    func clearTwoFactorAttempts(accountID: String) async throws
}

/// The second step of a sign-in: the password was right and the account asks for a code. Until the code step
/// passes there is no session at all, only this state, bound to the browser and short-lived.
public struct SignInChallenge: BrowserBoundFlow, Codable, Equatable {
    public var id: String
    public var browserHash: String
    public var accountID: String
    /// The authorization waiting for this sign-in, if any.
    public var interactionID: String?
    /// Otherwise, the account page to continue to (a path on this server).
    public var destination: String?
    /// A fingerprint of the password hash the password step checked: a password changed since then voids the
    /// challenge, even within the same second.
    public var passwordFingerprint: String
    /// How the first step authenticated (`pwd`, or `fed` for a county sign-in) and, for a county, its issuer.
    public var firstFactor: [String]?
    public var idp: String?
    public var expiresAt: Int64

    public init(
        id: String, browserHash: String, accountID: String, interactionID: String?, destination: String?,
        passwordFingerprint: String, expiresAt: Int64
    ) {
        self.id = id
        self.browserHash = browserHash
        self.accountID = accountID
        self.interactionID = interactionID
        self.destination = destination
        self.passwordFingerprint = passwordFingerprint
        self.expiresAt = expiresAt
    }
}

public protocol SignInChallengeStore: Sendable {
    func saveChallenge(_ challenge: SignInChallenge) async throws
    func challenge(id: String) async throws -> SignInChallenge?
    /// Deletes and returns it: of two concurrent right answers, one gets the challenge.
    func takeChallenge(id: String) async throws -> SignInChallenge?
}

extension SignInChallenge {
    /// What `passwordFingerprint` holds for a password hash (its SHA-256; the hash itself stays in the accounts
    /// table).
    public static func fingerprint(ofPasswordHash hash: String) -> String { Secrets.hash(hash) }
}
