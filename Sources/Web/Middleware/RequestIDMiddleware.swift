import Foundation
import Hummingbird
import Identity
import Logging
import OIDC

/// Gives every request an id and a client address, counts it in the metrics, and writes one access-log line per
/// request: method, route, status, duration and request id. The route is the pattern the router matched (`/register/{id}/{step}`), or
/// `unmatched`: neither query strings nor anything typed into a path is logged, since both can carry codes,
/// tokens, interaction ids and national IDs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let clientAddress: ClientAddress
    let metrics: ServerMetrics

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        var context = context
        // Ids only need to be unique enough to find a request in the logs, not unguessable. A trusted proxy's own
        // id (nginx's $request_id) is kept, so that one id finds the request in both logs.
        context.requestID =
            proxiedRequestID(request, peer: context.remoteAddress?.ipAddress)
            ?? String(UInt64.random(in: .min ... .max), radix: 36)
        context.clientIP = clientAddress.resolve(
            peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[values: HeaderNames.forwardedFor])
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        do {
            var response = try await next(request, context)
            response.headers[HeaderNames.requestID] = context.requestID
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    /// `X-Request-ID` from a trusted proxy, if it is a plain token (8–64 letters, digits, `-`, `_`, `.`).
    private func proxiedRequestID(_ request: Request, peer: String?) -> String? {
        guard let peer, let id = request.headers[HeaderNames.requestID], (8...64).contains(id.utf8.count),
            id.utf8.allSatisfy({ byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
                    || byte == 46
            }),
            clientAddress.isTrusted(IPRange.canonical(peer) ?? peer)
        else { return nil }
        return id
    }

    private func log(_ request: Request, _ context: AppContext, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        metrics.request(route: Self.route(context), method: request.method.rawValue, status: status, duration: elapsed)
        // Discovery and JWKS are served tens of thousands of times a second: skip the work when nobody listens.
        guard context.logger.logLevel <= .info else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "route": .string(Self.route(context)),
                "status": .stringConvertible(status), "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ])
    }

    /// The matched route pattern; `unmatched` for a path no route knows (a 404), whatever was typed into it.
    static func route(_ context: AppContext) -> String {
        guard let pattern = context.endpointPath, pattern != "NotFound" else { return "unmatched" }
        return pattern
    }
}
