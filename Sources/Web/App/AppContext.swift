import OIDC
import Identity
import Logging
import Hummingbird
import NIOCore

/// Per-request state: the core Hummingbird context plus what EduSSO's middleware learns about the request.
public struct AppContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// Short random id, echoed in `X-Request-Id` and on error pages so a student can quote it to support.
    public var requestID = ""
    /// The client address after proxy handling (see `trusted_proxies`), in canonical form.
    public var clientIP = "unknown"
    /// What per-address rate limits count by: the address, or an IPv6 address's /64.
    var rateLimitKey: String { IPRange.limitKey(clientIP) }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }
}
