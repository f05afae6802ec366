import Crypto
import Foundation
import OIDC

/// Turns an account into the claims each scope releases (ID token, userinfo) and into the MOE resource-API
/// payloads (profile, eduinfo, personid, guid).
public struct AccountClaims: ClaimsSource {
    private let accounts: any AccountStore

    public init(accounts: any AccountStore) {
        self.accounts = accounts
    }

    public func claims(for subject: String, scopes: [String]) async throws -> [String: JSONValue]? {
        guard let account = try await accounts.account(id: subject), account.status == .active else { return nil }
        return Self.claims(of: account, scopes: scopes)
    }

    public static func claims(of account: Account, scopes: [String]) -> [String: JSONValue] {
        var claims: [String: JSONValue] = ["sub": .string(account.id)]
        let granted = Set(scopes)
        if granted.contains("profile") {
            claims["name"] = .string(account.name)
            claims["preferred_username"] = .string(account.username)
            claims["locale"] = "zh-TW"
            claims["updated_at"] = .int(account.updatedAt)
        }
        if granted.contains("email") {
            // The education cloud address is the account's e-mail, as the MOE service releases it.
            claims["email"] = .string(account.address)
            claims["email_verified"] = true
        }
        if granted.contains("phone"), let mobile = account.mobile {
            claims["phone_number"] = .string(Self.internationalMobile(mobile))
            claims["phone_number_verified"] = false
        }
        if granted.contains("eduinfo") {
            for (name, value) in eduinfo(of: account) where name != "sub" { claims[name] = value }
        }
        if granted.contains("educloudroles") {
            claims["educloudroles"] = .array([.string(account.title)])
        }
        if granted.contains("guid"), let guid = guid(of: account) {
            claims["guid"] = .string(guid)
        }
        return claims
    }

    /// The eduinfo shape published MOE apps consume; `seatno` is EduSSO's name for the seat number (座號).
    public static func eduinfo(of account: Account) -> [String: JSONValue] {
        guard let school = account.school else {
            return ["sub": .string(account.id), "schoolid": "", "titles": [], "classinfo": []]
        }
        return [
            "sub": .string(account.id),
            "schoolid": .string(school.schoolID),
            "titles": [["schoolid": .string(school.schoolID), "titles": [.string(account.title)]]],
            "classinfo": [
                [
                    "schoolid": .string(school.schoolID), "grade": .string(school.grade),
                    "classno": .string(school.classNo), "classtitle": .string(school.classTitle),
                    "seatno": .string(school.seatNo), "year": .string(school.academicYear),
                    "semester": .string(school.semester),
                ]
            ],
        ]
    }

    public static func profile(of account: Account) -> [String: JSONValue] {
        var profile: [String: JSONValue] = [
            "sub": .string(account.id), "name": .string(account.name), "email": .string(account.address),
        ]
        if let school = account.school {
            profile["schoolid"] = .string(school.schoolID)
            profile["schoolname"] = .string(school.schoolName)
        }
        return profile
    }

    /// Hex SHA-256 of the national ID: a stable identifier shared across apps that reveals nothing by itself.
    public static func guid(of account: Account) -> String? {
        account.nationalID.map { SHA256.hash(data: Data($0.uppercased().utf8)).hexString }
    }

    /// 0912345678 → +886912345678 (E.164, as OIDC's phone_number asks).
    static func internationalMobile(_ mobile: String) -> String {
        mobile.hasPrefix("0") ? "+886" + mobile.dropFirst() : mobile
    }
}
