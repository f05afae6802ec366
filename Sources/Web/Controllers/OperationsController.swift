import Foundation
import Hummingbird
import Identity
import Notify
import OIDC
import Synchronization

/// What load balancers and monitoring ask: `/healthz` (the process answers), `/readyz` (it can serve: the
/// database answers, its schema is current, signing keys are loaded) and, on the admin listener only,
/// `/metrics` in Prometheus text.
final class OperationsController: Sendable {
    let services: Services
    /// The last readiness check, shared by every probe that arrives within a second of its start, whether it has
    /// finished or not: `/readyz` is not rate-limited (a balancer must never be throttled into taking a node
    /// out), so a flood of probes must not become a flood of database queries, not even while the database is
    /// slow to answer — at most one check a second, however many probes.
    private let lastCheck = Mutex<(started: ContinuousClock.Instant, check: Task<ReadinessReport, Never>)?>(nil)
    /// How many checks have started (for the tests).
    let checksStarted = Atomic<Int>(0)

    init(services: Services) {
        self.services = services
    }

    /// The probes, on the public listener too: a load balancer may only reach that one.
    func addProbes(to router: Router<AppContext>) {
        router.get("/healthz") { _, _ in Responses.json(["status": "ok"], noStore: true) }
        router.get("/readyz") { _, _ in await self.readiness() }
    }

    /// The admin listener's routes: the probes and the metrics.
    func adminRouter() -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        addProbes(to: router)
        router.get("/metrics") { _, _ in await self.metrics() }
        return router
    }

    /// 200 with every check "ok", or 503 naming the ones that failed (no detail beyond that: the probe is public).
    func readiness() async -> Response {
        let now = ContinuousClock.now
        let check = lastCheck.withLock { last in
            if let last, now - last.started < .seconds(1) { return last.check }
            checksStarted.add(1, ordering: .relaxed)
            let check = Task { await self.checkReadiness() }
            last = (now, check)
            return check
        }
        let report = await check.value
        return Responses.json(report, status: report.status == "ready" ? .ok : .serviceUnavailable, noStore: true)
    }

    private func checkReadiness() async -> ReadinessReport {
        var checks: [String: String] = [:]
        do {
            let version = try await services.store.schemaVersion()
            checks["database"] = "ok"
            // A schema ahead of this build is a rolling upgrade in progress (migrations only add): still ready.
            checks["migrations"] =
                version == services.store.latestSchemaVersion ? "ok" : version > services.store.latestSchemaVersion ? "ahead" : "behind"
        } catch {
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
        }
        let now = services.clock.now()
        let snapshot = services.keys.snapshot
        checks["keys"] = SigningKey.Algorithm.allCases.allSatisfy { snapshot.signingKey($0, at: now) != nil } ? "ok" : "missing"
        let ready = checks.values.allSatisfy { $0 == "ok" || $0 == "ahead" }
        return ReadinessReport(status: ready ? "ready" : "not_ready", checks: checks)
    }

    /// Reads the values that are only known by asking (queue depth, pool usage), then renders every metric.
    func metrics() async -> Response {
        let metrics = services.metrics
        services.staticDocuments.report(into: metrics)
        if let counts = try? await services.store.messageCounts() {
            // Every status, so that one that emptied reads 0 rather than its last value.
            for status in QueuedMessage.Status.allCases {
                metrics.gauge("edu_sso_messages", counts[status] ?? 0, [("status", status.rawValue)])
            }
        }
        metrics.gauge("edu_sso_app_sign_in_records_waiting", await services.appSignIns.waiting)
        let usage = services.store.connectionUsage
        metrics.gauge("edu_sso_database_operations_in_flight", usage.inUse)
        metrics.gauge("edu_sso_database_pool_connections_max", usage.capacity)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    struct ReadinessReport: Encodable, Sendable {
        let status: String
        let checks: [String: String]
    }
}
