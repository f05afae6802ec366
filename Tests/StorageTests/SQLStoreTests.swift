import Foundation
import Identity
import Logging
import OIDC
import SQLKit
import Synchronization
import Testing

@testable import Storage

/// The storage suite. Every test runs on each available backend (SQLite, and PostgreSQL when the test script
/// provides one).
@Suite struct SQLStoreTests {
    let authentication = Authentication(subject: "sub-1", authTime: 10, amr: ["pwd"], sessionID: "sid")

    @Test(arguments: Backend.available) func migrateIsIdempotent(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            #expect(try await store.migrate().isEmpty)
            #expect(try await store.schemaVersion() == Migrations.all.last?.version)
        }
    }

    /// A live grant `id`, made the way production makes grants: by redeeming a code.
    func makeGrant(_ store: SQLStore, id: String) async throws {
        try await store.saveCode(
            AuthorizationCode(
                codeHash: "code-" + id, grantID: id, clientID: "c", redirectURI: "https://a/cb", scopes: ["openid"],
                nonce: nil, codeChallenge: nil, authentication: authentication, expiresAt: 100))
        _ = try await store.redeemCode(hash: "code-" + id, now: 1)
    }

    func refreshRecord(_ hash: String, grant: String = "g", expiresAt: Int64 = 100) -> RefreshTokenRecord {
        RefreshTokenRecord(tokenHash: hash, grantID: grant, clientID: "c", parentHash: nil, issuedAt: 0, expiresAt: expiresAt)
    }

    @Test(arguments: Backend.available) func codesRedeemExactlyOnceAndCreateTheirGrantAtomically(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            for round in 0..<10 {
                let code = AuthorizationCode(
                    codeHash: "h\(round)", grantID: "g\(round)", clientID: "c", redirectURI: "https://a/cb", scopes: ["openid"],
                    nonce: "n", codeChallenge: nil, authentication: authentication, expiresAt: 100)
                try await store.saveCode(code)
                let results = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
                    for _ in 0..<8 { group.addTask { try await store.redeemCode(hash: "h\(round)", now: 50) } }
                    return try await group.reduce(into: [CodeRedemption]()) { $0.append($1) }
                }
                #expect(results.filter { if case .redeemed = $0 { true } else { false } }.count == 1)
                #expect(results.filter { if case .alreadyUsed = $0 { true } else { false } }.count == 7)
                // Whoever lost the race finds the grant already there, so a replay can always revoke it.
                #expect(try await store.grant(id: "g\(round)")?.createdAt == 50)
            }
            #expect(try await store.redeemCode(hash: "missing", now: 50) == .unknown)
        }
    }

    @Test(arguments: Backend.available) func concurrentRotationsOfOneRefreshTokenLeaveOneSuccessor(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            for round in 0..<10 {
                #expect(try await store.saveRefreshToken(refreshRecord("r\(round)")))
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for racer in 0..<8 {
                        group.addTask {
                            var successor = refreshRecord("r\(round)-next\(racer)")
                            successor.parentHash = "r\(round)"
                            return try await store.rotateRefreshToken(hash: "r\(round)", at: 5, replacement: successor)
                        }
                    }
                    return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
                }
                #expect(wins == 1)
                var stored = 0
                for racer in 0..<8 where try await store.refreshToken(hash: "r\(round)-next\(racer)") != nil { stored += 1 }
                #expect(stored == 1)
                #expect(try await store.refreshToken(hash: "r\(round)")?.rotatedAt == 5)
            }
        }
    }

    /// The rotation mark lives on the parent (set by migration 18's trigger in the rotation's own statement), so
    /// a node one version behind, which reads `rotated_at`, sees it, and it outlives a successor purged first.
    @Test(arguments: Backend.available) func aRotationMarksItsParentEvenOnceTheSuccessorIsGone(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            #expect(try await store.saveRefreshToken(refreshRecord("old")))
            var successor = refreshRecord("new")
            successor.parentHash = "old"
            #expect(try await store.rotateRefreshToken(hash: "old", at: 7, replacement: successor))
            let marked = try await store.write { db in
                try await db.raw("SELECT rotated_at FROM refresh_tokens WHERE token_hash = 'old'").first()?.optionalInt64("rotated_at")
            }
            #expect(marked == 7)
            try await store.write { db in try await db.raw("DELETE FROM refresh_tokens WHERE token_hash = 'new'").run() }
            #expect(try await store.refreshToken(hash: "old")?.rotatedAt == 7)
            var another = refreshRecord("another")
            another.parentHash = "old"
            #expect(!(try await store.rotateRefreshToken(hash: "old", at: 8, replacement: another)))
            #expect(try await store.refreshToken(hash: "another") == nil)
        }
    }

    @Test(arguments: Backend.available) func aRevokedGrantTakesNoNewRefreshTokens(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            #expect(try await store.saveRefreshToken(refreshRecord("r")))
            try await store.revokeGrant(id: "g", at: 7)
            #expect(try await store.grant(id: "g")?.revokedAt == 7)
            #expect(try await store.refreshToken(hash: "r") == nil)
            // A response built while a replay revoked the grant cannot leave a usable refresh token behind.
            #expect(!(try await store.saveRefreshToken(refreshRecord("late"))))
            #expect(try await store.refreshToken(hash: "late") == nil)
            var successor = refreshRecord("r2")
            successor.parentHash = "r"
            #expect(!(try await store.rotateRefreshToken(hash: "r", at: 8, replacement: successor)))
        }
    }

    /// Both ways of answering: from the caches (SQLite as configured by default) and with the one query
    /// (PostgreSQL, and SQLite with the caches off).
    @Test(arguments: Backend.available, [Duration.seconds(1), .zero])
    func aLiveGrantIsOneWhoseGrantAndTokenAreBothUnrevoked(_ backend: Backend, cacheTTL: Duration) async throws {
        try await backend.withStore(cacheTTL: cacheTTL) { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            try await makeGrant(store, id: "h")
            let live = try await store.liveGrant(id: "g", accessTokenJTI: "j1")
            #expect(live?.id == "g" && live?.authentication == authentication && live?.revokedAt == nil)
            #expect(try await store.liveGrant(id: "missing", accessTokenJTI: "j1") == nil)
            // Revoking one token leaves the grant's other tokens working.
            try await store.revokeAccessToken(jti: "j1", expiresAt: 100)
            #expect(try await store.liveGrant(id: "g", accessTokenJTI: "j1") == nil)
            #expect(try await store.liveGrant(id: "g", accessTokenJTI: "j2")?.id == "g")
            // Revoking the grant stops every token made from it, and no other grant's.
            try await store.revokeGrant(id: "g", at: 7)
            #expect(try await store.liveGrant(id: "g", accessTokenJTI: "j2") == nil)
            #expect(try await store.liveGrant(id: "h", accessTokenJTI: "j2")?.id == "h")
        }
    }

    @Test(arguments: Backend.available) func assertionsAreSingleUse(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            #expect(try await store.recordAssertion(jti: "j", clientID: "c", expiresAt: 100))
            #expect(!(try await store.recordAssertion(jti: "j", clientID: "c", expiresAt: 100)))
            #expect(try await store.recordAssertion(jti: "j", clientID: "other", expiresAt: 100))
        }
    }

    @Test(arguments: Backend.available) func accountsAreUniqueByUsername(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            let account = Account(id: "a1", username: "student.one", passwordHash: "x", name: "甲", createdAt: 0, updatedAt: 0)
            try await store.insertAccount(account)
            await #expect(throws: AccountConflict.usernameTaken) {
                try await store.insertAccount(Account(id: "a2", username: "student.one", passwordHash: "x", name: "乙", createdAt: 0, updatedAt: 0))
            }
            #expect(try await store.account(username: "student.one")?.id == "a1")
        }
    }

    @Test(arguments: Backend.available) func aRecoveredPasswordIsWrittenOnlyWhenEveryConditionHolds(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            let id = NationalID.make(letter: "B", sexDigit: 1, serial: 4242)
            try await store.insertAccount(
                Account(id: "off", username: "off.one", passwordHash: "old", name: "停", nationalID: id, status: .disabled, createdAt: 0, updatedAt: 0))
            // An operator lock: activation writes nothing.
            try await store.setAccountStatus(id: "off", .disabled, at: 1, blockSelfActivation: true)
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "new", at: 10, notChangedSince: 0, activate: true) == nil)
            // A plain disable keeps the lock; only enable lifts it.
            try await store.setAccountStatus(id: "off", .disabled, at: 2)
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "new", at: 10, notChangedSince: 0, activate: true) == nil)
            try await store.setAccountStatus(id: "off", .active, at: 3)
            try await store.setAccountStatus(id: "off", .disabled, at: 4)
            // Another active account with the same ID: no second active account.
            try await store.insertAccount(
                Account(id: "on", username: "on.one", passwordHash: "x", name: "啟", nationalID: id, createdAt: 0, updatedAt: 0))
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "new", at: 10, notChangedSince: 0, activate: true) == nil)
            try await store.setAccountStatus(id: "on", .disabled, at: 5)
            // A reset needs an active account; an activation a disabled one.
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "new", at: 10, notChangedSince: 0, activate: false) == nil)
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "new", at: 10, notChangedSince: 0, activate: true) != nil)
            #expect(try await store.account(id: "off")?.status == .active)
            #expect(try await store.account(id: "off")?.passwordHash == "new")
            // Within the interval after that change, nothing more is written.
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "newer", at: 20, notChangedSince: 9, activate: false) == nil)
            #expect(try await store.applyRecoveredPassword(id: "off", hash: "newer", at: 20, notChangedSince: 10, activate: false) != nil)
            #expect(try await store.account(id: "off")?.passwordHash == "newer")
        }
    }

    @Test(arguments: Backend.available) func oneActiveAccountPerNationalIDHoldsUnderConcurrentInserts(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            for round in 0..<5 {
                let nationalID = NationalID.make(letter: "A", sexDigit: 1, serial: round)
                let outcomes = await withTaskGroup(of: Bool.self) { group in
                    for racer in 0..<8 {
                        group.addTask {
                            do {
                                try await store.insertAccount(
                                    Account(
                                        id: "a\(round)-\(racer)", username: "s\(round)x\(racer)", passwordHash: "x", name: "甲",
                                        nationalID: nationalID, createdAt: 0, updatedAt: 0))
                                return true
                            } catch {
                                #expect(error as? AccountConflict == .nationalIDHasActiveAccount)
                                return false
                            }
                        }
                    }
                    return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
                }
                #expect(outcomes == 1)
            }
            // A disabled account does not hold the ID, and enabling it again cannot make a second active one.
            let id = NationalID.make(letter: "B", sexDigit: 2, serial: 77)
            var old = Account(id: "old", username: "old.one", passwordHash: "x", name: "舊", nationalID: id, status: .disabled, createdAt: 0, updatedAt: 0)
            try await store.insertAccount(old)
            try await store.insertAccount(Account(id: "new", username: "new.one", passwordHash: "x", name: "新", nationalID: id, createdAt: 0, updatedAt: 0))
            await #expect(throws: AccountConflict.nationalIDHasActiveAccount) { try await store.setAccountStatus(id: "old", .active, at: 1) }
            #expect(try await store.account(id: "old")?.status == .disabled)
            // An old copy written back (a slow sign-in re-hashing a password) never switches the status.
            old.status = .active
            old.name = "舊名"
            try await store.updateAccount(old)
            #expect(try await store.account(id: "old")?.status == .disabled)
            #expect(try await store.account(id: "old")?.name == "舊名")
            try await store.setAccountStatus(id: "new", .disabled, at: 2)
            try await store.setAccountStatus(id: "old", .active, at: 3)
            #expect(try await store.account(id: "old")?.status == .active)
        }
    }

    @Test(arguments: Backend.available) func parallelGuessesCannotExceedTheAttemptLimit(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await store.saveVerificationCode(
                VerificationCode(id: "v", accountID: "a", purpose: .changeEmail, target: "x@example.com", codeHash: "hash", expiresAt: 100))
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<40 { group.addTask { try await store.claimVerificationAttempt(id: "v", now: 10, maxAttempts: 5) != nil } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(granted == 5)
            #expect(try await store.verificationCodes(accountID: "a").first?.attempts == 5)
            // A code is consumed once, however many right answers arrive together.
            try await store.saveVerificationCode(
                VerificationCode(id: "w", accountID: "b", purpose: .changeMobile, target: "0912345678", codeHash: "h2", expiresAt: 100))
            let consumed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await store.consumeVerificationCode(id: "w", codeHash: "h2") == "0912345678" } }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(consumed == 1)
            #expect(try await store.claimVerificationAttempt(id: "x", now: 10, maxAttempts: 5) == nil)
        }
    }

    @Test(arguments: Backend.available) func accountFailuresCountSinceTheLastSuccessAddressFailuresDoNot(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            func attempt(_ at: Int64, _ outcome: LoginAttempt.Outcome) async throws {
                try await store.recordAttempt(
                    LoginAttempt(username: "u", accountID: nil, at: at, ip: "1.2.3.4", method: "password", outcome: outcome, userAgent: ""))
            }
            try await attempt(10, .badCredentials)
            try await attempt(11, .success)
            try await attempt(12, .badCredentials)
            try await attempt(13, .throttled)
            #expect(try await store.recentFailures(username: "u", since: 0) == [12])
            // One valid account must not let a guesser reset its address's count.
            #expect(try await store.recentFailures(ip: "1.2.3.4", since: 0) == [12, 10])
        }
    }

    @Test(arguments: Backend.available) func purgeRemovesExpiredState(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            #expect(try await store.saveRefreshToken(refreshRecord("old", expiresAt: 10)))
            #expect(try await store.saveRefreshToken(refreshRecord("new", expiresAt: 10_000)))
            let removed = try await store.purgeExpired(.init(now: 100, recordRetention: 1000, grantLifetime: 1000))
            #expect(removed["refresh_tokens"] == 1)
            #expect(try await store.refreshToken(hash: "new") != nil)
        }
    }

    /// The purge deletes in batches, each its own statement, until a table has nothing expired left. Counted by
    /// the batches asked for: five old records at two per batch take three statements (2, 2, 1) and four take
    /// three too (2, 2, then an empty one), where one batch of a hundred takes one.
    @Test(arguments: Backend.available) func purgeDeletesInBatchesUntilNothingExpiredIsLeft(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            func attempts(_ times: [Int64]) async throws {
                for at in times {
                    try await store.recordAttempt(
                        LoginAttempt(
                            username: "u", accountID: "a", at: at, ip: "1.2.3.4", method: "password", outcome: .badCredentials,
                            userAgent: ""))
                }
            }
            /// Rows removed per table and the statements the pass took.
            func purge(batchSize: Int) async throws -> (removed: [String: Int], batches: Int) {
                let batches = Counter()
                let removed = try await store.purgeExpired(
                    .init(now: 2_000, recordRetention: 1_000, grantLifetime: 1_000, batchSize: batchSize) {
                        batches.add()
                        return false
                    })
                return (removed, batches.value)
            }
            let idle = try await purge(batchSize: 2).batches  // one empty statement per table
            try await attempts([1, 2, 3, 4, 5, 5_000])
            let five = try await purge(batchSize: 2)
            #expect(five.removed["login_attempts"] == 5 && five.batches == idle + 2)
            #expect(try await store.attempts(accountID: "a", limit: 10).map(\.at) == [5_000])
            try await attempts([6, 7, 8, 9])
            let four = try await purge(batchSize: 2)
            #expect(four.removed["login_attempts"] == 4 && four.batches == idle + 2)
            try await attempts([10, 11, 12, 13, 14])
            let one = try await purge(batchSize: 100)
            #expect(one.removed["login_attempts"] == 5 && one.batches == idle)
            // Rows that share one time across batch boundaries all go (each batch starts at the last one's time).
            try await attempts([20, 20, 20, 20, 20])
            let ties = try await purge(batchSize: 2)
            #expect(ties.removed["login_attempts"] == 5)
            // A stop request ends the pass before its next statement: nothing is deleted after it.
            try await attempts([15, 16])
            let stopped = try await store.purgeExpired(.init(now: 2_000, recordRetention: 1_000, grantLifetime: 1_000) { true })
            #expect(stopped.values.allSatisfy { $0 == 0 })
            #expect(try await store.attempts(accountID: "a", limit: 10).count == 3)
        }
    }

    /// An old grant goes once no refresh token keeps it, and not before.
    @Test(arguments: Backend.available) func purgeKeepsAGrantWhileARefreshTokenLives(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await makeGrant(store, id: "g")
            try await makeGrant(store, id: "h")
            #expect(try await store.saveRefreshToken(refreshRecord("live", grant: "g", expiresAt: 10_000)))
            let removed = try await store.purgeExpired(.init(now: 2_000, recordRetention: 1_000, grantLifetime: 1_000, batchSize: 1))
            #expect(removed["grants"] == 1)
            #expect(try await store.grant(id: "g") != nil)
            #expect(try await store.grant(id: "h") == nil)
        }
    }
}

extension SQLStoreTests {
    @Test(arguments: Backend.available) func appSignInsAndConsentsAreRecorded(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            try await store.recordAppSignIns([AppSignIn(accountID: "a", clientID: "c1", at: 10, ip: "10.0.0.1", userAgent: "UA", method: "password")])
            try await store.recordAppSignIns([AppSignIn(accountID: "a", clientID: "c2", at: 20, ip: "10.0.0.2", userAgent: "UA", method: "password")])
            #expect(try await store.appSignIns(accountID: "a", limit: 10).map(\.clientID) == ["c2", "c1"])
            try await store.saveConsent(accountID: "a", clientID: "c1", scopes: ["openid", "eduinfo"], at: 5)
            #expect(try await store.consentedScopes(accountID: "a", clientID: "c1") == ["openid", "eduinfo"])
            #expect(try await store.consentedScopes(accountID: "a", clientID: "c2").isEmpty)
        }
    }
}

extension SQLStoreTests {
    @Test(arguments: Backend.available) func registryImportReplacesTheSameTermAndListsNewestFirst(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            let school = SchoolKey(code: "193662", level: .elementary)
            func record(_ year: String, _ semester: String, seat: Int) -> RegistryRecord {
                RegistryRecord(
                    nationalID: "A123456789", name: "林小華", school: school, grade: 6, classNo: "04", seatNo: seat,
                    academicYear: year, semester: semester, status: .enrolled)
            }
            try await store.importRegistry([record("113", "2", seat: 3), record("114", "1", seat: 7)], at: 1)
            try await store.importRegistry([record("114", "1", seat: 9)], at: 2)
            let records = try await store.registryRecords(nationalID: "a123456789")
            #expect(records.map(\.academicYear) == ["114", "113"])
            #expect(records.first?.seatNo == 9)
            #expect(try await store.registryCount() == 2)
        }
    }
}

extension SQLStoreTests {
    @Test(arguments: Backend.available) func theFailureThatLocksAnAccountSaysSoOnce(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            let hasher = PasswordHasher(parameters: .init(memoryKiB: 8 * 1024, iterations: 1, parallelism: 1))
            try await store.insertAccount(
                Account(id: "a1", username: "lock.me", passwordHash: try await hasher.hash("Right1234"), name: "鎖", createdAt: 0, updatedAt: 0))
            var throttle = LoginThrottle()
            throttle.freeFailures = 100
            throttle.ipFreeFailures = 100
            throttle.lockThreshold = 3
            let signIn = try await PasswordSignIn(accounts: store, records: store, hasher: hasher, throttle: throttle, clock: .system)
            func attempt(_ password: String) async throws -> PasswordSignIn.Outcome {
                try await signIn.attempt(username: "lock.me", password: password, ip: "10.0.0.9", userAgent: "test")
            }
            #expect(try await attempt("Wrong0001") == .badCredentials)
            #expect(try await attempt("Wrong0002") == .badCredentials)
            guard case .lockedNow(let account, _) = try await attempt("Wrong0003") else {
                Issue.record("the third failure should lock the account and say so")
                return
            }
            #expect(account.id == "a1")
            guard case .locked = try await attempt("Right1234") else {
                Issue.record("a locked account must refuse even the right password")
                return
            }
        }
    }
}

/// Single-use things fired from many connections at once: exactly one caller wins.
extension SQLStoreTests {
    /// Runs `attempt` `count` times at once and returns how many succeeded.
    func race(_ count: Int, _ attempt: @escaping @Sendable () async throws -> Bool) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<count { group.addTask { try await attempt() } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    @Test(arguments: Backend.available) func aCaptchaIsTakenOnceByRacingRequests(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            for round in 0..<5 {
                try await store.saveCaptcha(CaptchaChallenge(id: "cap-\(round)", browserHash: "b", code: "123", expiresAt: 1_000))
                #expect(try await race(16) { try await store.takeCaptcha(id: "cap-\(round)") != nil } == 1)
            }
        }
    }

    @Test(arguments: Backend.available) func aResetCodeIsSpentOnceByRacingRequests(_ backend: Backend) async throws {
        try await backend.withStore { (store: SQLStore) async throws in
            for round in 0..<5 {
                let code = VerificationCode(
                    id: "v-\(round)", accountID: "a", purpose: .resetPassword, target: "reset", codeHash: "h-\(round)",
                    expiresAt: 1_000)
                try await store.saveVerificationCode(code)
                let spent = try await race(16) {
                    guard try await store.claimVerificationAttempt(id: code.id, now: 1, maxAttempts: 5) == code.codeHash else {
                        return false
                    }
                    return try await store.consumeVerificationCode(id: code.id, codeHash: code.codeHash) != nil
                }
                #expect(spent == 1)
            }
        }
    }

    /// Nodes that start at once on an empty database: each migration is applied once, and all end up current.
    /// PostgreSQL only: nodes share a PostgreSQL database (an advisory lock orders them). Several SQLite stores in
    /// one process would wait for SQLite's file lock on the threads of one shared pool and stall each other.
    @Test(arguments: Backend.available.filter { $0 == .postgres }) func nodesStartingAtOnceMigrateOnce(_ backend: Backend) async throws {
        try await backend.withDatabase { url in
            let stores = try (0..<4).map { _ in try SQLStore.open(url: url, logger: Logger(label: "test")) }
            var failure: (any Error)?
            do {
                let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    return try await group.reduce(into: [Int]()) { $0 += $1 }
                }
                #expect(applied.sorted() == Migrations.all.map(\.version))
                for store in stores { #expect(try await store.schemaVersion() == store.latestSchemaVersion) }
            } catch {
                failure = error
            }
            for store in stores { try await store.shutdown() }
            if let failure { throw failure }
        }
    }
}

/// A count shared with a `@Sendable` closure.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
