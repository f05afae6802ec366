/// A 教育雲端帳號: the education cloud account of a student (or teacher).
public struct Account: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case active, disabled
    }

    /// The opaque, never-changing subject identifier released as `sub`.
    public var id: String
    /// The part before `@mail.edu.tw`.
    public var username: String
    /// PHC-format Argon2id hash.
    public var passwordHash: String
    public var name: String
    public var email: String?
    public var emailVerified: Bool
    public var mobile: String?
    /// Whether the student proved the mobile number with a code sent to it.
    public var mobileVerified: Bool
    /// National ID or residence ID. Released only through the `personid` API; never logged.
    public var nationalID: String?
    public var school: SchoolEnrolment?
    /// "學生" or "教師": apps branch on `titles[0].titles[0]`.
    public var title: String
    public var status: Status
    /// The personal-data consent given when the account was applied for (nil for accounts made by operators).
    public var personalDataConsent: PersonalDataConsent?
    /// When the password was last set by a reset or an activation: it cannot change again for 24 hours.
    public var passwordChangedAt: Int64?
    /// Disabled by an operator who does not want the student to re-activate it alone (a compromised account):
    /// 啟用帳號 then refuses and sends the student to school or customer service.
    public var selfActivationBlocked = false
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, username: String, passwordHash: String, name: String, email: String? = nil,
        emailVerified: Bool = false, mobile: String? = nil, mobileVerified: Bool = false, nationalID: String? = nil, school: SchoolEnrolment? = nil,
        title: String = "學生", status: Status = .active, personalDataConsent: PersonalDataConsent? = nil,
        createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.name = name
        self.email = email
        self.emailVerified = emailVerified
        self.mobile = mobile
        self.mobileVerified = mobileVerified
        self.nationalID = nationalID
        self.school = school
        self.title = title
        self.status = status
        self.personalDataConsent = personalDataConsent
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static let mailDomain = "mail.edu.tw"

    /// The full address, `account@mail.edu.tw`.
    public var address: String { "\(username)@\(Self.mailDomain)" }

    /// Accepts what a student types at sign-in: the part before `@`, or the full `…@mail.edu.tw` address.
    public static func normalizeUsername(_ typed: String) -> String {
        var value = typed.trimmingSpaces().lowercased()
        let suffix = "@" + mailDomain
        if value.hasSuffix(suffix) { value.removeLast(suffix.count) }
        return value
    }
}

/// Where a student is enrolled: the data eduinfo releases.
public struct SchoolEnrolment: Sendable, Codable, Equatable {
    public var schoolID: String
    public var schoolName: String
    public var grade: String
    public var classNo: String
    public var classTitle: String
    public var seatNo: String
    public var academicYear: String
    public var semester: String

    public init(
        schoolID: String, schoolName: String, grade: String, classNo: String, classTitle: String, seatNo: String,
        academicYear: String, semester: String
    ) {
        self.schoolID = schoolID
        self.schoolName = schoolName
        self.grade = grade
        self.classNo = classNo
        self.classTitle = classTitle
        self.seatNo = seatNo
        self.academicYear = academicYear
        self.semester = semester
    }
}

import Foundation
import OIDC
