import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import OIDC
import Testing

@testable import Web

/// The server over real HTTP (`.live` binds a loopback port), built by the same `buildApplication` as `serve`.
@Suite struct HTTPEndpointTests {
    func withServer(_ body: @Sendable (any TestClientProtocol, BuiltApplication) async throws -> Void) async throws {
        try await TestServer.withConfiguration { config in try await TestServer.live(config, body) }
    }

    @Test func discoveryAndJWKS() async throws {
        try await withServer { client, built in
            let discovery = try await client.execute(uri: "/.well-known/openid-configuration", method: .get)
            #expect(discovery.status == .ok)
            let document = try JSONSerialization.jsonObject(with: Data(buffer: discovery.body)) as? [String: Any]
            #expect(document?["token_endpoint"] as? String == built.services.config.issuer + "/oidc/v1/token")
            let jwks = try await client.execute(uri: "/oidc/v1/jwksets", method: .get)
            #expect(Data(buffer: jwks.body) == built.services.keys.snapshot.jwksJSON)
        }
    }

    @Test func tokenEndpointErrorsFollowRFC6749() async throws {
        try await withServer { client, built in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let noClient = try await client.execute(
                uri: "/oidc/v1/token", method: .post, headers: form, body: ByteBuffer(string: "grant_type=client_credentials"))
            #expect(noClient.status == .unauthorized)
            #expect(noClient.headers[.wwwAuthenticate] != nil)
            #expect(noClient.headers[.cacheControl] == "no-store")
            #expect(String(buffer: noClient.body).contains("\"error\":\"invalid_client\""))

            let demo = try #require(built.demo)
            let basic = "Basic " + Data("\(demo.clientID):\(demo.clientSecret)".utf8).base64EncodedString()
            var authed = form
            authed[.authorization] = basic
            let unsupported = try await client.execute(
                uri: "/oidc/v1/token", method: .post, headers: authed, body: ByteBuffer(string: "grant_type=password"))
            #expect(unsupported.status == .badRequest)
            #expect(String(buffer: unsupported.body).contains("\"error\":\"unsupported_grant_type\""))

            let badCode = try await client.execute(
                uri: "/oidc/v1/token", method: .post, headers: authed,
                body: ByteBuffer(string: "grant_type=authorization_code&code=nope&redirect_uri=x"))
            #expect(String(buffer: badCode.body).contains("\"error\":\"invalid_grant\""))

            let granted = try await client.execute(
                uri: "/oidc/v1/token", method: .post, headers: authed, body: ByteBuffer(string: "grant_type=client_credentials&scope=eduinfo"))
            #expect(granted.status == .ok)
            #expect(String(buffer: granted.body).contains("\"token_type\":\"Bearer\""))
        }
    }

    @Test func authorizeWithUnknownClientShowsAPageInChinese() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(
                uri: "/oidc/v1/azp?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fx%2Fcb&scope=openid",
                method: .get)
            #expect(response.status == .badRequest)
            #expect(response.headers[.location] == nil)
            #expect(String(buffer: response.body).contains("此應用服務尚未註冊"))
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func captchaTestModeIsRefusedBehindHTTPS() {
        #expect(throws: ConfigError.self) {
            try AppConfig(values: ["issuer": "https://sso.example.edu.tw", "captcha_test_code": "123"])
        }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["captcha_test_code": "12a"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["captcha_test_code": "123"]) }
        #expect((try? AppConfig(values: ["captcha_test_code": "123", "development": "true"]))?.captchaTestCode == "123")
    }

    @Test func unknownKeysAndBadValuesAreErrors() {
        #expect(throws: ConfigError.self) { try AppConfig(values: ["acess_token_ttl": "10"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["port": "eighty"]) }
        #expect(throws: ConfigError.self) { try AppConfig(values: ["key_retirement_hours": "0"]) }
        #expect((try? AppConfig(values: ["issuer": "http://sso.test/"]))?.issuer == "http://sso.test")
    }

    @Test func theAdminListenerIsNeverOnEveryInterface() {
        // Every spelling of the wildcard, a public address, and a name that could resolve anywhere.
        for refused in ["0.0.0.0", "::", "[::]", "::0", "0:0:0:0:0:0:0:0", "0", "*", "203.0.113.7", "2001:db8::1", "admin.example.edu.tw"] {
            #expect(throws: ConfigError.self, "\(refused)") { try AppConfig(values: ["admin_port": "9464", "admin_host": refused]) }
        }
        for accepted in ["127.0.0.1", "::1", "localhost", "192.168.10.2", "172.20.0.9", "fd12:3456::9", "::ffff:10.1.2.3"] {
            #expect((try? AppConfig(values: ["admin_port": "9464", "admin_host": accepted]))?.adminHost == accepted, "\(accepted)")
        }
        #expect(throws: ConfigError.self) {
            try AppConfig(values: ["admin_port": "9464", "admin_host": "10.0.0.5", "development": "true"])
        }
        #expect((try? AppConfig(values: ["admin_port": "9464", "admin_host": "10.0.0.5"]))?.adminHost == "10.0.0.5")
        #expect((try? AppConfig(values: ["admin_port": "9464", "development": "true"]))?.adminHost == "127.0.0.1")
    }
}
