import Foundation
import Identity
import OIDC
import Synchronization
import Testing

@testable import Storage
@testable import Web

/// Expiry, driven by an injectable clock instead of sleeping.
@Suite struct LifetimeTests {
    final class ManualClock: Sendable {
        let seconds = Atomic<Int64>(1_800_000_000)
        var clock: OIDC.Clock { OIDC.Clock { [self] in seconds.load(ordering: .relaxed) } }
        func advance(_ delta: Int64) { seconds.add(delta, ordering: .relaxed) }
    }

    /// A development configuration with its data and keys in `directory`, and cheap password hashing.
    static func testConfig(in directory: URL) -> AppConfig {
        var config = AppConfig()
        config.dataDir = directory.appendingPathComponent("data").path
        config.keysDir = directory.appendingPathComponent("keys").path
        config.passwordMemoryKiB = 8 * 1024
        config.passwordIterations = 1
        config.development = true
        return config
    }

    func withServices(_ body: (Services, DemoSeed, ManualClock) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-life-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = Self.testConfig(in: directory)
        config.readCacheMs = 0
        let time = ManualClock()
        let built = try await buildApplication(config, clock: time.clock)
        do {
            try await body(built.services, try #require(built.demo), time)
        } catch {
            try? await built.shutdown()
            throw error
        }
        try await built.shutdown()
    }

    func codeRequest(_ services: Services, _ demo: DemoSeed) async throws -> (AuthorizationRequest, Authentication) {
        let account = try #require(try await services.store.account(username: demo.username))
        let request = AuthorizationRequest(
            clientID: demo.clientID, redirectURI: services.config.issuer + "/demo/callback", scopes: ["openid", "eduinfo"],
            nonce: "n-1", codeChallenge: PKCE.challenge(for: String(repeating: "v", count: 43)))
        let authentication = Authentication(subject: account.id, authTime: services.clock.now(), amr: ["pwd"])
        return (request, authentication)
    }

    func exchange(_ services: Services, _ demo: DemoSeed, code: String) async throws -> TokenResponse {
        let client = try #require(try await services.store.client(id: demo.clientID))
        return try await services.tokens.exchange(
            RequestParameters([
                ("grant_type", "authorization_code"), ("code", code),
                ("redirect_uri", services.config.issuer + "/demo/callback"),
                ("code_verifier", String(repeating: "v", count: 43)),
            ]), client: client)
    }

    @Test func codesExpireAfterSixtySeconds() async throws {
        try await withServices { services, demo, time in
            let (request, authentication) = try await codeRequest(services, demo)
            let code = try await services.tokens.issueCode(for: request, authentication: authentication)
            time.advance(61)
            await #expect(throws: OAuthError.invalidGrant("The authorization code has expired.")) {
                try await exchange(services, demo, code: code)
            }
        }
    }

    @Test func accessTokensExpireAndExpiredStateIsPurged() async throws {
        try await withServices { services, demo, time in
            let (request, authentication) = try await codeRequest(services, demo)
            let code = try await services.tokens.issueCode(for: request, authentication: authentication)
            let tokens = try await exchange(services, demo, code: code)
            let claims = try await services.tokens.verifyAccessToken(tokens.accessToken)
            #expect(claims.sub == authentication.subject)
            #expect(claims.scopes == ["openid", "eduinfo"])

            time.advance(services.config.accessTokenTTL + 1)
            await #expect(throws: OAuthError.self) { try await services.tokens.verifyAccessToken(tokens.accessToken) }

            time.advance(services.config.refreshTokenTTL)
            try await MaintenanceService(services: services).runOnce()
            let refresh = try #require(tokens.refreshToken)
            #expect(try await services.store.refreshToken(hash: Secrets.hash(refresh)) == nil)
        }
    }

    /// An access token verified once is not verified again on every use, but a withdrawn key still stops it at once.
    @Test func aWithdrawnKeyStopsTokensWhoseSignatureWasAlreadyChecked() async throws {
        try await withServices { services, demo, time in
            let (request, authentication) = try await codeRequest(services, demo)
            let tokens = try await exchange(services, demo, code: try await services.tokens.issueCode(for: request, authentication: authentication))
            for _ in 0..<3 { _ = try await services.tokens.verifyAccessToken(tokens.accessToken) }
            let alg = try #require(SigningKey.Algorithm(rawValue: try JWTHeaderPeek.alg(of: tokens.accessToken)))
            try await services.keys.rotate([alg], retireOldNow: true)
            await #expect(throws: OAuthError.self) { try await services.tokens.verifyAccessToken(tokens.accessToken) }
        }
    }

    @Test func newKeysArePublishedBeforeTheySignAndRetireAfterTheOverlap() async throws {
        try await withServices { services, demo, time in
            let keys = services.keys
            func signer() async throws -> String? {
                let (request, authentication) = try await codeRequest(services, demo)
                let tokens = try await exchange(services, demo, code: try await services.tokens.issueCode(for: request, authentication: authentication))
                // The ID token: RS256 (access tokens are ES256 by default).
                return try JWTHeaderPeek.kid(of: try #require(tokens.idToken))
            }
            let first = try #require(keys.snapshot.signingKey(.rs256, at: services.clock.now())?.kid)
            #expect(try await signer() == first)
            time.advance(services.config.keyRotationDays * 86400)
            try await MaintenanceService(services: services).runOnce()
            let second = try #require(keys.snapshot.keys.first { $0.alg == .rs256 && $0.kid != first })
            // Published at once, but apps that cached the JWKS a moment ago must not meet its kid yet.
            #expect(keys.snapshot.jwksJSON.range(of: Data(second.kid.utf8)) != nil)
            #expect(try await signer() == first)
            time.advance(services.config.keyPreactivationHours * 3600 - 1)
            #expect(try await signer() == first)
            time.advance(1)
            #expect(try await signer() == second.kid)
            // The old key stays published for the retirement overlap after its successor took over.
            time.advance(services.config.keyRetirementHours * 3600 - 1)
            try await MaintenanceService(services: services).runOnce()
            #expect(keys.snapshot.keys.contains { $0.kid == first })
            time.advance(2)
            try await MaintenanceService(services: services).runOnce()
            #expect(!keys.snapshot.keys.contains { $0.kid == first })
        }
    }
}

/// Reads the `kid` of a compact JWS without verifying it (the tests only ask which key signed).
enum JWTHeaderPeek {
    static func kid(of token: String) throws -> String? { try field("kid", of: token) }
    static func alg(of token: String) throws -> String { try field("alg", of: token) ?? "" }

    static func field(_ name: String, of token: String) throws -> String? {
        var header = String(token.split(separator: ".").first ?? "").replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while header.count % 4 != 0 { header += "=" }
        let json = try JSONSerialization.jsonObject(with: Data(base64Encoded: header) ?? Data()) as? [String: Any]
        return json?[name] as? String
    }
}
