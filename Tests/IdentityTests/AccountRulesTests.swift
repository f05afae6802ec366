import Testing

@testable import Identity

@Suite struct AccountRulesTests {
    @Test(arguments: ["abcdef", "a_b.c1", "student.one", "a1234567890123456789"])
    func acceptedUsernames(_ name: String) {
        #expect(AccountRules.checkUsername(name) == nil)
    }

    @Test(arguments: ["abcde", "1abcdef", "_abcdef", "Abcdef", "abc def", "abcdefghijklmnopqrstu", "abc-def", "學生帳號abc", ""])
    func refusedUsernames(_ name: String) {
        #expect(AccountRules.checkUsername(name) == .usernameFormat)
    }

    @Test(arguments: ["abcdefg1", "Passw0rd", "12345678a", "a1b2c3d4e5f6g7h8i9j0"])
    func acceptedPasswords(_ password: String) {
        #expect(AccountRules.checkPassword(password) == nil)
    }

    @Test(arguments: ["abc1234", "abcdefgh", "12345678", "a1b2c3d4e5f6g7h8i9j0k", "pass word1", "密碼abcd1234"])
    func refusedPasswords(_ password: String) {
        #expect(AccountRules.checkPassword(password) == .passwordFormat)
    }

    @Test func confirmation() {
        #expect(AccountRules.checkConfirmation("Passw0rd", "Passw0rd") == nil)
        #expect(AccountRules.checkConfirmation("Passw0rd", "passw0rd") == .passwordMismatch)
    }

    @Test func mobiles() {
        #expect(AccountRules.checkMobile("0912345678") == nil)
        for bad in ["912345678", "0812345678", "09123456789", "09-1234567", "+886912345678", ""] {
            #expect(AccountRules.checkMobile(bad) == .mobileFormat, "\(bad)")
        }
    }

    @Test func emails() {
        #expect(AccountRules.checkEmail("parent@example.com") == nil)
        for bad in ["parent", "parent@", "@example.com", "a b@example.com", "parent@example", "a@b@c.com"] {
            #expect(AccountRules.checkEmail(bad) == .emailFormat, "\(bad)")
        }
    }

    @Test func everyRuleHasManualText() {
        for violation in AccountRules.Violation.allCases {
            #expect(!violation.text.zh.isEmpty && !violation.text.en.isEmpty)
        }
    }
}
