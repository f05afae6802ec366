import Foundation
import Identity
import OIDC
import Testing

@testable import Storage
@testable import Web

/// The time rules of recovery, with the injected clock: a code lives an hour, a day allows five codes, and a
/// password set by a reset cannot change again for 24 hours.
@Suite struct RecoveryLifetimeTests {
    let lifetime = LifetimeTests()

    @Test func aRecoveryCodeExpiresAfterAnHour() async throws {
        try await lifetime.withServices { services, demo, time in
            let account = try #require(try await services.store.account(username: demo.username))
            let code = try await services.verificationCodes.issue(accountID: account.id, purpose: .resetPassword, target: "")
            time.advance(3600 - 1)
            #expect(try await services.verificationCodes.pending(accountID: account.id, purposes: [.resetPassword]).count == 1)
            time.advance(2)
            #expect(try await services.verificationCodes.pending(accountID: account.id, purposes: [.resetPassword]).isEmpty)
            let stale = VerificationCode(
                id: "\(account.id):reset_password", accountID: account.id, purpose: .resetPassword, target: "", codeHash: "",
                expiresAt: 0)
            #expect(try await services.verificationCodes.check(stale, answer: code) == nil)
        }
    }

    @Test func codesADayPerAccountAndPerAddressThenNoneUntilTheDayHasPassed() async throws {
        try await lifetime.withServices { services, demo, time in
            let account = try #require(try await services.store.account(username: demo.username))
            func sent(from ip: String) async throws {
                try await services.store.recordEvent(
                    AccountEvent(accountID: account.id, at: services.clock.now(), kind: .recoveryCodeSent, ip: ip, userAgent: ""))
                time.advance(60)
            }
            // A stranger at one address uses up only that address's share of the owner's codes.
            for _ in 0..<AccountRecovery.codesPerAccountAndAddressPerDay { try await sent(from: "198.51.100.9") }
            #expect(!(try await services.accountRecovery.maySendCode(to: account, from: "198.51.100.9")))
            #expect(try await services.accountRecovery.maySendCode(to: account, from: "203.0.113.5"))
            // Other events (lookups, failed tries) do not push code records out of the count.
            for _ in 0..<60 {
                try await services.store.recordEvent(
                    AccountEvent(accountID: account.id, at: services.clock.now(), kind: .accountLookedUp, ip: "x", userAgent: ""))
            }
            for index in 0..<(AccountRecovery.codesPerAccountPerDay - AccountRecovery.codesPerAccountAndAddressPerDay) {
                try await sent(from: "192.0.2.\(index)")
            }
            #expect(!(try await services.accountRecovery.maySendCode(to: account, from: "203.0.113.5")))
            time.advance(86400)
            #expect(try await services.accountRecovery.maySendCode(to: account, from: "198.51.100.9"))
        }
    }

    @Test func aResetBlocksTheNextChangeForADay() async throws {
        try await lifetime.withServices { services, demo, time in
            let account = try #require(try await services.store.account(username: demo.username))
            func reset(_ password: String) async throws -> Result<RecoveredPassword, AccountRecovery.ResetProblem> {
                try await services.accountRecovery.setPassword(
                    accountID: account.id, purpose: .resetPassword, password: password, confirmation: password, ip: "127.0.0.1",
                    userAgent: "test")
            }
            guard case .success = try await reset("First2024x") else { Issue.record("the first reset must work"); return }
            time.advance(86400 - 10)
            guard case .failure(.tooSoon(let until)) = try await reset("Second2024x") else {
                Issue.record("a second reset within a day must wait")
                return
            }
            #expect(until == services.clock.now() + 10)
            time.advance(10)
            guard case .success = try await reset("Second2024x") else { Issue.record("after a day it works"); return }
            // Activation is for disabled accounts only; a reset for active ones.
            time.advance(86400)
            guard case .failure(.wrongStatus(.active)) = try await services.accountRecovery.setPassword(
                accountID: account.id, purpose: .activateAccount, password: "Third#2024", confirmation: "Third#2024", ip: "",
                userAgent: "")
            else { Issue.record("activating an active account is refused"); return }
        }
    }

    @Test func concurrentResetsSetExactlyOnePassword() async throws {
        try await lifetime.withServices { services, demo, _ in
            let account = try #require(try await services.store.account(username: demo.username))
            for round in 0..<4 {
                if round > 0 {
                    // Let the next round start from a password older than a day.
                    _ = try await services.store.applyRecoveredPassword(
                        id: account.id, hash: account.passwordHash, at: 0, notChangedSince: .max, activate: false)
                }
                let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<8 {
                        group.addTask {
                            if case .success = try await services.accountRecovery.setPassword(
                                accountID: account.id, purpose: .resetPassword, password: "Race\(round)pass\(index)",
                                confirmation: "Race\(round)pass\(index)", ip: "127.0.0.1", userAgent: "test")
                            {
                                return true
                            }
                            return false
                        }
                    }
                    return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
                }
                #expect(results == 1, "round \(round): \(results) resets won")
            }
        }
    }
}
