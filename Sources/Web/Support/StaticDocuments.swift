import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import OIDC
import Synchronization

/// The few documents that are requested far more than anything else — discovery (both names) and the JWKS —
/// answered in the connection's channel pipeline, ahead of the router: they are prepared bytes, and the
/// router's per-request work (context, middleware chain, async hops) cost more than the answer itself.
///
/// Only a GET or HEAD of the exact path is answered here; anything else (a query string, another method, a
/// request arriving while an earlier one on the connection is still with the router) goes on to the router,
/// which serves the same documents the slow way. The answer carries what the router's would: content type,
/// caching, CORS, `nosniff`, HSTS behind https, a request id; plus a strong `ETag`, so `If-None-Match` gets a 304.
/// These requests are counted in the metrics (`StaticDocuments.report`) but, like every request above `info`,
/// not written to the access log.
final class StaticDocumentHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let documents: StaticDocuments
    /// Requests handed to the router whose response has not ended: answering a later one here first would
    /// reorder the responses of a pipelining client.
    private var withRouter = 0
    /// The body and end of a request answered here are dropped.
    private var dropping = false

    init(documents: StaticDocuments) {
        self.documents = documents
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            // The router takes over when the answer would wait (a request ahead still with the router, or a client
            // not reading what it was sent: the router's path has backpressure) or when the connection is to
            // close after it (`ConnectionCloseSpelledOut` has written that as `Connection: close`, the one
            // spelling the router closes on).
            if withRouter == 0, context.channel.isWritable, request.method == .get || request.method == .head,
                let path = request.path, let document = documents.document(at: path),
                request.headerFields[.connection] != "close"
            {
                dropping = true
                answer(request, with: document, context: context)
                return
            }
            withRouter += 1
            context.fireChannelRead(data)
        case .body, .end:
            if dropping {
                if case .end = part { dropping = false }
                return
            }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), withRouter > 0 { withRouter -= 1 }
        context.write(data, promise: promise)
    }

    private func answer(_ request: HTTPRequest, with document: StaticDocuments.Document, context: ChannelHandlerContext) {
        let notModified = StaticDocuments.matches(request.headerFields[values: .ifNoneMatch], etag: document.etag)
        var fields = document.headers
        fields[HeaderNames.requestID] = documents.nextRequestID()
        let status: HTTPResponse.Status = notModified ? .notModified : .ok
        if notModified {
            fields[.contentType] = nil
        } else {
            fields[.contentLength] = String(document.body.readableBytes)
        }
        documents.count(document, head: request.method == .head, notModified: notModified)
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        if !notModified && request.method == .get {
            context.write(wrapOutboundOut(.body(document.body)), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Hummingbird's HTTP/1 channel as every EduSSO listener uses it (the public one and the admin one):
/// `ConnectionCloseSpelledOut` ahead of the conversion to HTTP types, and, on the public listener,
/// `StaticDocumentHandler` after Hummingbird's connection-state handler, not before it where
/// `additionalChannelHandlers` would go: that handler keeps the idle timeout and the graceful shutdown's count of
/// requests in progress, so it must see the requests answered in the pipeline too — ahead of it, a keep-alive
/// connection asking only for the JWKS was closed as idle every `connection_idle_timeout_seconds`.
struct EduSSOHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let documents: StaticDocuments?

    var responder: Responder { base.responder }

    static func builder(idleTimeout: TimeAmount, documents: StaticDocuments?) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            EduSSOHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idleTimeout)), documents: documents)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // The base's future is already complete, so this runs inside the channel initializer, before any read.
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            if let documents {
                let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
                try pipeline.addHandler(StaticDocumentHandler(documents: documents), position: .after(connectionState))
            }
            let conversion = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(ConnectionCloseSpelledOut(), position: .before(conversion))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Spells out, as `Connection: close`, that a request's connection ends after its answer. NIO's HTTP/1 decoder
/// knows the version, but the version-independent request it is converted into does not, and Hummingbird closes
/// only on a literal `Connection: close`: an HTTP/1.0 request without `keep-alive` (whose connection ends by
/// default) or a `Connection: Close` was answered as if the connection persisted, and a client waiting for the
/// close hung until the idle timeout. `StaticDocumentHandler` leaves such a request to the router, which closes.
final class ConnectionCloseSpelledOut: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}

/// What `StaticDocumentHandler` serves, shared by every connection: discovery (fixed at start-up) and the JWKS
/// (rebuilt when the key ring changes), each with its headers prepared once.
final class StaticDocuments: Sendable {
    struct Document: Sendable {
        /// Which document (its place in `routes`), for counting.
        let index: Int
        let route: String
        let body: ByteBuffer
        let etag: String
        let headers: HTTPFields
    }

    private let discovery: Document
    private let authorizationServer: Document
    private let keys: KeyManager
    private let https: Bool
    private let jwks = Mutex<(json: Data, document: Document)?>(nil)
    private let requestIDs = Atomic<UInt64>(0)
    private let idPrefix = String(UInt32.random(in: .min ... .max), radix: 36)
    static let routes = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", DiscoveryDocument.Path.jwks]
    /// Requests answered since the last scrape, per document × (GET, HEAD) × (200, 304).
    private let counts = Mutex([Int](repeating: 0, count: StaticDocuments.routes.count * 4))

    init(discoveryJSON: Data, keys: KeyManager, https: Bool) {
        self.keys = keys
        self.https = https
        self.discovery = Self.document(0, discoveryJSON, "application/json", https: https)
        self.authorizationServer = Self.document(1, discoveryJSON, "application/json", https: https)
    }

    func document(at path: String) -> Document? {
        switch path {
        case Self.routes[0]: return discovery
        case Self.routes[1]: return authorizationServer
        case DiscoveryDocument.Path.jwks: return currentJWKS()
        default: return nil
        }
    }

    private func currentJWKS() -> Document {
        let json = keys.jwksJSON
        return jwks.withLock { cached in
            if let cached, cached.json == json { return cached.document }
            let document = Self.document(2, json, "application/jwk-set+json", https: https)
            cached = (json, document)
            return document
        }
    }

    static func document(_ index: Int, _ body: Data, _ contentType: String, https: Bool) -> Document {
        let digest = SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined()
        let etag = "\"\(digest)\""
        var headers: HTTPFields = [
            .contentType: contentType, .cacheControl: "public, max-age=\(DiscoveryDocument.jwksCacheSeconds)",
            .accessControlAllowOrigin: "*", .xContentTypeOptions: "nosniff", .eTag: etag,
        ]
        if https { headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
        return Document(index: index, route: routes[index], body: ByteBuffer(bytes: body), etag: etag, headers: headers)
    }

    /// The same answer through the router (a request the pipeline handler passed on): the router's middleware
    /// adds the request id and the security headers.
    func response(_ document: Document, to request: Request) -> Response {
        if Self.matches(request.headers[values: .ifNoneMatch], etag: document.etag) {
            var headers = document.headers
            headers[.contentType] = nil
            // Hummingbird would write Content-Length: 0 for the empty body; a 304 may carry only the 200's length.
            headers[.contentLength] = String(document.body.readableBytes)
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: document.headers, body: .init(byteBuffer: document.body))
    }

    /// Whether an `If-None-Match` names the document's current version.
    static func matches(_ values: [String], etag: String) -> Bool {
        values.contains { value in
            value.split(separator: ",").contains { candidate in
                let tag = candidate.trimmingCharacters(in: .whitespaces)
                return tag == etag || tag == "W/" + etag || tag == "*"
            }
        }
    }

    func nextRequestID() -> String {
        idPrefix + String(requestIDs.wrappingAdd(1, ordering: .relaxed).newValue, radix: 36)
    }

    func count(_ document: Document, head: Bool, notModified: Bool) {
        let slot = document.index * 4 + (head ? 2 : 0) + (notModified ? 1 : 0)
        counts.withLock { $0[slot] += 1 }
    }

    /// Hands the requests counted since the last call to the metrics.
    func report(into metrics: ServerMetrics) {
        let counted = counts.withLock { counts in
            defer { for slot in counts.indices { counts[slot] = 0 } }
            return counts
        }
        for (slot, number) in counted.enumerated() where number > 0 {
            metrics.requests(
                route: Self.routes[slot / 4], method: slot % 4 >= 2 ? "HEAD" : "GET", status: slot % 2 == 1 ? 304 : 200,
                count: number)
        }
    }
}
