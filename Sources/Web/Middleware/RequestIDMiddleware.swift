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
        context.requestID = Secrets.randomToken(bytes: 9)
        context.clientIP = clientIP(request, context: context)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.requestID
        return response
    }

    private func clientIP(_ request: Request, context: AppContext) -> String {
        if trustForwardedFor, let forwarded = request.headers[.init("X-Forwarded-For")!],
            let first = forwarded.split(separator: ",").first
        {
            return first.trimmingCharacters(in: .whitespaces)
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}

import Foundation
