/// The rules of the student manual (壹.2 steps 7-1 to 7-6) for new accounts, as pure functions. Each failure
/// carries the manual's rule text, which the registration page shows next to the field.
public enum AccountRules {
    public enum Violation: String, Sendable, Equatable, CaseIterable {
        case usernameFormat
        case passwordFormat
        /// The stricter rule of 啟用帳號 (manual 柒 step 4-1).
        case strongPasswordFormat
        case passwordMismatch
        case emailFormat
        case mobileFormat

        /// The manual's wording (zh-TW) and an English rendering.
        public var text: (zh: String, en: String) {
            switch self {
            case .usernameFormat:
                ("帳號僅能使用半形小寫英文字母、數字、符號底線「_」及符號點「.」且以半形小寫英文字母開頭，最短6個字元，最長20個字元",
                 "Use 6–20 lowercase letters, digits, '_' or '.', starting with a letter.")
            case .passwordFormat:
                ("密碼最短為8個字元，最長20個字元，設定必須包含以下二要素組合規定：英文字元與數字",
                 "Use 8–20 characters, including both letters and digits.")
            case .strongPasswordFormat:
                ("密碼最短為8個字元，最長20個字元，設定必須符合以下任意三項要素組合規定：英文大寫、小寫、數字及特殊符號",
                 "Use 8–20 characters with at least three of: upper-case letters, lower-case letters, digits, symbols.")
            case .passwordMismatch:
                ("兩次輸入的密碼不一致", "The two passwords differ.")
            case .emailFormat:
                ("請輸入正確的電子郵件信箱", "Enter a valid e-mail address.")
            case .mobileFormat:
                ("請輸入可以接收簡訊的行動電話，格式為 09 開頭的 10 碼數字", "Enter a Taiwanese mobile number: 10 digits starting with 09.")
            }
        }
    }

    /// 7-1: 6–20 characters of a–z, 0–9, '_' and '.', starting with a letter.
    public static func checkUsername(_ username: String) -> Violation? {
        let bytes = Array(username.utf8)
        guard (6...20).contains(bytes.count), let first = bytes.first, isLowercaseLetter(first),
            bytes.allSatisfy({ isLowercaseLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
        else { return .usernameFormat }
        return nil
    }

    /// 7-2: 8–20 printable ASCII characters containing both a letter and a digit.
    public static func checkPassword(_ password: String) -> Violation? {
        let bytes = Array(password.utf8)
        guard (8...20).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }),
            bytes.contains(where: isLetter), bytes.contains(where: isDigit)
        else { return .passwordFormat }
        return nil
    }

    /// 柒 4-1: 8–20 printable ASCII characters with at least three of upper case, lower case, digits and symbols.
    public static func checkStrongPassword(_ password: String) -> Violation? {
        let bytes = Array(password.utf8)
        guard (8...20).contains(bytes.count), bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return .strongPasswordFormat }
        let classes = [
            bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }), bytes.contains(where: isLowercaseLetter),
            bytes.contains(where: isDigit), bytes.contains(where: { !isLetter($0) && !isDigit($0) }),
        ]
        return classes.filter { $0 }.count >= 3 ? nil : .strongPasswordFormat
    }

    /// 7-3.
    public static func checkConfirmation(_ password: String, _ confirmation: String) -> Violation? {
        password == confirmation ? nil : .passwordMismatch
    }

    /// 7-5: a plausible address (one '@', a dotted domain, no spaces), at most 254 characters.
    public static func checkEmail(_ email: String) -> Violation? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(" ")
        else { return .emailFormat }
        return nil
    }

    /// 7-6: 09 followed by eight digits.
    public static func checkMobile(_ mobile: String) -> Violation? {
        let bytes = Array(mobile.utf8)
        guard bytes.count == 10, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "9"), bytes.allSatisfy(isDigit)
        else { return .mobileFormat }
        return nil
    }

    /// One mobile number may be bound to at most this many accounts (MOE rule).
    public static let accountsPerMobile = 2

    private static func isLowercaseLetter(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isLetter(_ byte: UInt8) -> Bool { isLowercaseLetter(byte) || (byte >= 0x41 && byte <= 0x5A) }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
