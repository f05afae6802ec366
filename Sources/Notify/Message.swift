import Foundation

/// A message to a person (an e-mail or a text message) or to an app (a back-channel logout notice). The body
/// never goes to the logs.
public struct OutgoingMessage: Sendable, Codable, Equatable {
    public enum Channel: String, Sendable, Codable, CaseIterable {
        case email, sms
        /// OpenID Connect Back-Channel Logout. Queued, `to` is the app's client id and `body` the notice (which
        /// subject and session); handed to the transport, `to` is the app's `backchannel_logout_uri` and `body`
        /// the logout token signed for this attempt.
        case logout = "backchannel_logout"
    }

    public var channel: Channel
    /// The e-mail address or mobile number; for a logout notice, the client id (the URI once handed to the transport).
    public var to: String
    /// Empty for text messages.
    public var subject: String
    public var body: String

    public init(channel: Channel, to: String, subject: String, body: String) {
        self.channel = channel
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// The recipient with most of it hidden, for logs and operator listings: `ab***@example.com`, `0912***678`.
    public var maskedRecipient: String {
        switch channel {
        case .email:
            let parts = to.split(separator: "@", maxSplits: 1)
            guard parts.count == 2 else { return "***" }
            return "\(parts[0].prefix(2))***@\(parts[1])"
        case .sms:
            return to.count >= 7 ? "\(to.prefix(4))***\(to.suffix(3))" : "***"
        case .logout:
            // The app's client id; an earlier version queued its endpoint, which is no secret, though its query
            // string might be.
            guard to.contains("://") else { return to }
            let url = URL(string: to)
            return "\(url?.scheme ?? "?")://\(url?.host ?? "?")\(url?.port.map { ":\($0)" } ?? "")"
        }
    }

    /// The message with every run of four or more digits (codes, default passwords' digits) replaced by asterisks.
    public var summary: String {
        if channel == .logout { return "logout notice" }
        let text = (subject.isEmpty ? body : subject + " / " + body).replacingOccurrences(of: "\n", with: " ")
        let masked = text.replacingOccurrences(of: "[0-9]{4,}", with: "******", options: .regularExpression)
        return String(masked.prefix(120))
    }
}

/// The seam every flow hands its messages to. `send` must return quickly and never lose the message: the server's
/// implementation is `MessageQueue`, which stores the message and lets the dispatcher deliver it.
public protocol Notifier: Sendable {
    /// `validFor` is how long the message is worth delivering (a code's lifetime); it is dropped after that.
    func send(_ message: OutgoingMessage, validFor seconds: Int64) async throws
}

/// A transport for one channel: SMTP, an SMS gateway, or the development outbox. `deliver` either hands the
/// message over or throws; the dispatcher retries.
public protocol MessageSender: Sendable {
    /// A short, secret-free description for start-up logs: `smtp://mail.example.edu.tw:587 (starttls)`.
    var description: String { get }
    func deliver(_ message: OutgoingMessage) async throws
}

/// The sender of each channel.
public struct MessageSenders: Sendable {
    public var email: any MessageSender
    public var sms: any MessageSender
    public var logout: any MessageSender

    public init(email: any MessageSender, sms: any MessageSender, logout: any MessageSender = BackchannelLogoutSender()) {
        self.email = email
        self.sms = sms
        self.logout = logout
    }

    public func sender(for channel: OutgoingMessage.Channel) -> any MessageSender {
        switch channel {
        case .email: email
        case .sms: sms
        case .logout: logout
        }
    }
}

public enum NotifyError: Error, CustomStringConvertible {
    case outboxWriteFailed(String)
    /// The server refused the message for good (5xx SMTP reply, 4xx HTTP status other than 408/429).
    case rejected(String)
    /// The server could not take it now (timeout, connection failure, 4xx SMTP reply, 5xx HTTP status).
    case temporary(String)

    public var description: String {
        switch self {
        case .outboxWriteFailed(let path): "The message could not be written to the outbox (\(path))."
        case .rejected(let reason): "The message was refused: \(reason)"
        case .temporary(let reason): "The message could not be handed over now: \(reason)"
        }
    }
}
