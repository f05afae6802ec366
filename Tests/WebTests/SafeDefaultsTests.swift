import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import Notify
import OIDC
import Synchronization
import Storage
import Testing

@testable import Web

#if canImport(Glibc)
    import Glibc
#endif

/// Production is the default, development conveniences stay on loopback, messages never fall back to the outbox.
@Suite struct ProductionModeTests {
    @Test func developmentModeIsOnlyForALoopbackHTTPIssuer() throws {
        #expect(try AppConfig(values: [:]).development == false)
        #expect(try AppConfig(values: ["development": "true"]).development)
        let refused: [[String: String]] = [
            ["development": "true", "issuer": "https://sso.example.edu.tw"],
            ["development": "true", "issuer": "http://sso.example.edu.tw"],
            ["development": "true", "issuer": "http://127.0.0.1:8080", "host": "0.0.0.0"],
            ["development": "true", "issuer": "http://10.1.2.3:8080", "host": "10.1.2.3"],
        ]
        for values in refused {
            #expect(throws: ConfigError.self, "\(values)") { try AppConfig(values: values) }
        }
        // Without the switch, the same public issuer starts in production mode.
        #expect(try AppConfig(values: ["issuer": "https://sso.example.edu.tw", "host": "0.0.0.0"]).development == false)
        #expect(try AppConfig(values: ["development": "true", "issuer": "http://localhost:8080", "host": "::1"]).development)
    }

    @Test func productionRefusesToStartWithoutARealSender() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-prod-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = try AppConfig(values: ["issuer": "https://sso.example.edu.tw"])
        config.dataDir = directory.appendingPathComponent("data").path
        config.keysDir = directory.appendingPathComponent("keys").path
        await #expect(throws: ConfigError.self) { try await buildApplication(config) }
        // One channel is not enough: codes go to the e-mail and the mobile.
        config.smtpHost = "smtp.example.edu.tw"
        await #expect(throws: ConfigError.self) { try await buildApplication(config) }
        config.smsGatewayURL = "https://sms.example.edu.tw/send"
        // With both, production builds: no demo app, no demo student, no outbox.
        let built = try await buildApplication(config)
        #expect(built.demo == nil)
        #expect(built.services.senders.email is SMTPSender && built.services.senders.sms is SMSGatewaySender)
        #expect(built.services.notifier is MessageDispatcher)
        #expect(try await built.services.store.client(id: DemoSeed.clientID) == nil)
        #expect(try await built.services.store.registryCount() == 0)
        try await built.shutdown()
    }

    @Test func trustForwardedForIsGoneAndProxiesAreParsed() throws {
        #expect(throws: ConfigError.self) { try AppConfig(values: ["trust_forwarded_for": "true"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["trusted_proxies": "10.0.0.1,not-an-ip"]) }
        let config = try AppConfig(values: ["trusted_proxies": "10.0.0.1, 192.168.0.0/16,fd00::/8"])
        #expect(config.trustedProxies.map(\.description) == ["10.0.0.1", "192.168.0.0/16", "fd00::/8"])
        // Development mode allows a proxy on the machine itself, and nothing wider.
        #expect(try AppConfig(values: ["development": "true", "trusted_proxies": "127.0.0.1,::1"]).trustedProxies.count == 2)
        for wider in ["10.0.0.1", "127.0.0.0/7", "::/0", "0.0.0.0/0"] {
            #expect(throws: ConfigError.self) { try AppConfig(values: ["development": "true", "trusted_proxies": wider]) }
        }
    }

    @Test func aFailedOutboxWriteIsAnError() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-outbox-\(UUID().uuidString)")
        // A plain file where the outbox folder should be: nothing can be written there.
        _ = FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        defer { try? FileManager.default.removeItem(at: file) }
        let outbox = OutboxSender(directory: file, logger: Logger(label: "test"))
        await #expect(throws: (any Error).self) {
            try await outbox.deliver(OutgoingMessage(channel: .email, to: "a@example.com", subject: "s", body: "b"))
        }
    }

    @Test func theOutboxIsPurged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-outbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let outbox = OutboxSender(directory: directory, logger: Logger(label: "test"))
        try await outbox.deliver(OutgoingMessage(channel: .sms, to: "0912345678", subject: "", body: "code 123456"))
        try outbox.purge(olderThan: Date().addingTimeInterval(-60))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 1)
        try outbox.purge(olderThan: Date().addingTimeInterval(60))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}

/// A sender for tests: keeps what was sent.
final class CapturingSender: MessageSender {
    let sent = Mutex<[OutgoingMessage]>([])
    var description: String { "capturing sender" }
    func deliver(_ message: OutgoingMessage) async throws { sent.withLock { $0.append(message) } }
}

@Suite struct ClientAddressTests {
    let proxy = ClientAddress(trustedProxies: [IPRange("10.0.0.0/8")!, IPRange("::1")!])

    @Test func withoutTrustedProxiesTheHeaderIsIgnored() {
        let direct = ClientAddress(trustedProxies: [])
        #expect(direct.resolve(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"]) == "203.0.113.9")
    }

    @Test func theRightmostUntrustedHopIsTheClient() {
        // The client wrote "6.6.6.6" itself; the proxy appended the address it saw.
        #expect(proxy.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6, 203.0.113.9"]) == "203.0.113.9")
        #expect(proxy.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6, 203.0.113.9, 10.0.0.7"]) == "203.0.113.9")
        #expect(proxy.resolve(peer: "10.0.0.5", forwardedFor: ["6.6.6.6", "203.0.113.9"]) == "203.0.113.9")
        // An untrusted peer's header is not believed at all.
        #expect(proxy.resolve(peer: "198.51.100.1", forwardedFor: ["203.0.113.9"]) == "198.51.100.1")
        // Garbage stops the walk at the last trusted hop.
        #expect(proxy.resolve(peer: "10.0.0.5", forwardedFor: ["not-an-address"]) == "10.0.0.5")
        #expect(proxy.resolve(peer: "::1", forwardedFor: ["2001:db8::7"]) == "2001:db8::7")
    }

    @Test func ranges() {
        #expect(IPRange("192.168.0.0/16")!.contains("192.168.44.1"))
        #expect(!IPRange("192.168.0.0/16")!.contains("192.169.0.1"))
        #expect(IPRange("10.0.0.0/8")!.contains("::ffff:10.1.2.3"))
        #expect(IPRange("2001:db8::/32")!.contains("2001:db8:1::1"))
        #expect(IPRange("10.0.0.0/33") == nil && IPRange("nonsense") == nil)
        #expect(IPRange.isLoopback(host: "127.0.0.1") && IPRange.isLoopback(host: "[::1]") && !IPRange.isLoopback(host: "0.0.0.0"))
    }
}

@Suite struct RateLimiterTests {
    @Test func memoryIsBoundedAndANewMinuteStartsAfresh() {
        let limiter = RateLimiter(capacity: 100)
        for index in 0..<100 { #expect(limiter.allow("k\(index)", limit: 5, now: 60)) }
        // Full: unseen keys are not stored (memory stays bounded) and are not made to share one count, which a
        // flood could exhaust for every new visitor; known keys are still counted.
        for _ in 0..<20 { #expect(limiter.allow("fresh", limit: 5, now: 61)) }
        for index in 0..<50 { _ = limiter.allow("contact:fresh\(index)", limit: 5, now: 61) }
        #expect(limiter.keysHeld.counted == 100 && limiter.keysHeld.sharedEarly == 100, "\(limiter.keysHeld)")
        for _ in 0..<4 { #expect(limiter.allow("k1", limit: 5, now: 62)) }
        #expect(!limiter.allow("k1", limit: 5, now: 62))
        for _ in 0..<5 { limiter.record("fresh-more", now: 119) }
        #expect(limiter.allow("k1", limit: 5, now: 120), "a new minute drops the old table")
        for _ in 0..<5 { limiter.record("fresh-more", now: 121) }
        #expect(limiter.isExhausted("fresh-more", limit: 5, now: 122))
    }

    /// Past `publishLimit` changed keys in one sync, low-limit keys and busy keys share the budget: a spread
    /// attack on a limit of 5 is not crowded out by busy page keys, nor a busy key by a flood of low-limit ones.
    @Test func lowLimitAndBusyKeysShareThePublishBudget() {
        let limiter = RateLimiter(capacity: 20_000)
        for index in 0..<(RateLimiter.publishLimit + 10) {
            for _ in 0..<10 { _ = limiter.allow("page:\(index)", limit: 600, now: 60) }
        }
        _ = limiter.allow("contact:203.0.113.9", limit: 5, now: 60)
        let due = limiter.countsToPublish(now: 60)
        #expect(due.local.count == RateLimiter.publishLimit)
        #expect(due.local["contact:203.0.113.9"] == 1)

        // Refused requests still count, so a flood of low-limit keys can each count more than a busy key.
        let flooded = RateLimiter(capacity: 20_000)
        for index in 0..<RateLimiter.publishLimit {
            for _ in 0..<60 { _ = flooded.allow("captcha-render:\(index)", limit: 4, now: 60) }
        }
        for _ in 0..<50 { _ = flooded.allow("fail:password:198.51.100.7", limit: 600, now: 60) }
        let floodedDue = flooded.countsToPublish(now: 60)
        #expect(floodedDue.local.count == RateLimiter.publishLimit)
        #expect(floodedDue.local["fail:password:198.51.100.7"] == 50)
        #expect(floodedDue.local.keys.filter { $0.hasPrefix("captcha-render:") }.count == RateLimiter.publishLimit - 1)

        // Both kinds past half the budget: half each, the busiest of each kind.
        let both = RateLimiter(capacity: 20_000)
        for index in 0..<3_000 {
            for _ in 0..<(60 + index % 7) { _ = both.allow("captcha-render:\(index)", limit: 4, now: 60) }
            for _ in 0..<(10 + index % 5) { _ = both.allow("page:\(index)", limit: 600, now: 60) }
        }
        let bothDue = both.countsToPublish(now: 60)
        let low = bothDue.local.filter { $0.key.hasPrefix("captcha-render:") }
        #expect(low.count == RateLimiter.publishLimit / 2)
        #expect(bothDue.local.count - low.count == RateLimiter.publishLimit / 2)
        // The busiest of each kind: no key left out counts more than one taken.
        for kind in ["captcha-render:", "page:"] {
            let counts = (0..<3_000).map { index in kind == "page:" ? 10 + index % 5 : 60 + index % 7 }
            let taken = bothDue.local.filter { $0.key.hasPrefix(kind) }.values.sorted()
            let leftOut = counts.sorted().dropLast(taken.count)
            #expect((leftOut.max() ?? 0) <= (taken.first ?? 0), "\(kind)")
        }
    }

    @Test func failureOnlyCounting() {
        let limiter = RateLimiter()
        #expect(!limiter.isExhausted("fail", limit: 2, now: 0))
        limiter.record("fail", now: 0)
        limiter.record("fail", now: 1)
        #expect(limiter.isExhausted("fail", limit: 2, now: 2))
        #expect(!limiter.isExhausted("fail", limit: 2, now: 60))
    }
}

/// The sign-in form over real HTTP: a class behind one school address, and spoofed forwarding headers.
@Suite struct SchoolAddressTests {
    /// A minimal browser: one cookie jar for the browser cookie.
    struct Page {
        var cookie: String
        var csrf: String
        var captchaID: String
    }

    static func field(_ html: String, _ pattern: String) -> String? {
        guard let range = html.range(of: pattern, options: .regularExpression) else { return nil }
        let match = String(html[range])
        guard let start = match.range(of: "value=\"") else { return nil }
        return String(match[start.upperBound...].dropLast())
    }

    static func loginPage(_ client: any TestClientProtocol, headers: HTTPFields = [:]) async throws -> Page {
        let response = try await client.execute(uri: "/login", method: .get, headers: headers)
        let html = String(buffer: response.body)
        let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("edu_sso_b=") })
        return Page(
            cookie: String(cookie.split(separator: ";")[0]),
            csrf: try #require(field(html, "name=\"csrf_token\" value=\"[^\"]+\"")),
            captchaID: try #require(field(html, "name=\"captcha_id\" id=\"captcha-id\" value=\"[^\"]+\"")))
    }

    static func signIn(_ client: any TestClientProtocol, _ username: String, _ password: String, forwardedFor: String? = nil)
        async throws -> HTTPResponse.Status
    {
        var headers: HTTPFields = [:]
        if let forwardedFor { headers[HeaderNames.forwardedFor] = forwardedFor }
        let page = try await loginPage(client, headers: headers)
        headers[.cookie] = page.cookie
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = URLEncoding.query([
            ("csrf_token", page.csrf), ("username", username), ("password", password), ("captcha_id", page.captchaID),
            ("captcha", "123"),
        ])
        return try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body)).status
    }

    func withServer(
        trustedProxies: [IPRange] = [], students: Int,
        _ body: @Sendable (any TestClientProtocol, BuiltApplication) async throws -> Void
    ) async throws {
        try await TestServer.withConfiguration(["captcha_test_code": "123", "login_rate_limit_per_minute": "60"]) { config in
            config.trustedProxies = trustedProxies
            // The limits count per clock minute: a clock that stands still keeps every request of a test in one
            // minute however slowly a loaded machine runs it.
            let start = OIDC.Clock.system.now()
            try await TestServer.live(config, clock: OIDC.Clock { start }, prepare: { built in
                let hash = try await built.services.passwordHasher.hash("Passw0rd1234")
                for index in 0..<students {
                    try await built.services.store.insertAccount(
                        Account(
                            id: "student-\(index)", username: "student\(index)", passwordHash: hash, name: "學生\(index)",
                            createdAt: 0, updatedAt: 0))
                }
            }, body)
        }
    }

    @Test func twoHundredStudentsBehindOneAddressAllSignInWhileGuessesAreThrottled() async throws {
        try await withServer(students: 400) { client, _ in
            // A morning at school: one student in five mistypes first (40 failures, all from the one address),
            // and every one of the 200 still gets in with the right password.
            var refused: [HTTPResponse.Status] = []
            for index in 0..<200 {
                if index % 5 == 0 { _ = try await Self.signIn(client, "student\(index)", "Typo0000x") }
                let status = try await Self.signIn(client, "student\(index)", "Passw0rd1234")
                if status != .seeOther { refused.append(status) }
            }
            #expect(refused.isEmpty, "correct sign-ins refused: \(refused.count)")
            // 200 wrong passwords for other accounts from the same address: past the 60 failures a minute allows,
            // they are refused (at most two minutes' allowance can pass, if the test crosses a minute).
            var throttled = 0
            for index in 200..<400 where try await Self.signIn(client, "student\(index)", "Wrong0000x") == .tooManyRequests {
                throttled += 1
            }
            #expect(throttled >= 200 - 2 * 60, "wrong passwords from one address must be throttled; \(throttled) were")
        }
    }

    @Test func aSpoofedForwardingHeaderMovesNoLimitAndNoRecord() async throws {
        // Each guess is for another account, so only the per-address limit (60 failures a minute here) can refuse
        // the last one; it does only if every guess was counted against the one real address.
        // No trusted proxy: the header is ignored, the socket's address is recorded and limited.
        try await withServer(students: 61) { client, built in
            for index in 0..<60 {
                _ = try await Self.signIn(client, "student\(index)", "Wrong0000x", forwardedFor: "198.51.100.\(index)")
            }
            #expect(try await Self.signIn(client, "student60", "Wrong0000x", forwardedFor: "198.51.100.200") == .tooManyRequests)
            let ips = Set(try await built.services.store.attempts(accountID: "student-0", limit: 100).map(\.ip))
            #expect(ips == ["127.0.0.1"])
        }
        // Behind a trusted proxy: what the client wrote on the left of the header is not believed.
        try await withServer(trustedProxies: [IPRange("127.0.0.1")!], students: 61) { client, built in
            for index in 0..<60 {
                _ = try await Self.signIn(client, "student\(index)", "Wrong0000x", forwardedFor: "198.51.100.\(index), 203.0.113.7")
            }
            #expect(
                try await Self.signIn(client, "student60", "Wrong0000x", forwardedFor: "198.51.100.250, 203.0.113.7") == .tooManyRequests)
            let ips = Set(try await built.services.store.attempts(accountID: "student-0", limit: 100).map(\.ip))
            #expect(ips == ["203.0.113.7"])
            // A proxy that writes ports, and an IPv4-mapped spelling, still name the same client.
            #expect(
                try await Self.signIn(client, "student60", "Wrong0000x", forwardedFor: "[::ffff:203.0.113.7]:51234") == .tooManyRequests)
        }
    }

    @Test func aConnectionThatNeverFinishesItsRequestIsClosed() async throws {
        try await TestServer.withConfiguration(["connection_idle_timeout_seconds": "1"]) { config in
            try await TestServer.live(config) { client, _ in
                let port = try #require(client.port)
                let closed = try await Task.detached { try Self.partialRequestIsClosed(port: port, waitSeconds: 6) }.value
                #expect(closed, "a connection holding half a request head must be closed by the idle timeout")
            }
        }
    }

    /// Sends half a request head and reports whether the server closes the connection within `waitSeconds`.
    static func partialRequestIsClosed(port: Int, waitSeconds: Int) throws -> Bool {
        let connection = try RawConnection(port: port, readTimeoutSeconds: waitSeconds)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return connection.isClosedByServer()
    }
}
