import CoreMetrics
import Identity
import Metrics
import Prometheus

/// The server's metrics, in Prometheus text at `GET /metrics` on the admin listener (never the public one).
/// Metrics go through swift-metrics into a registry of this server's own rather than the process-wide
/// `MetricsSystem`, so that every application in one process (the tests build many) counts only itself.
///
/// Every label value comes from a small fixed set (route patterns, methods, status codes, grant types, sign-in
/// methods and outcomes, county codes from the configuration): nothing a client types becomes a label, so the
/// number of series stays bounded and no secret can end up in one.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]

    /// One answered request: counted, and its latency added to the route's histogram.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let dimensions = [("route", route), ("method", Self.knownMethods.contains(method) ? method : "other"), ("status", String(status))]
        Counter(label: "edu_sso_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "edu_sso_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            .record(duration: duration)
        if status == 429 {
            Counter(label: "edu_sso_throttled_total", dimensions: [("route", route)], factory: factory).increment()
        }
    }

    /// Requests answered outside the router (`StaticDocuments`): counted, without latency.
    func requests(route: String, method: String, status: Int, count: Int) {
        let dimensions = [("route", route), ("method", method), ("status", String(status))]
        Counter(label: "edu_sso_http_requests_total", dimensions: dimensions, factory: factory).increment(by: count)
    }

    /// One sign-in attempt at the SSO (password, two-factor code, recovery code or county), by outcome.
    func signIn(_ attempt: LoginAttempt) {
        // County methods are `county:<code>`; the label keeps the method and the county apart.
        let parts = attempt.method.split(separator: ":", maxSplits: 1).map(String.init)
        var dimensions = [("method", parts.first ?? "unknown"), ("outcome", attempt.outcome.rawValue)]
        if parts.count == 2 { dimensions.append(("county", parts[1])) }
        Counter(label: "edu_sso_sign_ins_total", dimensions: dimensions, factory: factory).increment()
    }

    /// Tokens issued at the token endpoint, by grant type (only the grant types the server supports reach here).
    func tokensIssued(grant: String) {
        Counter(label: "edu_sso_tokens_issued_total", dimensions: [("grant_type", grant)], factory: factory).increment()
    }

    /// A value read when the metrics are scraped (queue depth, pool usage).
    func gauge(_ label: String, _ value: Int, _ dimensions: [(String, String)] = []) {
        Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
    }

    /// The Prometheus text exposition of everything recorded so far.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Counts every sign-in attempt on its way to the records: the one place every method (password, two-factor,
/// county) records its attempts.
struct MeteredLoginRecords: LoginRecordStore {
    let records: any LoginRecordStore
    let metrics: ServerMetrics

    func recordAttempt(_ attempt: LoginAttempt) async throws {
        metrics.signIn(attempt)
        try await records.recordAttempt(attempt)
    }

    func recentFailures(username: String, since: Int64) async throws -> [Int64] {
        try await records.recentFailures(username: username, since: since)
    }

    func recentFailures(ip: String, since: Int64) async throws -> [Int64] {
        try await records.recentFailures(ip: ip, since: since)
    }

    func attempts(accountID: String, limit: Int) async throws -> [LoginAttempt] {
        try await records.attempts(accountID: accountID, limit: limit)
    }

    func recordAppSignIns(_ signIns: [AppSignIn]) async throws {
        try await records.recordAppSignIns(signIns)
    }

    func appSignIns(accountID: String, limit: Int) async throws -> [AppSignIn] {
        try await records.appSignIns(accountID: accountID, limit: limit)
    }
}
