import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Logging
import NIOPosix
import NIOSSL
import Testing

@testable import Web

/// The node serves HTTPS itself when given a certificate and key: a client that trusts only the test CA
/// completes the handshake and reads discovery (the fast path) and a routed page over it; plain HTTP on the same
/// port gets no answer; a key that does not match, or a missing file, stops the start with a clear message.
@Suite struct TLSTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls-test-only")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    @Test func theNodeServesHTTPSWithTheConfiguredCertificate() async throws {
        try await TestServer.withConfiguration { config in
            config.tlsCertificateFile = Self.fixture("server.pem")
            config.tlsKeyFile = Self.fixture("server.key")
            try await TestServer.live(config) { client, _ in
                let port = try #require(client.port)
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(Self.fixture("ca.pem"))
                tls.certificateVerification = .fullVerification
                let https = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                do {
                    for path in ["/.well-known/openid-configuration", "/login"] {
                        let response = try await https.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
                        #expect(response.status == .ok, "\(path)")
                        let body = try await response.body.collect(upTo: 1 << 20)
                        #expect(body.readableBytes > 0)
                    }
                    // A client that does not trust the test CA refuses the certificate.
                    let untrusting = HTTPClient(eventLoopGroupProvider: .singleton)
                    await #expect(throws: (any Error).self) {
                        _ = try await untrusting.execute(
                            HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
                    }
                    try await untrusting.shutdown()
                    // TLS 1.2 without forward secrecy and an AEAD is refused; ECDHE with AES-GCM is answered.
                    for (suites, answered) in [
                        ([NIOTLSCipher.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA], false), ([.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], true),
                    ] {
                        var tls12 = tls
                        tls12.maximumTLSVersion = .tlsv12
                        tls12.cipherSuiteValues = suites
                        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls12))
                        let response = try? await client.execute(
                            HTTPClientRequest(url: "https://127.0.0.1:\(port)/healthz"), timeout: .seconds(10))
                        #expect((response?.status == .ok) == answered, "\(suites)")
                        try await client.shutdown()
                    }
                    // Plain HTTP on the TLS port is not answered as HTTP.
                    let plain = HTTPClient(eventLoopGroupProvider: .singleton)
                    let answered = try? await plain.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                    #expect(answered?.status != .ok)
                    try await plain.shutdown()
                } catch {
                    try? await https.shutdown()
                    throw error
                }
                try await https.shutdown()
            }
        }
    }

    @Test func aMismatchedOrMissingFileStopsTheStartWithItsName() throws {
        var config = try AppConfig(values: ["issuer": "https://sso.example.edu.tw"])
        config.tlsCertificateFile = Self.fixture("ca.pem")  // not the certificate of server.key
        config.tlsKeyFile = Self.fixture("server.key")
        let logger = Logger(label: "tls-test")
        #expect {
            _ = try ServerTLS.configuration(config, logger: logger)
        } throws: { error in
            let message = "\(error)"
            return error is ConfigError && message.contains("is not the private key of the certificate")
                && message.contains("server.key") && message.contains("ca.pem")
        }
        config.tlsCertificateFile = Self.fixture("absent.pem")
        #expect {
            _ = try ServerTLS.configuration(config, logger: logger)
        } throws: { error in
            "\(error)".contains("absent.pem")
        }
        config.tlsCertificateFile = Self.fixture("server.pem")
        #expect(try ServerTLS.configuration(config, logger: logger) != nil)
    }

    @Test func tlsNeedsBothFilesAndAnHTTPSIssuer() throws {
        #expect(throws: ConfigError.self) {
            _ = try AppConfig(values: ["issuer": "https://sso.example.edu.tw", "tls_certificate_file": "cert.pem"])
        }
        #expect(throws: ConfigError.self) {
            _ = try AppConfig(values: ["tls_certificate_file": "cert.pem", "tls_key_file": "key.pem"])
        }
        let config = try AppConfig(values: [
            "issuer": "https://sso.example.edu.tw", "tls_certificate_file": "cert.pem", "tls_key_file": "key.pem",
        ])
        #expect(config.tlsKeyFile == "key.pem")
    }
}
