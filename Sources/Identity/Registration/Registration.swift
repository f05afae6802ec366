/// An account application in progress (manual 壹.2, steps 1–9), as an explicit state machine. The web layer
/// keeps one per browser and moves it only through these transitions; each step can be revisited with
/// 回上一頁 without losing what was chosen.
public struct Registration: Sendable, Codable, Equatable {
    public enum Step: String, Sendable, Codable, CaseIterable {
        /// 2: 身份別
        case identity
        /// 3-1 … 3-5: 縣市 → 行政區 → 學制 → 學校
        case school
        /// 4: county account (4-1) or personal data (4-2)
        case method
        /// 4-2-1 … 4-2-4: 姓名, 身分證字號, 驗證碼
        case personal
        /// 5: the registry data, to confirm
        case confirm
        /// 6: 個資蒐集告知聲明同意書
        case consent
        /// 7-1 … 7-7: account, password, e-mail, mobile
        case account
        /// 8: 完成註冊 or 我想修改
        case summary
        /// 9: 新建帳號成功！
        case done
    }

    public var id: String
    public var browserHash: String
    public var step: Step = .identity
    public var county: String?
    public var district: String?
    public var level: SchoolLevel?
    public var schoolCode: String?
    public var name: String?
    /// Kept only while the application is open, and never shown back in full.
    public var nationalID: String?
    public var record: RegistryRecord?
    public var username: String?
    public var email: String?
    public var mobile: String?
    /// Argon2id hash of the chosen password: the password itself is never stored, not even here.
    public var passwordHash: String?
    /// The personal-data consent of step 6, with the version of the text agreed to.
    public var consent: PersonalDataConsent?
    /// Step 4-1: the account name suggested from the county account (`<county account>.<county code>`).
    public var countySuggestion: String?
    public var expiresAt: Int64
    /// The steps submitted in this application (stored optional: applications saved before it existed decode).
    private var submitted: Set<Step>?

    public init(id: String, browserHash: String, expiresAt: Int64) {
        self.id = id
        self.browserHash = browserHash
        self.expiresAt = expiresAt
    }

    public var school: SchoolKey? {
        guard let schoolCode, let level else { return nil }
        return SchoolKey(code: schoolCode, level: level)
    }

    /// 回上一頁: the step before this one.
    public var previous: Step {
        switch step {
        case .identity, .school: .identity
        case .method: .school
        case .personal: .method
        case .confirm: .personal
        case .consent: .confirm
        case .account: .consent
        case .summary: .account
        case .done: .done
        }
    }

    /// Whether `step` was submitted in this application.
    public func hasCompleted(_ step: Step) -> Bool { submitted?.contains(step) ?? false }

    /// Records that `step` was submitted. When what it decides changed (another school, another registry
    /// record, consent withdrawn), every later step must be done again.
    public mutating func complete(_ step: Step, changedLaterSteps: Bool = false) {
        if changedLaterSteps { reopen(after: step) }
        submitted = (submitted ?? []).union([step])
    }

    /// Forgets the submissions of every step after `step`.
    public mutating func reopen(after step: Step) {
        let order = Step.allCases
        guard let index = order.firstIndex(of: step) else { return }
        submitted = (submitted ?? []).subtracting(order[(index + 1)...])
        if index < order.firstIndex(of: .consent)! { consent = nil }
        // The suggestion came with a county's answer at step 4; another school or way voids it.
        if index < order.firstIndex(of: .personal)! { countySuggestion = nil }
    }

    /// Whether `target` may be shown or submitted: every step before it was completed in this application, and
    /// the data it needs is there. Nothing can be reached by URL or by a forged POST without its predecessors.
    public func canShow(_ target: Step) -> Bool {
        let order = Step.allCases
        let index = order.firstIndex(of: target)!
        guard order[..<index].allSatisfy({ $0 == .identity || hasCompleted($0) }) else { return false }
        switch target {
        case .identity, .school: return true
        case .method, .personal: return school != nil
        case .confirm: return record != nil
        case .consent: return record != nil
        case .account: return record != nil && consent != nil
        case .summary: return record != nil && consent != nil && passwordHash != nil && username != nil
        case .done: return step == .done
        }
    }
}

/// Agreement to the 個資蒐集告知聲明 (manual 壹.2 step 6): which text, and when.
public struct PersonalDataConsent: Sendable, Codable, Equatable {
    public var textVersion: String
    public var at: Int64

    public init(textVersion: String, at: Int64) {
        self.textVersion = textVersion
        self.at = at
    }
}

public protocol RegistrationStore: Sendable {
    func saveRegistration(_ registration: Registration) async throws
    func registration(id: String) async throws -> Registration?
    func deleteRegistration(id: String) async throws
}

/// Server-side state of a multi-page flow (an account application, a recovery), usable only by the browser
/// that started it and only until it expires.
public protocol BrowserBoundFlow: Sendable {
    var browserHash: String { get }
    var expiresAt: Int64 { get }
}

extension Registration: BrowserBoundFlow {}
