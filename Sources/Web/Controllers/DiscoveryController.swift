import Identity
import Logging
import Foundation
import Hummingbird
import NIOCore
import OIDC
import Synchronization

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
        let cache = JWKSBuffer()
        router.get(RouterPath(DiscoveryDocument.Path.jwks)) { _, _ in
            Self.document(cache.buffer(for: keys.jwksJSON), contentType: "application/jwk-set+json")
        }
    }

    /// The JWKS bytes change only when keys rotate: the response buffer is built once per key set, not per
    /// request (buffers are copy-on-write, so every response can share it).
    final class JWKSBuffer: Sendable {
        private let cached = Mutex<(Data, ByteBuffer)?>(nil)

        func buffer(for json: Data) -> ByteBuffer {
            cached.withLock { cached in
                if let (data, buffer) = cached, data == json { return buffer }
                let buffer = ByteBuffer(bytes: json)
                cached = (json, buffer)
                return buffer
            }
        }
    }

    static func document(_ buffer: ByteBuffer, contentType: String = "application/json") -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "public, max-age=\(DiscoveryDocument.jwksCacheSeconds)", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: buffer))
    }
}
