import Crypto
import Foundation
import OIDC

/// Turns an account into the claims each scope releases (ID token, userinfo) and into the MOE resource-API
/// payloads (profile, eduinfo, personid, guid).
public struct AccountClaims: ClaimsSource {
    private let accounts: any AccountStore
    /// The server secret `guid` is keyed with (see `guid(of:for:)`).
    private let guidKey: SymmetricKey

    public init(accounts: any AccountStore, guidKey: SymmetricKey) {
        self.accounts = accounts
        self.guidKey = guidKey
    }

    public func claims(for subject: String, scopes: [String], client: Client) async throws -> [String: JSONValue]? {
        guard let account = try await accounts.account(id: subject), account.status == .active else { return nil }
        return claims(of: account, scopes: scopes, client: client)
    }

    public func mayUseTokens(subject: String) async throws -> Bool {
        try await accounts.account(id: subject)?.status == .active
    }

    public func claims(of account: Account, scopes: [String], client: Client) -> [String: JSONValue] {
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
            // The address is the account's own mailbox on mail.edu.tw, issued by this service with the account:
            // there is nothing left to prove. (The backup address is not released as `email`.)
            claims["email_verified"] = true
        }
        if granted.contains("phone"), let mobile = account.mobile {
            claims["phone_number"] = .string(Self.internationalMobile(mobile))
            // True only once the student proved the number with a code sent to it.
            claims["phone_number_verified"] = .bool(account.mobileVerified)
        }
        if granted.contains("eduinfo") {
            for (name, value) in Self.eduinfo(of: account) where name != "sub" { claims[name] = value }
        }
        if granted.contains("educloudroles") {
            claims["educloudroles"] = .array([.string(account.title)])
        }
        if granted.contains("guid"), let guid = guid(of: account, for: client) {
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

    /// A stable identifier shared across apps, 64 hex characters. By default an HMAC-SHA-256 of the national ID
    /// under a server secret: with only about 10⁹ valid IDs an unkeyed hash is reversed in seconds, so only the
    /// key makes it reveal nothing. Apps registered for the MOE's unkeyed form (and allowed `personid` anyway)
    /// get plain SHA-256.
    public func guid(of account: Account, for client: Client) -> String? {
        guard let nationalID = account.nationalID?.uppercased() else { return nil }
        switch client.guidFormat {
        case .keyed:
            return HMAC<SHA256>.authenticationCode(for: Data(nationalID.utf8), using: guidKey).hexString
        case .moeSHA256 where client.allowedScopes.contains("personid"):
            return SHA256.hash(data: Data(nationalID.utf8)).hexString
        case .moeSHA256:
            // The unkeyed form names the ID number; a registration that lost `personid` (edited in the database)
            // falls back to the keyed form rather than leak it.
            return HMAC<SHA256>.authenticationCode(for: Data(nationalID.utf8), using: guidKey).hexString
        }
    }

    /// 0912345678 → +886912345678 (E.164, as OIDC's phone_number asks).
    static func internationalMobile(_ mobile: String) -> String {
        mobile.hasPrefix("0") ? "+886" + mobile.dropFirst() : mobile
    }
}
