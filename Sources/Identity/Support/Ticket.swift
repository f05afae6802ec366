import Foundation
import OIDC

/// 聯絡我們 (manual 壹拾壹): a question for customer service. The ID number is kept only when the student typed
/// it into the identifier field, and operators see it masked unless they ask for it.
public struct Ticket: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable {
        case schoolMissing = "school_missing"
        case registryMissing = "registry_missing"
        case dataWrong = "data_wrong"
        case noCode = "no_code"
        case account
        case other

        /// The manual's wording, and English.
        public var label: (zh: String, en: String) {
            switch self {
            case .schoolMissing: ("我找不到我的學校", "I cannot find my school")
            case .registryMissing: ("查無資料", "No matching record")
            case .dataWrong: ("資料異常", "My data are wrong")
            case .noCode: ("收不到驗證碼", "No verification code arrived")
            case .account: ("帳號問題", "Account problem")
            case .other: ("其他", "Other")
            }
        }

        /// The 問題描述 template the student fills in (manual step 2-5).
        public var template: (zh: String, en: String) {
            switch self {
            case .schoolMissing:
                ("學校所在縣市：\n學校所在行政區：\n學校名稱：\n學制（國小／國中／高中職／大專校院）：\n",
                 "County:\nDistrict:\nSchool name:\nLevel (elementary / junior high / senior high / college):\n")
            case .registryMissing:
                ("學校名稱：\n年級與班級：\n座號：\n在哪一個步驟查無資料（申請帳號／忘記密碼／啟用帳號）：\n",
                 "School name:\nGrade and class:\nSeat number:\nWhere no record was found (apply / forgot password / activate):\n")
            case .dataWrong:
                ("有誤的資料（姓名／學校／班級／座號）：\n正確的資料：\n", "What is wrong (name / school / class / seat):\nWhat it should be:\n")
            case .noCode:
                ("教育雲端帳號：\n備用電子郵件信箱：\n行動電話：\n申請驗證碼的時間：\n",
                 "Education cloud account:\nBackup e-mail:\nMobile:\nWhen you asked for the code:\n")
            case .account:
                ("教育雲端帳號：\n問題說明：\n", "Education cloud account:\nWhat happened:\n")
            case .other:
                ("問題說明：\n", "What happened:\n")
            }
        }
    }

    public enum Status: String, Sendable, CaseIterable {
        case open, closed
    }

    public var id: String
    public var category: Category
    /// What the student typed into 身分證字號／居留證號／其他身份ID／教育雲端帳號.
    public var identifier: String
    public var name: String
    /// An e-mail address or a mobile number.
    public var contact: String
    public var description: String
    public var status: Status
    public var createdAt: Int64
    public var closedAt: Int64?
    public var ip: String

    public init(
        id: String, category: Category, identifier: String, name: String, contact: String, description: String,
        status: Status = .open, createdAt: Int64, closedAt: Int64? = nil, ip: String
    ) {
        self.id = id
        self.category = category
        self.identifier = identifier
        self.name = name
        self.contact = contact
        self.description = description
        self.status = status
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.ip = ip
    }

    /// The identifier as operators see it by default: an account name as it is, anything else (an ID number,
    /// valid or mistyped, a residence or other ID) masked.
    public var maskedIdentifier: String {
        let text = identifier.trimmingSpaces()
        let masked = Self.maskingIDs(text)
        if masked != text { return masked }
        if AccountRules.checkUsername(Account.normalizeUsername(text)) == nil { return text }
        guard text.count > 4 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(2)) + String(repeating: "*", count: text.count - 4) + String(text.suffix(2))
    }

    /// `text` with everything shaped like an ID number (a letter, a letter or digit, eight digits) masked.
    public static func maskingIDs(_ text: String) -> String {
        var result = text
        while let range = result.range(of: "[A-Za-z][A-Za-z0-9][0-9]{8}", options: .regularExpression) {
            let found = result[range]
            result.replaceSubrange(range, with: found.prefix(3) + "****" + found.suffix(3))
        }
        return result
    }

    /// Typed text without control or bidirectional-override characters (they could rewrite an operator's
    /// terminal or reorder what the support desk reads); line breaks and tabs are kept.
    public static func cleaned(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { scalar in
            if scalar == "\n" || scalar == "\t" { return true }
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format { return false }
            return true
        }))
    }

    /// A ticket number a student can read out on the phone: `C` and eight characters without look-alikes.
    public static func makeID() -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return "C" + String((0..<8).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

public protocol TicketStore: Sendable {
    func saveTicket(_ ticket: Ticket) async throws
    func ticket(id: String) async throws -> Ticket?
    /// Newest first; `status` nil for all.
    func tickets(status: Ticket.Status?, limit: Int) async throws -> [Ticket]
    /// True when an open ticket was closed.
    func closeTicket(id: String, at: Int64) async throws -> Bool
}
