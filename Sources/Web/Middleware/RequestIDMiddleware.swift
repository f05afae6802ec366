import Identity
import Storage
import Logging
import Hummingbird
import OIDC

/// Gives every request an id and a client address, and logs one line per request (method, path, status, time).
/// Query strings are never logged: they can carry codes, tokens and national IDs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let trustForwardedFor: Bool

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws
        -> Response
    {
        var context = context
        // Ids only need to be unique enough to find a request in the logs, not unguessable.
        context.requestID = String(UInt64.random(in: .min ... .max), radix: 36)
        context.clientIP = clientIP(request, context: context)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[HeaderNames.requestID] = context.requestID
        return response
    }

    private func clientIP(_ request: Request, context: AppContext) -> String {
        if trustForwardedFor, let forwarded = request.headers[HeaderNames.forwardedFor],
            let first = forwarded.split(separator: ",").first
        {
            return first.trimmingSpaces()
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}

import Foundation
