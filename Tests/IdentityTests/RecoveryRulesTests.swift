import Testing

@testable import Identity

@Suite struct RecoveryRulesTests {
    @Test func activationAsksForThreeKindsOfCharacters() {
        for accepted in ["Passw0rd12", "passw0rd#1", "PASSW0RD#1", "Pass#word"] {
            #expect(AccountRules.checkStrongPassword(accepted) == nil, "\(accepted)")
        }
        for refused in ["passw0rd12", "PASSWORDxx", "Short1#", "Passw0rd12345678901234", "密碼Passw0rd1"] {
            #expect(AccountRules.checkStrongPassword(refused) == .strongPasswordFormat, "\(refused)")
        }
        // A reset keeps the ordinary rule: letters and digits.
        #expect(AccountRecovery.check("passw0rd12", for: .resetPassword) == nil)
        #expect(AccountRecovery.check("passw0rd12", for: .activateAccount) == .strongPasswordFormat)
    }

    @Test func noStepIsReachableBeforeItsProof() {
        var recovery = Recovery(id: "r", browserHash: "b", purpose: .resetPassword, method: .code, expiresAt: 100)
        #expect(recovery.currentStep == .send)
        #expect(!recovery.canShow(.code) && !recovery.canShow(.reset) && !recovery.canShow(.done))
        recovery.codeRequestedAt = 1
        #expect(recovery.currentStep == .code && recovery.canShow(.code) && !recovery.canShow(.reset))
        recovery.provenAt = 2
        // Proven, but for nobody (a code "sent" for an unknown account can never be proven; guard anyway).
        #expect(!recovery.canShow(.reset))
        recovery.accountID = "a"
        #expect(recovery.canShow(.reset) && !recovery.canShow(.code) && !recovery.canShow(.send))
        recovery.completedAt = 3
        #expect(recovery.currentStep == .done && !recovery.canShow(.reset))
        // Another way's steps are never reachable.
        let personal = Recovery(id: "p", browserHash: "b", purpose: .activateAccount, method: .personalData, expiresAt: 100)
        #expect(personal.canShow(.school) && !personal.canShow(.personal) && !personal.canShow(.send)
            && !personal.canShow(.defaultPassword))
    }

    @Test func defaultPasswordsAreRandomAndUnambiguous() {
        let passwords = Set((0..<200).map { _ in AccountRecovery.makeDefaultPassword() })
        #expect(passwords.count == 200)
        #expect(passwords.allSatisfy { $0.count == 10 && !$0.contains(where: { "0O1lI".contains($0) }) })
    }
}
