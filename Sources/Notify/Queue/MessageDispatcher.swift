import Foundation
import Logging
import Synchronization

/// The server's `Notifier`. `send` puts the message in the durable queue and returns; delivery happens off the
/// request path: each new message at once, and every due one on a short poll,
/// which picks up retries and whatever a stopped node left behind. A failed attempt is retried with exponential
/// backoff until the message expires or has used `maxAttempts`; then it is marked failed and logged as an error
/// for operators (`edu-sso messages` lists them). Delivery is at least once: a node that dies after handing a
/// message over but before recording it sends it again once its lease ends.
public final class MessageDispatcher: Notifier {
    public struct Policy: Sendable {
        /// The first retry waits this long; each further one twice as long, up to `maxBackoffSeconds`.
        public var retryBaseSeconds: Int64 = 30
        public var maxBackoffSeconds: Int64 = 900
        public var maxAttempts = 10
        public var pollSeconds: Int64 = 5
        /// A delivery must finish within its lease, or another node may try the message too.
        public var leaseSeconds: Int64 = 120
        /// Deliveries started for new messages at once; beyond this, the poll takes them.
        public var maxImmediate = 16

        public init() {}
    }

    private let queue: MessageQueue
    private let senders: MessageSenders
    public let policy: Policy
    private let logger: Logger
    private let inFlight = Atomic<Int>(0)

    public init(queue: MessageQueue, senders: MessageSenders, policy: Policy, logger: Logger) {
        self.queue = queue
        self.senders = senders
        self.policy = policy
        self.logger = logger
    }

    public func send(_ message: OutgoingMessage, validFor seconds: Int64) async throws {
        deliverSoon(id: try await queue.enqueue(message, validFor: seconds))
    }

    /// Polls until the task is cancelled.
    public func run(until stopping: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled && !stopping() {
            do {
                try await deliverDue()
            } catch {
                logger.error("message queue poll failed", metadata: ["error_type": "\(type(of: error))"])
            }
            try? await Task.sleep(for: .seconds(policy.pollSeconds))
        }
    }

    /// Starts delivering a new message now, unless too many deliveries are already running.
    public func deliverSoon(id: String) {
        guard inFlight.add(1, ordering: .relaxed).newValue <= policy.maxImmediate else {
            inFlight.subtract(1, ordering: .relaxed)
            return
        }
        Task {
            defer { inFlight.subtract(1, ordering: .relaxed) }
            if let leased = try? await lease(id: id) { await deliver(leased) }
        }
    }

    /// Delivers every message that is due now; returns how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 50) async throws -> Int {
        let due = try await lease(id: nil, limit: limit)
        await withTaskGroup(of: Void.self) { group in
            for message in due { group.addTask { await self.deliver([message]) } }
        }
        return due.count
    }

    private func lease(id: String?, limit: Int = 1) async throws -> [QueuedMessage] {
        let now = queue.now()
        return try await queue.store.leaseDueMessages(now: now, leaseUntil: now + policy.leaseSeconds, limit: limit, id: id)
    }

    private func deliver(_ messages: [QueuedMessage]) async {
        for queued in messages {
            do {
                try await attempt(queued)
            } catch {
                logger.error("message queue update failed", metadata: ["message": "\(queued.id)", "error_type": "\(type(of: error))"])
            }
        }
    }

    private func attempt(_ queued: QueuedMessage) async throws {
        let attempts = queued.attempts + 1
        let metadata: Logger.Metadata = [
            "message": "\(queued.id)", "channel": "\(queued.channel.rawValue)", "to": "\(queued.maskedRecipient)",
            "attempt": "\(attempts)",
        ]
        guard queue.now() < queued.expiresAt else {
            try await queue.store.finishMessage(id: queued.id, status: .expired, at: queue.now(), attempts: queued.attempts, error: queued.lastError)
            logger.error("message expired undelivered", metadata: metadata.merging(["last_error": "\(queued.lastError ?? "-")"]) { a, _ in a })
            return
        }
        do {
            let message = try queue.open(queued)
            try await senders.sender(for: queued.channel).deliver(message)
            try await queue.store.finishMessage(id: queued.id, status: .sent, at: queue.now(), attempts: attempts, error: nil)
            logger.info("message sent", metadata: metadata)
        } catch {
            let reason = String((error as? NotifyError)?.description ?? "\(type(of: error))").prefix(300)
            let permanent: Bool = if case NotifyError.rejected = error { true } else { false }
            let backoff = min(policy.maxBackoffSeconds, policy.retryBaseSeconds << Int64(min(attempts - 1, 20)))
            let next = queue.now() + backoff
            if permanent || attempts >= policy.maxAttempts || next >= queued.expiresAt {
                try await queue.store.finishMessage(id: queued.id, status: .failed, at: queue.now(), attempts: attempts, error: String(reason))
                logger.error("message failed for good", metadata: metadata.merging(["error": "\(reason)"]) { a, _ in a })
            } else {
                try await queue.store.rescheduleMessage(id: queued.id, attempts: attempts, nextAttemptAt: next, error: String(reason))
                logger.warning("message will be retried", metadata: metadata.merging(["error": "\(reason)", "retry_in_s": "\(backoff)"]) { a, _ in a })
            }
        }
    }
}
