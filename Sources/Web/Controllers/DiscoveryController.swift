import Identity
import Storage
import Logging
import Foundation
import Hummingbird
import NIOCore
import OIDC

/// Discovery and JWKS, served from bytes prepared ahead (they are the most requested documents, and caches in
/// front of the server may keep them for a short while).
struct DiscoveryController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        let discovery = ByteBuffer(bytes: services.discoveryJSON)
        router.get("/.well-known/openid-configuration") { _, _ in
            Self.document(discovery)
        }
        router.get("/.well-known/oauth-authorization-server") { _, _ in
            Self.document(discovery)
        }
        let keys = services.keys
        router.get(RouterPath(DiscoveryDocument.Path.jwks)) { _, _ in
            // The snapshot's bytes change only when keys rotate; ByteBuffer(bytes:) copies once per request.
            Self.document(ByteBuffer(bytes: keys.snapshot.jwksJSON), contentType: "application/jwk-set+json")
        }
    }

    static func document(_ buffer: ByteBuffer, contentType: String = "application/json") -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: buffer))
    }
}
