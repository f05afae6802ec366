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

public enum NotifyError: Error, CustomStringConvertible {
    case outboxWriteFailed(String)

    public var description: String {
        switch self {
        case .outboxWriteFailed(let path): "The message could not be written to the outbox (\(path))."
        }
    }
}

/// The development sender: every message becomes one JSON file in `data/outbox/` (mode 0600), newest name last,
/// so that a developer — or a test — can read what would have been sent. `buildApplication` uses it only in
/// development mode; production mode refuses to start without a real sender. A write that fails is an error for
/// the caller, never a logged success. Files are purged after `retentionSeconds`.
public struct OutboxNotifier: Notifier {
    public let directory: URL
    private let logger: Logger
    /// Outbox files hold codes; they are kept a day, long after every code in them expired.
    public static let retentionSeconds: Int64 = 86400

    public init(directory: URL, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public static func directory(dataDir: String) -> URL {
        URL(fileURLWithPath: dataDir).appendingPathComponent("outbox")
    }

    public func send(_ message: OutgoingMessage) async throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = String(format: "%.6f", Date().timeIntervalSince1970)
        let name = "\(stamp)-\(message.channel.rawValue)-\(UUID().uuidString.prefix(8)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(message), attributes: [.posixPermissions: 0o600])
        else { throw NotifyError.outboxWriteFailed(path) }
        logger.info("message written to the development outbox", metadata: ["channel": "\(message.channel.rawValue)", "file": "\(name)"])
    }

    /// Deletes messages written before `cutoff`.
    public func purge(olderThan cutoff: Date) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantFuture
            if modified < cutoff { try FileManager.default.removeItem(at: url) }
        }
    }
}
