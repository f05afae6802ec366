import OIDC

/// Storage the identity domain needs; implemented once in module Storage.

/// Why an account could not be stored: the database enforces both rules, so they hold under concurrent requests.
public enum AccountConflict: Error, Sendable, Equatable {
    case usernameTaken
    /// The registry record (national ID) already has an active account.
    case nationalIDHasActiveAccount
}

public protocol AccountStore: Sendable {
    func account(id: String) async throws -> Account?
    func account(username: String) async throws -> Account?
    /// Throws `AccountConflict` when the username is taken or the national ID already has an active account.
    func insertAccount(_ account: Account) async throws
    /// Writes everything but the status and the password (each has its own conditional write, so that a caller
    /// holding an old copy can never undo a disable or a reset). Throws `AccountConflict.nationalIDHasActiveAccount`
    /// when the change would give an active account a national ID another active account has.
    func updateAccount(_ account: Account) async throws
    /// Replaces the password hash only if it is still `oldHash` (a sign-in re-hashing with stronger parameters).
    func rehashPassword(id: String, from oldHash: String, to newHash: String) async throws
    /// Sets a password chosen through recovery, in one transaction: only if no password was set after
    /// `notChangedSince` (the 24-hour rule, held under concurrent resets), and for `activate` only if the account
    /// is disabled, may be self-activated, and no other active account has its national ID. Then ends every
    /// session, revokes every grant, and deletes the account's default password and pending codes. Returns the
    /// apps signed in to the ended sessions (to be sent a back-channel logout), or nil when a condition failed
    /// (nothing changed).
    func applyRecoveredPassword(
        id: String, hash: String, at: Int64, notChangedSince: Int64, activate: Bool
    ) async throws -> [SignedInApp]?
    /// Disabling also ends every browser session and revokes every grant, in the same transaction, so that
    /// enabling the account later brings none of them back. Enabling throws
    /// `AccountConflict.nationalIDHasActiveAccount` when another active account has the same national ID.
    /// `blockSelfActivation` (when disabling): 啟用帳號 may not re-enable it; only an operator can. Returns the
    /// apps signed in to the sessions a disable ended (to be sent a back-channel logout).
    @discardableResult
    func setAccountStatus(id: String, _ status: Account.Status, at: Int64, blockSelfActivation: Bool) async throws
        -> [SignedInApp]
    /// Signs the account out everywhere: its browser sessions end and its grants (with their refresh tokens,
    /// and the access tokens tied to them) are revoked. Returns the apps signed in to the ended sessions.
    @discardableResult
    func endSessionsAndGrants(accountID: String, at: Int64) async throws -> [SignedInApp]
}

/// One attempt to sign in, successful or not (the IP login record page shows these).
public struct LoginAttempt: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case success
        case badCredentials = "bad_credentials"
        case throttled
        case locked
        case disabled
        /// A wrong two-factor or recovery code.
        case wrongCode = "wrong_code"
        /// A two-factor code from a step already used.
        case replayed
    }

    /// How the attempt authenticated (the IP login records show it).
    public enum Method {
        public static let password = "password"
        public static let totp = "totp"
        public static let recoveryCode = "recovery_code"
        /// A sign-in through a county provider (縣市帳號): `county:<code>`.
        public static func county(_ code: String) -> String { "county:\(code)" }
    }

    public var username: String
    public var accountID: String?
    public var at: Int64
    public var ip: String
    public var method: String
    public var outcome: Outcome
    public var userAgent: String

    public init(
        username: String, accountID: String?, at: Int64, ip: String, method: String, outcome: Outcome, userAgent: String
    ) {
        self.username = username
        self.accountID = accountID
        self.at = at
        self.ip = ip
        self.method = method
        self.outcome = outcome
        self.userAgent = userAgent
    }
}

/// A successful sign-in to an app (the app login record page shows these).
public struct AppSignIn: Sendable, Codable, Equatable {
    public var accountID: String
    public var clientID: String
    public var at: Int64
    public var ip: String
    public var userAgent: String
    /// How the student signed in: `LoginAttempt.Method` (password, totp, county:<code>).
    public var method: String

    public init(accountID: String, clientID: String, at: Int64, ip: String, userAgent: String, method: String) {
        self.accountID = accountID
        self.clientID = clientID
        self.at = at
        self.ip = ip
        self.userAgent = userAgent
        self.method = method
    }
}

public protocol LoginRecordStore: Sendable {
    func recordAttempt(_ attempt: LoginAttempt) async throws
    /// Times of failed attempts for a username since `since`, newest first, stopping at the last success.
    func recentFailures(username: String, since: Int64) async throws -> [Int64]
    /// Times of failed attempts from an address since `since`, newest first; successes do not reset them.
    func recentFailures(ip: String, since: Int64) async throws -> [Int64]
    func attempts(accountID: String, limit: Int) async throws -> [LoginAttempt]
    /// Writes a batch in one transaction (the batched record writer calls this, off the request path).
    func recordAppSignIns(_ signIns: [AppSignIn]) async throws
    func appSignIns(accountID: String, limit: Int) async throws -> [AppSignIn]
}

/// An app the student has authorized (應用服務授權清單).
public struct Consent: Sendable, Equatable {
    public var clientID: String
    public var scopes: Set<String>
    /// When the student first authorized the app (later approvals of more scopes keep it).
    public var firstGrantedAt: Int64
    /// The student's latest sign-in to the app, while the app login records still hold one.
    public var lastUsedAt: Int64?

    public init(clientID: String, scopes: Set<String>, firstGrantedAt: Int64, lastUsedAt: Int64?) {
        self.clientID = clientID
        self.scopes = scopes
        self.firstGrantedAt = firstGrantedAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The scopes an account has approved for an app.
public protocol ConsentStore: Sendable {
    func consentedScopes(accountID: String, clientID: String) async throws -> Set<String>
    func saveConsent(accountID: String, clientID: String, scopes: Set<String>, at: Int64) async throws
    /// Every app the account has authorized (a consent, or live grants without one), the most recently used first.
    func consents(accountID: String) async throws -> [Consent]
    /// 取消授權: removes the consents for `clientIDs` and, in the same transaction, spends the account's unredeemed
    /// codes for those apps and revokes every live grant it has with them (their refresh tokens are deleted;
    /// their access tokens stop working because their grant is revoked). Returns the apps that lost something.
    func revokeConsents(accountID: String, clientIDs: [String], at: Int64) async throws -> [String]
}

/// Something that happened to an account besides a sign-in: the account records show these.
public struct AccountEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// 忘記帳號: someone looked the account up by its ID number (the number itself is not recorded).
        case accountLookedUp = "account_looked_up"
        case recoveryCodeSent = "recovery_code_sent"
        /// A wrong recovery code or default password for this account.
        case recoveryProofFailed = "recovery_proof_failed"
        /// Personal data (school, name) that did not match this account's ID number: counted per ID for a day.
        case personalDataMismatch = "personal_data_mismatch"
        /// A recovery proof succeeded (code, personal data or default password).
        case recoveryProven = "recovery_proven"
        case defaultPasswordIssued = "default_password_issued"
        case passwordReset = "password_reset"
        case accountActivated = "account_activated"
        /// An authenticator was bound, two-factor sign-in turned on, or the binding removed (by the student or
        /// by an operator with `edu-sso account remove-2fa`).
        case twoFactorBound = "two_factor_bound"
        case twoFactorEnabled = "two_factor_enabled"
        case twoFactorRemoved = "two_factor_removed"
    }

    public var accountID: String
    public var at: Int64
    public var kind: Kind
    public var ip: String
    public var userAgent: String

    public init(accountID: String, at: Int64, kind: Kind, ip: String, userAgent: String) {
        self.accountID = accountID
        self.at = at
        self.kind = kind
        self.ip = ip
        self.userAgent = String(userAgent.prefix(256))
    }
}

public protocol AccountEventStore: Sendable {
    func recordEvent(_ event: AccountEvent) async throws
    /// Newest first.
    func events(accountID: String, limit: Int) async throws -> [AccountEvent]
    /// How many events of `kind` the account had since `since` (from `ip` only, when given).
    func eventCount(accountID: String, kind: AccountEvent.Kind, since: Int64, ip: String?) async throws -> Int
}

extension AccountStore {
    @discardableResult
    public func setAccountStatus(id: String, _ status: Account.Status, at: Int64) async throws -> [SignedInApp] {
        try await setAccountStatus(id: id, status, at: at, blockSelfActivation: false)
    }
}
