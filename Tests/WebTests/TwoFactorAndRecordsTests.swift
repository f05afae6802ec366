import Foundation
@testable import Identity
import Logging
import OIDC
import ServiceLifecycle
import Testing

@testable import Storage
@testable import Web

/// Two-factor codes under concurrency, and the app-login-record writer across a clean shutdown.
@Suite struct TwoFactorAndRecordsTests {
    let lifetime = LifetimeTests()

    /// Binds an authenticator for the demo student; returns the secret the "device" holds.
    func bind(_ services: Services, _ account: Account) async throws -> Data {
        _ = try #require(try await services.twoFactor.start(accountID: account.id))
        let secret = try #require(try await services.twoFactor.pendingSecret(accountID: account.id))
        let now = services.clock.now()
        guard case .bound(let codes) = try await services.twoFactor.confirm(
            accountID: account.id, code: TOTP.code(secret: secret, step: TOTP.step(at: now)))
        else { throw TestFailure("binding was refused") }
        #expect(codes.count == TwoFactor.recoveryCodeCount)
        return secret
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test func oneCodeSignsInOnceHoweverManyRequestsCarryIt() async throws {
        try await lifetime.withServices { services, demo, time in
            let account = try #require(try await services.store.account(username: demo.username))
            let secret = try await bind(services, account)
            for _ in 0..<4 {
                // A new attempt window each round: how many tries a round's losers used up depends on the
                // interleaving, and must not decide the next round.
                time.advance(TwoFactor.attemptWindow + TOTP.period)
                let code = TOTP.code(secret: secret, step: TOTP.step(at: services.clock.now()))
                let results = await withTaskGroup(of: TwoFactor.Check?.self) { group in
                    for _ in 0..<10 {
                        group.addTask { try? await services.twoFactor.verify(account: account, code: code, ip: "10.0.0.1", userAgent: "") }
                    }
                    return await group.reduce(into: [TwoFactor.Check]()) { if let check = $1 { $0.append(check) } }
                }
                #expect(results.count == 10)
                #expect(results.filter { $0 == .accepted(usedRecoveryCode: false) }.count == 1)
                // The others are replays, or found the attempt budget taken by the requests in flight.
                #expect(results.filter { $0 == .replayed || $0 == .throttled }.count == 9)
            }
            // Every attempt is in the IP login records: four successes, the rest refused.
            let attempts = try await services.store.attempts(accountID: account.id, limit: 100)
            #expect(attempts.filter { $0.method == LoginAttempt.Method.totp }.count == 40)
            #expect(attempts.filter { $0.outcome == .success }.count == 4)
        }
    }

    @Test func parallelWrongCodesGetNoMoreThanTheLimitOfGuesses() async throws {
        try await lifetime.withServices { services, demo, time in
            let account = try #require(try await services.store.account(username: demo.username))
            let secret = try await bind(services, account)
            time.advance(TOTP.period)
            let right = TOTP.code(secret: secret, step: TOTP.step(at: services.clock.now()))
            let wrong = (0..<40).map { String(format: "%06d", $0) }.filter { $0 != right }.prefix(30)
            let results = await withTaskGroup(of: TwoFactor.Check?.self) { group in
                for code in wrong {
                    group.addTask { try? await services.twoFactor.verify(account: account, code: code, ip: "10.0.0.2", userAgent: "") }
                }
                return await group.reduce(into: [TwoFactor.Check]()) { if let check = $1 { $0.append(check) } }
            }
            #expect(results.filter { $0 == .wrong }.count == TwoFactor.attemptLimit)
            #expect(results.filter { $0 == .throttled }.count == wrong.count - TwoFactor.attemptLimit)
            // Even the right code waits for the window to pass.
            #expect(try await services.twoFactor.verify(account: account, code: right, ip: "10.0.0.2", userAgent: "") == .throttled)
            time.advance(TwoFactor.attemptWindow + 1)
            let later = TOTP.code(secret: secret, step: TOTP.step(at: services.clock.now()))
            #expect(try await services.twoFactor.verify(account: account, code: later, ip: "10.0.0.2", userAgent: "") == .accepted(usedRecoveryCode: false))
        }
    }

    @Test func theSealedSecretOpensOnlyForItsOwnAccount() async throws {
        try await lifetime.withServices { services, demo, _ in
            let sealed = try services.twoFactor.seal(Data([1, 2, 3]), accountID: "a")
            #expect(try services.twoFactor.open(sealed, accountID: "a") == Data([1, 2, 3]))
            #expect(throws: (any Error).self) { try services.twoFactor.open(sealed, accountID: "b") }
        }
    }

    /// The records wait in memory while the server runs; a graceful shutdown writes them before the database
    /// closes (the writer's service is stopped before the store's).
    @Test func appLoginRecordsWaitingAtShutdownAreWritten() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-records-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = LifetimeTests.testConfig(in: directory)
        config.port = 0
        // Longer than the test: nothing is written by the periodic flush, only by the shutdown.
        config.recordBatchMs = 60_000
        let built = try await buildApplication(config)
        let group = ServiceGroup(configuration: .init(services: [built.application], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(300))
            for index in 0..<250 {
                await built.services.appSignIns.record(
                    AppSignIn(accountID: "acct", clientID: "app", at: Int64(index), ip: "10.0.0.\(index % 250)", userAgent: "", method: "password"))
            }
            #expect(await built.services.appSignIns.waiting == 250)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let store = try SQLStore.open(url: config.resolvedDatabaseURL, logger: Logger(label: "test"))
        let written = try await store.appSignIns(accountID: "acct", limit: 1000)
        try await store.shutdown()
        #expect(written.count == 250)
        #expect(written.first?.at == 249)
    }

    @Test func aBatchTheDatabaseRefusesIsKeptForTheNext() async throws {
        actor FlakyStore: LoginRecordStore {
            var failNext = true
            var written: [AppSignIn] = []
            func recordAppSignIns(_ signIns: [AppSignIn]) async throws {
                if failNext {
                    failNext = false
                    throw TestFailure("database unavailable")
                }
                written += signIns
            }
            func recordAttempt(_ attempt: LoginAttempt) async throws {}
            func recentFailures(username: String, since: Int64) async throws -> [Int64] { [] }
            func recentFailures(ip: String, since: Int64) async throws -> [Int64] { [] }
            func attempts(accountID: String, limit: Int) async throws -> [LoginAttempt] { [] }
            func appSignIns(accountID: String, limit: Int) async throws -> [AppSignIn] { [] }
        }
        let store = FlakyStore()
        let recorder = AppSignInRecorder(store: store, window: .milliseconds(10))
        await recorder.record(AppSignIn(accountID: "a", clientID: "c", at: 1, ip: "", userAgent: "", method: "password"))
        #expect(await recorder.flush() == false)
        await recorder.record(AppSignIn(accountID: "a", clientID: "c", at: 2, ip: "", userAgent: "", method: "password"))
        #expect(await recorder.flush())
        #expect(await store.written.map(\.at) == [1, 2])
    }
}
