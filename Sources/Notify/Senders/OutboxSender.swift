import Foundation
import Logging

/// The development sender: every message becomes one JSON file in `data/outbox/` (mode 0600), newest name last,
/// and one log line with the recipient and the code masked. `/dev/outbox` shows the files, so a new user can
/// finish every flow without a mail server. `buildApplication` uses it only in development mode, and only for a
/// channel without a configured sender. A write that fails is an error, never a logged success. Files are purged
/// after `retentionSeconds`.
public struct OutboxSender: MessageSender {
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

    public var description: String { "development outbox (\(directory.path))" }

    public func deliver(_ message: OutgoingMessage) async throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let stamp = String(format: "%.6f", Date().timeIntervalSince1970)
        let name = "\(stamp)-\(message.channel.rawValue)-\(UUID().uuidString.prefix(8)).json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: try encoder.encode(message), attributes: [.posixPermissions: 0o600])
        else { throw NotifyError.outboxWriteFailed(path) }
        logger.info(
            "outbox: \(message.channel.rawValue) to \(message.maskedRecipient): \(message.summary)", metadata: ["file": "\(name)"])
    }

    /// The messages in the outbox, newest first.
    public func messages(limit: Int = 100) -> [(name: String, message: OutgoingMessage)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted(by: >).prefix(limit)
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path),
                let message = try? JSONDecoder().decode(OutgoingMessage.self, from: data)
            else { return nil }
            return (name, message)
        }
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
