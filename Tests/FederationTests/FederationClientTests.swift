import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OIDC
import Synchronization
import Testing

@testable import Federation

/// The relying-party client against a small county provider served over real HTTP on loopback: what it accepts
/// from a county's discovery, JWKS, token and userinfo answers, and how long it waits.
@Suite struct FederationClientTests {
    /// The county's keys, in memory.
    final class MemoryKeys: KeyStore, Sendable {
        let ring = Mutex<[SigningKey]>([])
        func loadKeys() async throws -> [SigningKey] { ring.withLock { $0 } }
        func update(_ change: @escaping @Sendable ([SigningKey]) throws -> [SigningKey]) async throws -> KeyRingChange {
            try ring.withLock { ring in
                let before = ring
                ring = try change(ring)
                return KeyRingChange(before: before, after: ring)
            }
        }
    }

    /// What the test county answers; each test changes what it needs.
    struct Behaviour: Sendable {
        var discoveryIssuer: String?
        var endpointScheme = "http"
        var extraJWKS: [String] = []
        var idTokenClaims: [String: JSONValue] = [:]
        var userinfo: [String: JSONValue]? = nil
        var tokenDelay: Duration = .zero
        var userinfoDelay: Duration = .zero
        var hugeDiscovery = false
    }

    final class County: Sendable {
        let keys: KeyManager
        let behaviour = Mutex(Behaviour())
        let issuer = Mutex("")
        let tokenRequests = Atomic<Int>(0)
        let jwksRequests = Atomic<Int>(0)

        init() async throws {
            keys = try await KeyManager.open(store: MemoryKeys(), preactivation: 0, retirementOverlap: 3600)
        }

        func router() -> Router<BasicRequestContext> {
            let router = Router()
            router.get("/.well-known/openid-configuration") { _, _ in
                let (behaviour, issuer) = (self.behaviour.withLock { $0 }, self.issuer.withLock { $0 })
                if behaviour.hugeDiscovery { return Self.json(Data(repeating: 0x20, count: 2 << 20)) }
                let base = behaviour.endpointScheme + issuer.dropFirst("http".count)
                let document: [String: String] = [
                    "issuer": behaviour.discoveryIssuer ?? issuer, "authorization_endpoint": base + "/authorize",
                    "token_endpoint": base + "/token", "jwks_uri": base + "/jwks", "userinfo_endpoint": base + "/userinfo",
                ]
                return Self.json(try JSONSerialization.data(withJSONObject: document))
            }
            router.get("/jwks") { _, _ in
                self.jwksRequests.add(1, ordering: .relaxed)
                var keys = String(decoding: self.keys.jwksJSON, as: UTF8.self)
                let extra = self.behaviour.withLock { $0.extraJWKS }
                if !extra.isEmpty, let open = keys.range(of: "[") {
                    keys.replaceSubrange(open, with: "[" + extra.joined(separator: ",") + ",")
                }
                return Self.json(Data(keys.utf8))
            }
            router.post("/token") { _, _ in
                self.tokenRequests.add(1, ordering: .relaxed)
                let behaviour = self.behaviour.withLock { $0 }
                try await Task.sleep(for: behaviour.tokenDelay)
                let now = Clock.system.now()
                var claims = ClaimSet([
                    "iss": .string(self.issuer.withLock { $0 }), "aud": "edu-sso", "sub": "county-sub-1", "nonce": "n-1",
                    "iat": .int(now), "exp": .int(now + 300), "personid": "E120002005",
                ])
                for (name, value) in behaviour.idTokenClaims { claims[name] = value == .null ? nil : value }
                let idToken = try await self.keys.sign(claims, alg: .es256)
                return Self.json(try JSON.encode(["id_token": idToken, "access_token": "county-access", "token_type": "Bearer"]))
            }
            router.get("/userinfo") { request, _ in
                let behaviour = self.behaviour.withLock { $0 }
                try await Task.sleep(for: behaviour.userinfoDelay)
                guard request.headers[.authorization] == "Bearer county-access", let answer = behaviour.userinfo else {
                    return Response(status: .unauthorized)
                }
                return Self.json(try JSON.encode(JSONValue.object(answer)))
            }
            return router
        }

        static func json(_ data: Data) -> Response {
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Runs `body` with a county on a loopback port and a client for it. The deadline is generous unless a test is
    /// about it: the suites run in parallel on two cores, and a county answer may wait seconds for a core.
    func withCounty(
        timeout: TimeAmount = .seconds(15), requireHTTPS: Bool = false, clock: Clock = .system,
        _ body: @Sendable (County, FederationClient, CountyProvider) async throws -> Void
    ) async throws {
        let county = try await County()
        let app = Application(router: county.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let issuer = "http://127.0.0.1:\(try #require(client.port))"
            county.issuer.withLock { $0 = issuer }
            var timing = FederationClient.Timing()
            timing.timeout = timeout
            timing.requireHTTPS = requireHTTPS
            let provider = CountyProvider(
                code: "kh", name: "高雄市", issuer: issuer, clientID: "edu-sso", clientSecret: "s", icon: nil)
            try await body(county, FederationClient(timing: timing, clock: clock), provider)
        }
    }

    func finish(_ client: FederationClient, _ provider: CountyProvider) async throws(FederationError) -> ClaimSet {
        try await client.finish(provider, code: "c", redirectURI: "https://sso/cb", codeVerifier: "v", nonce: "n-1")
    }

    func failure(_ client: FederationClient, _ provider: CountyProvider) async -> FederationError? {
        do {
            _ = try await finish(client, provider)
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodSignInGivesTheVerifiedClaims() async throws {
        try await withCounty { _, client, provider in
            let claims = try await finish(client, provider)
            #expect(claims.string("sub") == "county-sub-1" && claims.string("personid") == "E120002005")
        }
    }

    @Test func productionRefusesADiscoveryThatNamesPlainHTTPEndpoints() async throws {
        try await withCounty(requireHTTPS: true) { _, client, provider in
            #expect(await failure(client, provider) == .unavailable("discovery names a plain-http endpoint"))
        }
    }

    @Test func aDiscoveryNamingAnotherIssuerIsRefused() async throws {
        try await withCounty { county, client, provider in
            county.behaviour.withLock { $0.discoveryIssuer = "https://impostor.example" }
            #expect(await failure(client, provider) == .unavailable("discovery names another issuer"))
        }
    }

    @Test func anAnswerOverOneMebibyteIsRefused() async throws {
        try await withCounty { county, client, provider in
            county.behaviour.withLock { $0.hugeDiscovery = true }
            guard case .unavailable = await failure(client, provider) else {
                Issue.record("a 2 MiB discovery document must be refused")
                return
            }
        }
    }

    @Test func aKeyThatCannotBeUsedDoesNotSpoilTheOthers() async throws {
        try await withCounty { county, client, provider in
            county.behaviour.withLock {
                $0.extraJWKS = [
                    #"{"kty":"oct","k":"c2VjcmV0","kid":"shared"}"#, #"{"kty":"EC","crv":"P-256","x":"bad","y":"bad"}"#,
                ]
            }
            let claims = try await finish(client, provider)
            #expect(claims.string("sub") == "county-sub-1")
        }
    }

    @Test func aRotatedKeyIsFetchedOnceAndNotForEveryBadToken() async throws {
        // A clock that moves only when the test says (the refresh pause is measured on it).
        let start = Clock.system.now()
        let later = Atomic<Int64>(0)
        try await withCounty(clock: Clock { start + later.load(ordering: .relaxed) }) { county, client, provider in
            _ = try await finish(client, provider)
            #expect(county.jwksRequests.load(ordering: .relaxed) == 1)
            // The county rotates: the new kid makes the client read the JWKS again, once.
            later.store(10, ordering: .relaxed)
            try await county.keys.rotate(immediately: true)
            _ = try await finish(client, provider)
            #expect(county.jwksRequests.load(ordering: .relaxed) == 2)
            // Tokens naming unknown kids within the next seconds do not make it fetch again.
            for _ in 0..<3 {
                try await county.keys.rotate(immediately: true, retireOldNow: true)
                #expect(await failure(client, provider) == .invalidToken("signature not valid"))
            }
            #expect(county.jwksRequests.load(ordering: .relaxed) == 2)
            // Once the pause is over, the next unknown kid is fetched.
            later.store(20, ordering: .relaxed)
            _ = try await finish(client, provider)
            #expect(county.jwksRequests.load(ordering: .relaxed) == 3)
        }
    }

    @Test func userinfoFillsInTheNationalIDForTheSameSubjectOnly() async throws {
        try await withCounty { county, client, provider in
            county.behaviour.withLock {
                $0.idTokenClaims = ["personid": .null]
                $0.userinfo = ["sub": "county-sub-1", "personid": "E120002005", "nonce": "not-from-userinfo"]
            }
            let claims = try await finish(client, provider)
            #expect(claims.string("personid") == "E120002005")
            // The ID token's own claims are not replaced by userinfo's.
            #expect(claims.string("nonce") == "n-1")
            county.behaviour.withLock { $0.userinfo = ["sub": "someone-else", "personid": "A123456789"] }
            #expect(await failure(client, provider) == .invalidToken("userinfo is about another subject"))
        }
    }

    @Test func allCallsOfASignInShareOneDeadline() async throws {
        try await withCounty(timeout: .milliseconds(1500)) { county, client, provider in
            _ = try await client.metadata(for: provider)
            // Each call alone fits in 1.5 s; token and userinfo together do not.
            county.behaviour.withLock {
                $0.idTokenClaims = ["personid": .null]
                $0.userinfo = ["sub": "county-sub-1", "personid": "E120002005"]
                $0.tokenDelay = .milliseconds(900)
                $0.userinfoDelay = .milliseconds(900)
            }
            // Each call alone would have been answered: the sign-in fails only because they share the deadline.
            guard case .unavailable = await failure(client, provider) else {
                Issue.record("token and userinfo together must not outlast the sign-in's one deadline")
                return
            }
        }
    }
}
