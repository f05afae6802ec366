import AsyncHTTPClient
import Foundation
import JSONText
import NIOCore
import NIOHTTP1

public struct SMSGatewayConfiguration: Sendable {
    public enum Authentication: Sendable {
        case none
        case basic(username: String, password: String)
        /// `Authorization: Bearer …`.
        case bearer(String)
    }

    public var url: String
    public var authentication: Authentication
    /// `application/json` or `application/x-www-form-urlencoded`: how `{{to}}` and `{{text}}` are escaped.
    public var contentType: String
    /// The request body, with `{{to}}` and `{{text}}` replaced: `{"to":"{{to}}","message":"{{text}}"}`.
    public var bodyTemplate: String
    public var timeoutSeconds: Int64

    public init(url: String, authentication: Authentication = .none, contentType: String = "application/json",
                bodyTemplate: String = #"{"to":"{{to}}","text":"{{text}}"}"#, timeoutSeconds: Int64 = 10) {
        self.url = url
        self.authentication = authentication
        self.contentType = contentType
        self.bodyTemplate = bodyTemplate
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Posts text messages to an HTTP SMS gateway. One POST per message; a 2xx answer is success, 408, 429 and 5xx
/// are temporary (the dispatcher retries with backoff), any other 4xx means the gateway refused the message.
public struct SMSGatewaySender: MessageSender {
    public let configuration: SMSGatewayConfiguration
    private let client: HTTPClient

    public init(_ configuration: SMSGatewayConfiguration, client: HTTPClient = .shared) throws {
        guard let url = URL(string: configuration.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil
        else { throw NotifyError.rejected("sms_gateway_url must be an http(s) URL") }
        guard ["application/json", "application/x-www-form-urlencoded"].contains(configuration.contentType) else {
            throw NotifyError.rejected("sms_gateway_content_type must be application/json or application/x-www-form-urlencoded")
        }
        self.configuration = configuration
        self.client = client
    }

    public var description: String {
        let url = URL(string: configuration.url)
        return "SMS gateway \(url?.scheme ?? "")://\(url?.host ?? "")\(url?.port.map { ":\($0)" } ?? "")\(url?.path ?? "")"
    }

    /// The body for one message: the template with both values escaped for the content type.
    public func body(to: String, text: String) -> String {
        let json = configuration.contentType == "application/json"
        func escape(_ value: String) -> String { json ? JSONText.escaped(value) : Self.formEscaped(value) }
        return configuration.bodyTemplate.replacingOccurrences(of: "{{to}}", with: escape(to))
            .replacingOccurrences(of: "{{text}}", with: escape(text))
    }

    public func deliver(_ message: OutgoingMessage) async throws {
        var request = HTTPClientRequest(url: configuration.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: configuration.contentType + "; charset=utf-8")
        switch configuration.authentication {
        case .none: break
        case .basic(let username, let password):
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
        case .bearer(let token):
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        request.body = .bytes(ByteBuffer(string: body(to: message.to, text: message.body)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(configuration.timeoutSeconds))
        } catch {
            throw NotifyError.temporary("the SMS gateway did not answer (\(type(of: error)))")
        }
        // Read (a little of) the body so the connection can be reused; its content is not logged.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        try HTTPDelivery.check(Int(response.status.code), what: "the SMS gateway")
    }

    static func formEscaped(_ value: String) -> String {
        // ASCII letters and digits only: CharacterSet.alphanumerics would let Chinese characters through unescaped.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
