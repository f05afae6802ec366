import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import OIDC
import Synchronization
import Testing

@testable import Web

/// Discovery and the JWKS, answered in the channel pipeline: the same bytes and headers as through the router,
/// HEAD and conditional requests included, over real HTTP.
@Suite struct StaticDocumentTests {
    @Test func theFastPathAnswersLikeTheRouter() async throws {
        try await TestServer.withConfiguration { config in
            try await TestServer.live(config) { client, built in
                let jwks = try await client.execute(uri: "/oidc/v1/jwksets", method: .get)
                #expect(jwks.status == .ok)
                #expect(Data(buffer: jwks.body) == built.services.keys.snapshot.jwksJSON)
                #expect(jwks.headers[.contentType] == "application/jwk-set+json")
                #expect(jwks.headers[.xContentTypeOptions] == "nosniff")
                #expect(jwks.headers[.accessControlAllowOrigin] == "*")
                #expect(jwks.headers[.cacheControl] == "public, max-age=\(DiscoveryDocument.jwksCacheSeconds)")
                #expect(jwks.headers[HeaderNames.requestID]?.isEmpty == false)
                let etag = try #require(jwks.headers[.eTag])

                // A query string goes through the router: same document, same version.
                let routed = try await client.execute(uri: "/oidc/v1/jwksets?x=1", method: .get)
                #expect(Data(buffer: routed.body) == Data(buffer: jwks.body))
                #expect(routed.headers[.eTag] == etag)

                let head = try await client.execute(uri: "/oidc/v1/jwksets", method: .head)
                #expect(head.status == .ok && head.body.readableBytes == 0)
                #expect(head.headers[.contentLength] == String(jwks.body.readableBytes))

                for uri in ["/oidc/v1/jwksets", "/oidc/v1/jwksets?x=1"] {
                    let cached = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag])
                    #expect(cached.status == .notModified && cached.body.readableBytes == 0, "\(uri)")
                    // RFC 9110 §8.6: a 304 carries no Content-Length, or the 200's.
                    let length = cached.headers[.contentLength]
                    #expect(length == nil || length == String(jwks.body.readableBytes), "\(uri): \(length ?? "-")")
                }
                // A rotation changes the document and its version at once.
                try await built.services.keys.rotate([.es256], immediately: true)
                let rotated = try await client.execute(uri: "/oidc/v1/jwksets", method: .get, headers: [.ifNoneMatch: etag])
                #expect(rotated.status == .ok)
                #expect(Data(buffer: rotated.body) == built.services.keys.snapshot.jwksJSON)
                #expect(rotated.headers[.eTag] != etag)

                for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
                    let discovery = try await client.execute(uri: path, method: .get)
                    let document = try JSONSerialization.jsonObject(with: Data(buffer: discovery.body)) as? [String: Any]
                    #expect(document?["issuer"] as? String == built.services.config.issuer, "\(path)")
                }
                // Other methods are the router's (and refused there).
                #expect(try await client.execute(uri: "/oidc/v1/jwksets", method: .post).status != .ok)

                // Counted in the metrics although the router never saw them.
                let text = try await TestServer.scrapedMetrics(built.services)
                #expect(text.contains(#"edu_sso_http_requests_total{route="/oidc/v1/jwksets",method="HEAD",status="200"} 1"#))
                #expect(text.contains(#"route="/oidc/v1/jwksets",method="GET",status="304"} 1"#))
                // The router's answers (the query-string requests) also record their duration.
                #expect(text.contains(#"edu_sso_http_request_duration_seconds_count{route="/oidc/v1/jwksets""#))
            }
        }
    }

    /// The idle timeout counts the requests answered in the pipeline: a keep-alive connection that asks only for
    /// discovery and the JWKS stays open while it keeps asking, and is closed once it falls silent.
    @Test func aBusyConnectionAnsweredInThePipelineIsNotIdle() async throws {
        // 2 s, against requests every 0.25 s: a margin that a busy 2-core machine's scheduling cannot eat.
        try await TestServer.withConfiguration(["connection_idle_timeout_seconds": "2"]) { config in
            try await TestServer.live(config) { client, built in
                let port = try #require(client.port)
                let (answered, closedWhenSilent) = try await Task.detached {
                    let connection = try RawConnection(port: port, readTimeoutSeconds: 5)
                    var answered = 0
                    // 4 s of requests every 0.25 s on one connection: two idle timeouts' worth.
                    for index in 0..<16 {
                        let path = index.isMultiple(of: 2) ? "/oidc/v1/jwksets" : "/.well-known/openid-configuration"
                        connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        guard let response = connection.readResponse(), response.hasPrefix("HTTP/1.1 200") else { break }
                        answered += 1
                        try await Task.sleep(for: .milliseconds(250))
                    }
                    return (answered, connection.isClosedByServer())
                }.value
                #expect(answered == 16, "the connection was closed after \(answered) answers")
                #expect(closedWhenSilent, "a silent connection must still be closed by the idle timeout")
                // And the pipeline answered them, not the router (which alone records a duration).
                let text = try await TestServer.scrapedMetrics(built.services)
                #expect(text.contains(#"edu_sso_http_requests_total{route="/oidc/v1/jwksets",method="GET",status="200"} 8"#))
                #expect(!text.contains(#"edu_sso_http_request_duration_seconds_count{route="/oidc/v1/jwksets""#))
            }
        }
    }

    /// A connection that is to end after its answer ends then — an HTTP/1.0 request without keep-alive, or a
    /// `Connection: Close` in any spelling — for a document the pipeline would answer (it leaves these to the
    /// router) and for any other route, long before the idle timeout; HTTP/1.0 with keep-alive and plain
    /// HTTP/1.1 keep their connection, the JWKS answered in the pipeline.
    @Test func connectionsThatAskToEndAreClosedAfterTheAnswer() async throws {
        try await TestServer.withConfiguration(["connection_idle_timeout_seconds": "60", "admin_port": "0"]) { config in
            try await TestServer.live(config) { client, built in
                let port = try #require(client.port)
                // The admin listener (probes, metrics) closes the same way: load balancers' HTTP/1.0 checks go there.
                var adminPort = 0
                for _ in 0..<100 where adminPort == 0 {
                    adminPort = built.services.adminPort.load(ordering: .relaxed)
                    if adminPort == 0 { try await Task.sleep(for: .milliseconds(50)) }
                }
                try #require(adminPort != 0, "the admin listener did not start")
                let cases: [(name: String, port: Int, request: String, closes: Bool)] = [
                    ("1.0, JWKS", port, "GET /oidc/v1/jwksets HTTP/1.0\r\n\r\n", true),
                    ("1.0, healthz", port, "GET /healthz HTTP/1.0\r\n\r\n", true),
                    ("1.1 Close, JWKS", port, "GET /oidc/v1/jwksets HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", true),
                    ("1.1 Close, healthz", port, "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", true),
                    ("1.0 keep-alive", port, "GET /oidc/v1/jwksets HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
                    ("1.1", port, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", false),
                    ("admin, 1.0, readyz", adminPort, "GET /readyz HTTP/1.0\r\n\r\n", true),
                    ("admin, 1.1 Close, healthz", adminPort, "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", true),
                    ("admin, 1.1", adminPort, "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", false),
                ]
                let outcomes = try await Task.detached {
                    try cases.map { testCase in
                        let connection = try RawConnection(port: testCase.port, readTimeoutSeconds: 3)
                        connection.send(testCase.request)
                        let answered = connection.readResponse()?.contains(" 200 OK") == true
                        return (answered, connection.isClosedByServer())
                    }
                }.value
                for (testCase, outcome) in zip(cases, outcomes) {
                    #expect(outcome.0, "\(testCase.name): no answer")
                    #expect(outcome.1 == testCase.closes, "\(testCase.name): closed \(outcome.1)")
                }
            }
        }
    }

    /// A server behind https sends HSTS on the fast path too.
    @Test func hstsBehindHTTPS() {
        let document = StaticDocuments.document(0, Data("{}".utf8), "application/json", https: true)
        #expect(document.headers[.strictTransportSecurity] == "max-age=31536000; includeSubDomains")
        #expect(StaticDocuments.document(0, Data("{}".utf8), "application/json", https: false).headers[.strictTransportSecurity] == nil)
    }
}
