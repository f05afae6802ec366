import Foundation
import Hummingbird
import Identity
import Notify
import OIDC

/// What load balancers and monitoring ask: `/healthz` (the process answers), `/readyz` (it can serve: the
/// database answers, its schema is current, signing keys are loaded) and, on the admin listener only,
/// `/metrics` in Prometheus text.
struct OperationsController: Sendable {
    let services: Services

    /// The probes, on the public listener too: a load balancer may only reach that one.
    func addProbes(to router: Router<AppContext>) {
        router.get("/healthz") { _, _ in Responses.json(["status": "ok"], noStore: true) }
        router.get("/readyz") { _, _ in await readiness() }
    }

    /// The admin listener's routes: the probes and the metrics.
    func adminRouter() -> Router<AppContext> {
        let router = Router(context: AppContext.self)
        addProbes(to: router)
        router.get("/metrics") { _, _ in await metrics() }
        return router
    }

    /// 200 with every check "ok", or 503 naming the ones that failed (no detail beyond that: the probe is public).
    func readiness() async -> Response {
        var checks: [String: String] = [:]
        do {
            let version = try await services.store.schemaVersion()
            checks["database"] = "ok"
            checks["migrations"] = version == services.store.latestSchemaVersion ? "ok" : "behind"
        } catch {
            checks["database"] = "unreachable"
            checks["migrations"] = "unknown"
        }
        let now = services.clock.now()
        let snapshot = services.keys.snapshot
        checks["keys"] = SigningKey.Algorithm.allCases.allSatisfy { snapshot.signingKey($0, at: now) != nil } ? "ok" : "missing"
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return Responses.json(
            ReadinessReport(status: ready ? "ready" : "not_ready", checks: checks),
            status: ready ? .ok : .serviceUnavailable, noStore: true)
    }

    /// Reads the values that are only known by asking (queue depth, pool usage), then renders every metric.
    func metrics() async -> Response {
        let metrics = services.metrics
        if let counts = try? await services.store.messageCounts() {
            for (status, count) in counts { metrics.gauge("edu_sso_messages", count, [("status", status.rawValue)]) }
        }
        metrics.gauge("edu_sso_app_sign_in_records_waiting", await services.appSignIns.waiting)
        let usage = services.store.connectionUsage
        metrics.gauge("edu_sso_database_operations_in_flight", usage.inUse)
        metrics.gauge("edu_sso_database_pool_connections_max", usage.capacity)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    struct ReadinessReport: Encodable {
        let status: String
        let checks: [String: String]
    }
}
