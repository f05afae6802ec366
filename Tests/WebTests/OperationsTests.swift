import Foundation
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOFoundationCompat
import OIDC
import Synchronization
import Testing

@testable import Web

/// The probes, the metrics and the structured log formats.
@Suite struct OperationsTests {
    @Test func readinessNamesWhatIsMissing() async throws {
        try await TestServer.withConfiguration { config in
            try await TestServer.live(config) { client, built in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok)
                #expect(String(buffer: ready.body).contains(#""status":"ready""#))
                // A database that went away makes the node not ready (and says which check failed).
                try await built.shutdown()
                // Past the second for which an answer is reused.
                try await Task.sleep(for: .milliseconds(1100))
                let gone = try await client.execute(uri: "/readyz", method: .get)
                #expect(gone.status == .serviceUnavailable)
                #expect(String(buffer: gone.body).contains(#""database":"unreachable""#))
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok, "the process still lives")
            }
        }
    }

    /// Probes arriving together share one check: a flood of `/readyz` (not rate-limited) is one database query.
    @Test func concurrentProbesShareOneCheck() async throws {
        try await TestServer.withConfiguration { config in
            try await TestServer.live(config) { client, built in
                let operations = OperationsController(services: built.services)
                let statuses = await withTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<50 { group.addTask { await operations.readiness().status } }
                    return await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
                #expect(statuses.count == 50 && statuses.allSatisfy { $0 == .ok })
                #expect(operations.checksStarted.load(ordering: .relaxed) == 1)
                // A second later the next probe checks again.
                try await Task.sleep(for: .milliseconds(1100))
                #expect(await operations.readiness().status == .ok)
                #expect(operations.checksStarted.load(ordering: .relaxed) == 2)
            }
        }
    }

    /// Requests on the public listener show on the admin router's `/metrics`; the public one has no `/metrics`.
    @Test func requestsAndTokensShowInTheMetrics() async throws {
        try await TestServer.withConfiguration { config in
            try await TestServer.live(config) { client, built in
                let demo = try #require(built.demo)
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
                let credentials = Data("\(demo.clientID):\(demo.clientSecret)".utf8).base64EncodedString()
                let token = try await client.execute(
                    uri: "/oidc/v1/token", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .authorization: "Basic \(credentials)"],
                    body: ByteBuffer(string: "grant_type=client_credentials"))
                #expect(token.status == .ok)
                let text = try await TestServer.scrapedMetrics(built.services)
                #expect(text.contains(#"edu_sso_tokens_issued_total{grant_type="client_credentials"} 1"#))
                #expect(text.contains(#"route="/oidc/v1/token""#) && text.contains(#"status="200""#))
                #expect(text.contains("edu_sso_http_request_duration_seconds_bucket"))
                #expect(text.contains("edu_sso_database_pool_connections_max"))
                #expect(!text.contains(demo.clientSecret))
            }
        }
    }

    /// Whatever a value holds, a JSON line stays one valid JSON object and a logfmt line stays one line.
    @Test func structuredLinesEscapeEverything() throws {
        let hostile = "a\"b\\c\nd\r\te\u{01}f \u{2028}=g 林"
        let pairs: [(String, Logger.Metadata.Value)] = [
            ("msg", .string(hostile)), ("list", .array([.string("x y"), .stringConvertible(3)])),
            ("bad key\n", .dictionary(["k": .string(hostile)])),
        ]
        let json = StructuredLogHandler.render(pairs, as: .json)
        #expect(!json.contains("\n") && !json.contains("\r") && !json.contains("\u{2028}"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(parsed["msg"] as? String == hostile)
        let logfmt = StructuredLogHandler.render(pairs, as: .logfmt)
        #expect(!logfmt.contains("\n") && !logfmt.contains("\r"))
        #expect(logfmt.hasPrefix(#"msg="a\"b\\c\nd\r\te\u0001f \u2028=g 林""#))
        #expect(logfmt.contains("bad_key_="))
        #expect(StructuredLogHandler.logfmtValue("plain") == "plain")
    }
}

/// The purge's lease over a long pass: renewed while this node holds it, lost (and the pass stopped) once
/// another node has taken it.
@Suite struct JobLeaseTests {
    @Test func aLeaseIsRenewedAtHalfTimeAndLostToAnotherHolder() async throws {
        try await TestServer.withConfiguration { config in
            let built = try await buildApplication(config)
            do {
                let store = built.services.store
                let time = Mutex<Int64>(1_000)
                let clock = OIDC.Clock { time.withLock { $0 } }
                let lease = JobLease("test-job", store: store, holder: "a", length: 100, clock: clock)
                #expect(try await lease.take())
                // Before half-time nothing is asked; after it the lease runs 100 s from then, so another node
                // cannot take it at the old end.
                let early = JobLease("other-job", store: store, holder: "a", length: 100, clock: clock)
                #expect(try await early.take())
                time.withLock { $0 = 1_040 }
                #expect(await lease.keep())
                // (Before half-time nothing was renewed: another holder takes the other lease at its first end.)
                #expect(await early.keep())
                #expect(try await store.takeJobLease("other-job", holder: "b", now: 1_100, until: 1_200))
                time.withLock { $0 = 1_060 }
                #expect(await lease.keep())
                #expect(try await !store.takeJobLease("test-job", holder: "b", now: 1_120, until: 1_220))
                // This node stalled past its lease; another took the job: the next keep says it is lost.
                #expect(try await store.takeJobLease("test-job", holder: "b", now: 1_161, until: 1_261))
                time.withLock { $0 = 1_170 }
                #expect(!lease.wasLost)
                #expect(await !lease.keep())
                #expect(lease.wasLost)
                // Lost stays lost, even once the other holder's lease has run out.
                time.withLock { $0 = 1_300 }
                #expect(await !lease.keep())
                // A renewal the database does not answer counts as lost too: the job stops rather than run on
                // while another node may take it.
                let orphan = JobLease("third-job", store: store, holder: "a", length: 100, clock: clock)
                #expect(try await orphan.take())
                try await built.shutdown()
                time.withLock { $0 = 1_360 }
                #expect(await !orphan.keep())
                #expect(orphan.wasLost)
            } catch {
                try? await built.shutdown()
                throw error
            }
        }
    }
}
