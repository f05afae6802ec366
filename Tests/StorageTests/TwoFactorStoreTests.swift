import Foundation
import Identity
import OIDC
import Testing

@testable import Storage

/// The two-factor store's single uses and counters, raced: each guard is one conditional statement.
extension SQLStoreTests {
    func bound(_ store: SQLStore, account: String = "a") async throws {
        let binding = TwoFactorBinding(
            accountID: account, sealedSecret: "sealed-1", confirmedAt: nil, enabled: false, lastStep: 0, createdAt: 1)
        #expect(try await store.startTwoFactor(binding))
        #expect(try await store.confirmTwoFactor(accountID: account, sealedSecret: "sealed-1", step: 100, recoveryCodeHashes: ["r1", "r2"], at: 2))
    }

    @Test(arguments: Backend.available) func aConfirmedBindingIsNeitherReplacedNorConfirmedTwice(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await bound(store)
            let other = TwoFactorBinding(accountID: "a", sealedSecret: "sealed-2", confirmedAt: nil, enabled: false, lastStep: 0, createdAt: 3)
            #expect(try await store.startTwoFactor(other) == false)
            #expect(try await store.twoFactor(accountID: "a")?.sealedSecret == "sealed-1")
            #expect(try await store.confirmTwoFactor(accountID: "a", sealedSecret: "sealed-1", step: 101, recoveryCodeHashes: [], at: 4) == false)
            #expect(try await store.recoveryCodesLeft(accountID: "a") == 2)
            // A pending binding restarted elsewhere is not confirmed with the old secret.
            let first = TwoFactorBinding(accountID: "b", sealedSecret: "old", confirmedAt: nil, enabled: false, lastStep: 0, createdAt: 1)
            #expect(try await store.startTwoFactor(first))
            #expect(try await store.startTwoFactor(TwoFactorBinding(accountID: "b", sealedSecret: "new", confirmedAt: nil, enabled: false, lastStep: 0, createdAt: 2)))
            #expect(try await store.confirmTwoFactor(accountID: "b", sealedSecret: "old", step: 1, recoveryCodeHashes: [], at: 3) == false)
            try await store.removeTwoFactor(accountID: "a")
            #expect(try await store.twoFactor(accountID: "a") == nil)
            #expect(try await store.recoveryCodesLeft(accountID: "a") == 0)
        }
    }

    @Test(arguments: Backend.available) func concurrentUsesOfOneStepOrOneRecoveryCodeSucceedOnce(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await bound(store)
            for step: Int64 in 101...105 {
                let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<12 { group.addTask { try await store.useTwoFactorStep(accountID: "a", step: step) } }
                    return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
                }
                #expect(accepted == 1)
            }
            // An earlier step is a replay too.
            #expect(try await store.useTwoFactorStep(accountID: "a", step: 104) == false)
            let spent = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 { group.addTask { try await store.useRecoveryCode(accountID: "a", hash: "r1") } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(spent == 1)
            #expect(try await store.recoveryCodesLeft(accountID: "a") == 1)
        }
    }

    @Test(arguments: Backend.available) func parallelWrongCodesCannotExceedTheWindowsLimit(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await bound(store)
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<40 {
                    group.addTask { try await store.reserveTwoFactorAttempt(accountID: "a", windowStart: 1000, now: 1900, limit: 5) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(granted == 5)
            // Within the window nothing more; once the window has passed, a new one starts.
            #expect(try await store.reserveTwoFactorAttempt(accountID: "a", windowStart: 1500, now: 2400, limit: 5) == false)
            #expect(try await store.reserveTwoFactorAttempt(accountID: "a", windowStart: 1900, now: 2800, limit: 5))
            try await store.clearTwoFactorAttempts(accountID: "a")
            for _ in 0..<5 { #expect(try await store.reserveTwoFactorAttempt(accountID: "a", windowStart: 1900, now: 2801, limit: 5)) }
            #expect(try await store.reserveTwoFactorAttempt(accountID: "a", windowStart: 1900, now: 2802, limit: 5) == false)
        }
    }

    @Test(arguments: Backend.available) func revokingAnAppRemovesItsConsentAndRevokesOnlyItsGrants(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")  // client "c", subject "sub-1"
            #expect(try await store.saveRefreshToken(refreshRecord("rt", grant: "g")))
            try await store.saveCode(
                AuthorizationCode(
                    codeHash: "code-other", grantID: "other", clientID: "d", redirectURI: "https://d/cb", scopes: ["openid"],
                    nonce: nil, codeChallenge: nil, authentication: authentication, expiresAt: 100))
            _ = try await store.redeemCode(hash: "code-other", now: 1)
            // A code issued for the app before the revocation, not yet redeemed.
            try await store.saveCode(
                AuthorizationCode(
                    codeHash: "code-late", grantID: "late", clientID: "c", redirectURI: "https://a/cb", scopes: ["openid"],
                    nonce: nil, codeChallenge: nil, authentication: authentication, expiresAt: 100))
            try await store.saveConsent(accountID: "sub-1", clientID: "c", scopes: ["openid"], at: 5)
            try await store.saveConsent(accountID: "sub-1", clientID: "c", scopes: ["openid", "profile"], at: 9)
            try await store.saveConsent(accountID: "sub-1", clientID: "d", scopes: ["openid"], at: 6)
            try await store.recordAppSignIns([AppSignIn(accountID: "sub-1", clientID: "c", at: 12, ip: "10.0.0.1", userAgent: "", method: "password")])
            let listed = try await store.consents(accountID: "sub-1")
            #expect(listed.map(\.clientID) == ["c", "d"])
            #expect(listed.first?.firstGrantedAt == 5 && listed.first?.lastUsedAt == 12 && listed.first?.scopes == ["openid", "profile"])
            #expect(try await store.revokeConsents(accountID: "sub-1", clientIDs: ["c", "c", "unknown"], at: 20) == ["c"])
            #expect(try await store.grant(id: "g")?.revokedAt == 20)
            #expect(try await store.refreshToken(hash: "rt") == nil)
            #expect(try await store.grant(id: "other")?.revokedAt == nil)
            // The code issued before cannot become a grant any more.
            guard case .alreadyUsed = try await store.redeemCode(hash: "code-late", now: 21) else {
                Issue.record("a code issued before 取消授權 was redeemed after it")
                return
            }
            #expect(try await store.grant(id: "late") == nil)
            #expect(try await store.consents(accountID: "sub-1").map(\.clientID) == ["d"])
            #expect(try await store.consentedScopes(accountID: "sub-1", clientID: "c").isEmpty)
        }
    }
}

extension SQLStoreTests {
    /// Account "a" with sessions kept, other-1, other-2 (and "b" with one): grants from-kept, from-other (with a
    /// refresh token), revoked-earlier (app "d", other-2, revoked before), from-ended (an old session, gone), and
    /// a code not yet redeemed.
    func accountWithSessionsAndGrants(_ store: SQLStore) async throws {
        func session(_ id: String, _ account: String) -> BrowserSession {
            BrowserSession(
                id: id, tokenHash: "hash-" + id, accountID: account, authTime: 1, amr: ["pwd"], createdAt: 1,
                expiresAt: 1000, ip: "10.0.0.1", userAgent: "")
        }
        func code(_ name: String, client: String = "c", session: String) -> AuthorizationCode {
            AuthorizationCode(
                codeHash: "code-" + name, grantID: name, clientID: client, redirectURI: "https://a/cb", scopes: ["openid"],
                nonce: nil, codeChallenge: nil,
                authentication: Authentication(subject: "a", authTime: 1, amr: ["pwd"], sessionID: session), expiresAt: 100)
        }
        for (id, account) in [("kept", "a"), ("other-1", "a"), ("other-2", "a"), ("someone-else", "b")] {
            try await store.saveSession(session(id, account))
        }
        for (grant, client, sessionID) in [
            ("from-kept", "c", "kept"), ("from-other", "c", "other-1"), ("revoked-earlier", "d", "other-2"),
            ("from-ended", "e", "ended-long-ago"),
        ] {
            try await store.saveCode(code(grant, client: client, session: sessionID))
            _ = try await store.redeemCode(hash: "code-" + grant, now: 2)
        }
        try await store.revokeGrant(id: "revoked-earlier", at: 3)
        #expect(try await store.saveRefreshToken(refreshRecord("rt-other", grant: "from-other")))
        try await store.saveCode(code("pending", session: "other-1"))
    }

    @Test(arguments: Backend.available) func turningTwoFactorOnEndsTheAccountsOtherSessionsAndTheirGrants(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await accountWithSessionsAndGrants(store)
            let told = try await store.endOtherSessions(accountID: "a", except: "kept", at: 50)
            // The apps of the ended sessions, including one whose grant was revoked before; not an old session's.
            #expect(Set(told) == [
                SignedInApp(sessionID: "other-1", clientID: "c", subject: "a"),
                SignedInApp(sessionID: "other-2", clientID: "d", subject: "a"),
            ])
            #expect(try await store.grant(id: "from-kept")?.revokedAt == nil)
            #expect(try await store.grant(id: "from-other")?.revokedAt == 50)
            #expect(try await store.grant(id: "from-ended")?.revokedAt == 50)
            #expect(try await store.refreshToken(hash: "rt-other") == nil)
            // A code issued just before cannot become a grant after.
            guard case .alreadyUsed = try await store.redeemCode(hash: "code-pending", now: 51) else {
                Issue.record("a code issued before the sessions ended was redeemed after")
                return
            }
            #expect(try await store.session(tokenHash: "hash-kept") != nil)
            #expect(try await store.session(tokenHash: "hash-other-1") == nil)
            #expect(try await store.session(tokenHash: "hash-other-2") == nil)
            #expect(try await store.session(tokenHash: "hash-someone-else") != nil)
        }
    }

    @Test(arguments: Backend.available) func aResetEndsEverySessionAndNamesTheirApps(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await accountWithSessionsAndGrants(store)
            let told = try await store.endSessionsAndGrants(accountID: "a", at: 50)
            #expect(Set(told) == [
                SignedInApp(sessionID: "kept", clientID: "c", subject: "a"),
                SignedInApp(sessionID: "other-1", clientID: "c", subject: "a"),
                SignedInApp(sessionID: "other-2", clientID: "d", subject: "a"),
            ])
            for grant in ["from-kept", "from-other", "from-ended"] {
                #expect(try await store.grant(id: grant)?.revokedAt == 50)
            }
            #expect(try await store.grant(id: "revoked-earlier")?.revokedAt == 3)
            guard case .alreadyUsed = try await store.redeemCode(hash: "code-pending", now: 51) else {
                Issue.record("a code issued before the reset was redeemed after")
                return
            }
            #expect(try await store.session(tokenHash: "hash-kept") == nil)
            #expect(try await store.session(tokenHash: "hash-someone-else") != nil)
        }
    }

    @Test(arguments: Backend.available) func anInteractionIsTakenOnce(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            let request = AuthorizationRequest(
                clientID: "c", redirectURI: "https://a/cb", scopes: ["openid"], nonce: nil, codeChallenge: nil)
            try await store.saveInteraction(
                Interaction(id: "i", request: request, browserHash: "b", createdAt: 1, expiresAt: 100))
            let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await store.takeInteraction(id: "i") != nil } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(taken == 1)
        }
    }
}
