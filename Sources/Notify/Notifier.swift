import Foundation
import Logging

/// A message to a person: an e-mail or a text message. The body never goes to the logs.
public struct OutgoingMessage: Sendable, Codable, Equatable {
    public enum Channel: String, Sendable, Codable {
        case email, sms
    }

    public var channel: Channel
    /// The e-mail address or mobile number.
    public var to: String
    public var subject: String
    public var body: String

    public init(channel: Channel, to: String, subject: String, body: String) {
        self.channel = channel
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// The seam every sender sits behind: verification codes, lock notices and the like are handed to a
/// `Notifier` and nothing else knows how they travel.
public protocol Notifier: Sendable {
    func send(_ message: OutgoingMessage) async throws
}

/// The development default: every message becomes one JSON file in `data/outbox/` (mode 0600), newest name
/// last, so that a developer — or a test — can read what would have been sent. Real SMTP and SMS senders
/// replace it in production.
public struct OutboxNotifier: Notifier {
    public let directory: URL
    private let logger: Logger

    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage) async throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = String(format: "%.6f", Date().timeIntervalSince1970)
        let name = "\(stamp)-\(message.channel.rawValue)-\(UUID().uuidString.prefix(8)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        _ = FileManager.default.createFile(
            atPath: directory.appendingPathComponent(name).path, contents: try encoder.encode(message),
            attributes: [.posixPermissions: 0o600])
        logger.info("message written to the development outbox", metadata: ["channel": "\(message.channel.rawValue)", "file": "\(name)"])
    }
}
