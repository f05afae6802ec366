import Foundation
import Identity
import OIDC
import Testing

@testable import Storage
@testable import Web

/// Single-use things under concurrency: every test fires the racing requests at once, many times, and checks
/// the outcome (the store-level halves are in StorageTests).
@Suite struct RaceTests {
    typealias ManualClock = LifetimeTests.ManualClock
    let lifetime = LifetimeTests()

    @Test func aReplayedCodeRevokesEveryTokenIssuedFromIt() async throws {
        try await lifetime.withServices { services, demo, _ in
            var winners = 0
            for _ in 0..<15 {
                let (request, authentication) = try await lifetime.codeRequest(services, demo)
                let code = try await services.tokens.issueCode(for: request, authentication: authentication)
                let results = await withTaskGroup(of: TokenResponse?.self) { group in
                    for _ in 0..<6 { group.addTask { try? await lifetime.exchange(services, demo, code: code) } }
                    return await group.reduce(into: [TokenResponse]()) { if let response = $1 { $0.append(response) } }
                }
                #expect(results.count <= 1)
                winners += results.count
                // Whatever the interleaving, the replays revoked the family: no token issued from the code works.
                for response in results {
                    await #expect(throws: OAuthError.self) { try await services.tokens.verifyAccessToken(response.accessToken) }
                    if let refresh = response.refreshToken {
                        let client = try #require(try await services.store.client(id: demo.clientID))
                        await #expect(throws: OAuthError.self) {
                            try await services.tokens.exchange(
                                RequestParameters([("grant_type", "refresh_token"), ("refresh_token", refresh)]), client: client)
                        }
                    }
                }
            }
            // The first redemption does win in some rounds, so the checks above ran on real tokens.
            #expect(winners > 0)
        }
    }

    func refresh(_ services: Services, _ demo: DemoSeed, _ token: String) async throws -> TokenResponse {
        let client = try #require(try await services.store.client(id: demo.clientID))
        return try await services.tokens.exchange(
            RequestParameters([("grant_type", "refresh_token"), ("refresh_token", token)]), client: client)
    }

    @Test func retriesInsideTheGraceWindowGetTheSameSuccessor() async throws {
        try await lifetime.withServices { services, demo, _ in
            for _ in 0..<10 {
                let (request, authentication) = try await lifetime.codeRequest(services, demo)
                let first = try await lifetime.exchange(
                    services, demo, code: try await services.tokens.issueCode(for: request, authentication: authentication))
                let original = try #require(first.refreshToken)
                let successors = await withTaskGroup(of: String?.self) { group in
                    for _ in 0..<6 { group.addTask { try? await refresh(services, demo, original).refreshToken } }
                    return await group.reduce(into: [String]()) { if let token = $1 { $0.append(token) } }
                }
                // Every racer that got an answer got the same successor, and it works.
                #expect(!successors.isEmpty)
                #expect(Set(successors).count == 1)
                let next = try await refresh(services, demo, try #require(successors.first))
                #expect(next.refreshToken != nil)
            }
        }
    }

    @Test func aStolenRotatedTokenCannotTakeOverTheFamily() async throws {
        try await lifetime.withServices { services, demo, time in
            let (request, authentication) = try await lifetime.codeRequest(services, demo)
            let first = try await lifetime.exchange(
                services, demo, code: try await services.tokens.issueCode(for: request, authentication: authentication))
            let stolen = try #require(first.refreshToken)
            let legitimate = try #require(try await refresh(services, demo, stolen).refreshToken)
            // The thief, inside the window, gets at most the very successor the client already holds.
            let thief = try? await refresh(services, demo, stolen)
            #expect(thief == nil || thief?.refreshToken == legitimate)
            // The legitimate holder keeps working; once it moved on, the old token gets nothing inside the window.
            let moved = try #require(try await refresh(services, demo, legitimate).refreshToken)
            await #expect(throws: OAuthError.self) { try await refresh(services, demo, stolen) }
            #expect(try await refresh(services, demo, moved).refreshToken != nil)
            // Outside the window, reuse revokes the whole family.
            time.advance(services.config.refreshGraceSeconds + 1)
            await #expect(throws: OAuthError.self) { try await refresh(services, demo, stolen) }
            let latest = try await services.store.refreshToken(hash: Secrets.hash(moved))
            #expect(latest == nil)
        }
    }

    @Test func parallelGuessesOfAVerificationCodeStopAtTheLimit() async throws {
        try await lifetime.withServices { services, demo, _ in
            let account = try #require(try await services.store.account(username: demo.username))
            let code = try await services.verificationCodes.issue(accountID: account.id, purpose: .changeEmail, target: "n@example.com")
            let pending = try #require(try await services.verificationCodes.pending(accountID: account.id).first)
            let wrong = code == "000000" ? "111111" : "000000"
            let results = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<30 { group.addTask { try await services.verificationCodes.check(pending, answer: wrong) } }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0 == nil })
            #expect(try await services.store.verificationCodes(accountID: account.id).first?.attempts == VerificationCodes.maxAttempts)
            // The limit is spent: even the right code no longer works.
            #expect(try await services.verificationCodes.check(pending, answer: code) == nil)
        }
    }
}
