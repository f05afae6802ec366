import Crypto
import Foundation
import Logging

/// A message waiting in (or done with) the durable queue. Its subject and body are sealed with AES-GCM under a
/// server secret while they wait, because they may hold a code, and wiped once the message is sent or given up.
public struct QueuedMessage: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, sent
        /// Every attempt failed, or the server refused it for good: operators see these.
        case failed
        /// Not delivered before it was worth delivering (the code inside had expired).
        case expired
    }

    public var id: String
    public var channel: OutgoingMessage.Channel
    public var recipient: String
    /// Base64 of the AES-GCM combined box of the JSON `{subject, body}`; empty once finished.
    public var sealed: String
    public var status: Status
    public var attempts: Int
    public var createdAt: Int64
    public var nextAttemptAt: Int64
    public var expiresAt: Int64
    public var lastError: String?
    public var finishedAt: Int64?

    public init(
        id: String, channel: OutgoingMessage.Channel, recipient: String, sealed: String, status: Status = .pending,
        attempts: Int = 0, createdAt: Int64, nextAttemptAt: Int64, expiresAt: Int64, lastError: String? = nil,
        finishedAt: Int64? = nil
    ) {
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.sealed = sealed
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.expiresAt = expiresAt
        self.lastError = lastError
        self.finishedAt = finishedAt
    }

    public var maskedRecipient: String {
        OutgoingMessage(channel: channel, to: recipient, subject: "", body: "").maskedRecipient
    }
}

/// The database side of the queue; implemented in module Storage.
public protocol MessageQueueStore: Sendable {
    func enqueueMessage(_ message: QueuedMessage) async throws
    /// Leases pending messages that are due (just `id`, when given) until `leaseUntil`, and returns them. A leased
    /// message is handed to no other caller, on any node, until its lease ends; a node that dies mid-send
    /// leaves it to be leased again.
    func leaseDueMessages(now: Int64, leaseUntil: Int64, limit: Int, id: String?) async throws -> [QueuedMessage]
    /// Ends a message (sent, failed or expired): wipes its sealed content and releases the lease.
    func finishMessage(id: String, status: QueuedMessage.Status, at: Int64, attempts: Int, error: String?) async throws
    /// Puts a message back for another attempt at `nextAttemptAt`.
    func rescheduleMessage(id: String, attempts: Int, nextAttemptAt: Int64, error: String) async throws
    func messageCounts() async throws -> [QueuedMessage.Status: Int]
    /// Newest first; `status` nil for all.
    func recentMessages(status: QueuedMessage.Status?, limit: Int) async throws -> [QueuedMessage]
}

/// The durable queue: `enqueue` stores a message (sealed) in the database, so that a crash between creating a
/// code and sending it loses nothing; `MessageDispatcher` takes messages out and delivers them.
public struct MessageQueue: Sendable {
    let store: any MessageQueueStore
    private let key: SymmetricKey
    let now: @Sendable () -> Int64

    public init(store: any MessageQueueStore, secret: Data, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.key = SymmetricKey(data: SHA256.hash(data: Data("message-queue:".utf8) + secret))
        self.now = now
    }

    /// Stores the message and returns its id; it is dropped undelivered `validFor` seconds from now.
    public func enqueue(_ message: OutgoingMessage, validFor seconds: Int64) async throws -> String {
        let now = now()
        let queued = QueuedMessage(
            id: UUID().uuidString.lowercased(), channel: message.channel, recipient: message.to,
            sealed: try seal(message), createdAt: now, nextAttemptAt: now, expiresAt: now + max(60, seconds))
        try await store.enqueueMessage(queued)
        return queued.id
    }

    private struct Content: Codable {
        var subject: String
        var body: String
    }

    func seal(_ message: OutgoingMessage) throws -> String {
        let content = try JSONEncoder().encode(Content(subject: message.subject, body: message.body))
        guard let combined = try AES.GCM.seal(content, using: key).combined else { throw NotifyError.rejected("sealing failed") }
        return combined.base64EncodedString()
    }

    func open(_ queued: QueuedMessage) throws -> OutgoingMessage {
        guard let data = Data(base64Encoded: queued.sealed) else { throw NotifyError.rejected("the stored message is damaged") }
        let content = try JSONDecoder().decode(Content.self, from: try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key))
        return OutgoingMessage(channel: queued.channel, to: queued.recipient, subject: content.subject, body: content.body)
    }
}

/// The queue alone is a `Notifier` for processes that deliver nothing themselves (an operator command): what
/// it stores is delivered by a serving node's dispatcher on its next poll.
extension MessageQueue: Notifier {
    public func send(_ message: OutgoingMessage, validFor seconds: Int64) async throws {
        _ = try await enqueue(message, validFor: seconds)
    }
}
