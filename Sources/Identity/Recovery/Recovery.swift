import OIDC

/// One attempt to recover an account (忘記密碼, manual 陸) or to activate a disabled one (啟用帳號, manual 柒):
/// server-side state bound to the browser, like an account application. It records how the student proved who
/// they are; only a proven recovery reaches the new-password step, and it is spent by the reset.
public struct Recovery: BrowserBoundFlow, Codable, Equatable {
    public enum Purpose: String, Sendable, Codable {
        case resetPassword = "reset"
        case activateAccount = "activate"

        public var codePurpose: VerificationCode.Purpose { self == .resetPassword ? .resetPassword : .activateAccount }
    }

    /// How the student proves who they are.
    public enum Method: String, Sendable, Codable {
        /// 傳送驗證碼: a code to the backup e-mail and the mobile.
        case code
        /// 使用個人基本資料: school, name and ID number, checked against the registry.
        case personalData = "personal"
        /// 使用預設密碼: the one-time default password from the school's data-management platform.
        case defaultPassword = "default"
        /// 使用縣市帳號: a sign-in at the county (manual 陸.2); the recovery is proven when it is created.
        case county
    }

    public var id: String
    public var browserHash: String
    public var purpose: Purpose
    public var method: Method
    /// The account the proof is about; nil while unknown, and for a code sent to nobody (an account name that
    /// does not exist gets the same page, so that the page reveals nothing).
    public var accountID: String?
    /// The account name the student typed (way 1), to prefill 「收不到驗證碼，聯絡我們」.
    public var typedUsername: String?
    /// When the code was requested (way 1): the code page needs it, whether or not the account exists.
    public var codeRequestedAt: Int64?
    /// Set once the proof succeeded; only then may the password be set.
    public var provenAt: Int64?
    /// Set by the reset: a recovery sets one password, once.
    public var completedAt: Int64?
    public var expiresAt: Int64
    /// The school chosen for the personal-data proof.
    public var county: String?
    public var district: String?
    public var level: SchoolLevel?
    public var schoolCode: String?

    public init(id: String, browserHash: String, purpose: Purpose, method: Method, expiresAt: Int64) {
        self.id = id
        self.browserHash = browserHash
        self.purpose = purpose
        self.method = method
        self.expiresAt = expiresAt
    }

    /// The steps, in order, each reachable only when the state allows it.
    public enum Step: String, Sendable, CaseIterable {
        case send, code, school, personal, defaultPassword = "default", reset, done
    }

    public func canShow(_ step: Step) -> Bool {
        switch step {
        case .send: method == .code && provenAt == nil
        case .code: method == .code && codeRequestedAt != nil && provenAt == nil
        case .school: method == .personalData && provenAt == nil
        case .personal: method == .personalData && school != nil && provenAt == nil
        case .defaultPassword: method == .defaultPassword && provenAt == nil
        case .reset: provenAt != nil && accountID != nil && completedAt == nil
        case .done: completedAt != nil
        }
    }

    /// Where the recovery stands now.
    public var currentStep: Step {
        if completedAt != nil { return .done }
        if provenAt != nil { return .reset }
        switch method {
        case .code: return codeRequestedAt == nil ? .send : .code
        case .personalData: return school == nil ? .school : .personal
        case .defaultPassword: return .defaultPassword
        case .county: return .reset
        }
    }

    public var school: SchoolKey? {
        guard let schoolCode, let level else { return nil }
        return SchoolKey(code: schoolCode, level: level)
    }
}

public protocol RecoveryStore: Sendable {
    func saveRecovery(_ recovery: Recovery) async throws
    func recovery(id: String) async throws -> Recovery?
    /// Removes the recovery and returns it: of several concurrent callers exactly one gets it (a proven recovery
    /// sets one password, once).
    func takeRecovery(id: String) async throws -> Recovery?
}

/// A one-time default password issued by the school's data-management platform (`edu-sso admin
/// default-password`). Only its keyed hash is stored; it works once, until it expires.
public struct DefaultPassword: Sendable, Equatable {
    public var accountID: String
    public var passwordHash: String
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(accountID: String, passwordHash: String, createdAt: Int64, expiresAt: Int64) {
        self.accountID = accountID
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public protocol DefaultPasswordStore: Sendable {
    /// Replaces any earlier default password of the account.
    func saveDefaultPassword(_ password: DefaultPassword) async throws
    /// Deletes the account's default password if it has this hash and is live; true for exactly one of several
    /// concurrent callers.
    func consumeDefaultPassword(accountID: String, passwordHash: String, now: Int64) async throws -> Bool
    /// The accounts of the students a school's registry lists (optionally one class, or one student), for issuing
    /// default passwords: (account, registry record) pairs.
    func accountsForDefaultPasswords(schoolCode: String, classNo: String?, nationalID: String?) async throws
        -> [(Account, RegistryRecord)]
}
