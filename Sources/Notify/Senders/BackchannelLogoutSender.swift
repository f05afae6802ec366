import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Delivers OpenID Connect Back-Channel Logout notices: a POST of `logout_token=<JWT>` (form-encoded) to the
/// app's registered `backchannel_logout_uri`. 2xx is delivered; 408, 429, 5xx and no answer are temporary (the
/// dispatcher retries with backoff until the message expires); any other status means the app refused it.
/// Redirects are not followed (the spec forbids them), and the token never goes to the logs.
public struct BackchannelLogoutSender: MessageSender {
    private let client: HTTPClient
    private let timeoutSeconds: Int64

    /// A client of its own that follows no redirect (the spec forbids it, and a redirect would carry the token to
    /// wherever the app points, or turn the POST into a GET that "succeeds" without logging anyone out); a 3xx
    /// answer counts as a refusal. It lives as long as the process, like `HTTPClient.shared`.
    public static let noRedirects = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public init(client: HTTPClient = BackchannelLogoutSender.noRedirects, timeoutSeconds: Int64 = 5) {
        self.client = client
        self.timeoutSeconds = timeoutSeconds
    }

    public var description: String { "back-channel logout (HTTP POST to each app's backchannel_logout_uri)" }

    public func deliver(_ message: OutgoingMessage) async throws {
        var request = HTTPClientRequest(url: message.to)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "logout_token=" + SMSGatewaySender.formEscaped(message.body)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        } catch {
            throw NotifyError.temporary("the app's back-channel logout endpoint did not answer (\(type(of: error)))")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        try HTTPDelivery.check(Int(response.status.code), what: "the app's back-channel logout endpoint")
    }
}

/// How an HTTP answer to a delivery is read, for every sender that posts over HTTP.
enum HTTPDelivery {
    static func check(_ status: Int, what: String) throws {
        switch status {
        case 200..<300: return
        case 408, 429, 500...: throw NotifyError.temporary("\(what) answered \(status)")
        default: throw NotifyError.rejected("\(what) answered \(status)")
        }
    }
}
