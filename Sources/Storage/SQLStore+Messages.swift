import Notify
import SQLKit

extension SQLStore: MessageQueueStore {
    public func enqueueMessage(_ message: QueuedMessage) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO outgoing_messages (id, channel, recipient, sealed, status, attempts, created_at, next_attempt_at,
                    lease_until, expires_at, last_error, finished_at)
                VALUES (\(bind: message.id), \(bind: message.channel.rawValue), \(bind: message.recipient), \(bind: message.sealed),
                    \(bind: message.status.rawValue), \(bind: message.attempts), \(bind: message.createdAt),
                    \(bind: message.nextAttemptAt), 0, \(bind: message.expiresAt), \(bind: message.lastError),
                    \(bind: message.finishedAt))
                """
            ).run()
        }
    }

    public func leaseDueMessages(now: Int64, leaseUntil: Int64, limit: Int, id: String?) async throws -> [QueuedMessage] {
        // The lease is taken by one conditional UPDATE, so two nodes polling at once never get the same message.
        // On PostgreSQL the rows picked are also locked, skipping those another node is leasing this instant, so
        // that polling nodes take different messages instead of queuing on (and retrying after) the same rows.
        // This holds for a statement of its own at READ COMMITTED, as `write` runs it; inside a SERIALIZABLE
        // transaction, locking a row changed since the snapshot would fail the transaction instead.
        let which: SQLQueryString = id.map { "id = \(bind: $0)" } ?? "1 = 1"
        let skipLocked: SQLQueryString = connector.dialectName == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        return try await write { db in
            try await db.raw(
                """
                UPDATE outgoing_messages SET lease_until = \(bind: leaseUntil)
                WHERE id IN (
                    SELECT id FROM outgoing_messages
                    WHERE status = 'pending' AND next_attempt_at <= \(bind: now) AND lease_until <= \(bind: now) AND \(which)
                    ORDER BY next_attempt_at LIMIT \(bind: limit)\(skipLocked))
                  AND status = 'pending' AND lease_until <= \(bind: now)
                RETURNING *
                """
            ).all().compactMap(Self.queuedMessage)
        }
    }

    public func finishMessage(id: String, status: QueuedMessage.Status, at: Int64, attempts: Int, error: String?) async throws {
        try await write { db in
            try await db.raw(
                """
                UPDATE outgoing_messages SET status = \(bind: status.rawValue), sealed = '', finished_at = \(bind: at),
                    attempts = \(bind: attempts), last_error = \(bind: error), lease_until = 0
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    public func rescheduleMessage(id: String, attempts: Int, nextAttemptAt: Int64, error: String) async throws {
        try await write { db in
            try await db.raw(
                """
                UPDATE outgoing_messages SET attempts = \(bind: attempts), next_attempt_at = \(bind: nextAttemptAt),
                    last_error = \(bind: error), lease_until = 0
                WHERE id = \(bind: id) AND status = 'pending'
                """
            ).run()
        }
    }

    public func messageCounts() async throws -> [QueuedMessage.Status: Int] {
        try await read { db in
            var counts: [QueuedMessage.Status: Int] = [:]
            for row in try await db.raw("SELECT status, COUNT(*) AS n FROM outgoing_messages GROUP BY status").all() {
                if let status = QueuedMessage.Status(rawValue: try row.string("status")) {
                    counts[status] = Int(try row.int64("n"))
                }
            }
            return counts
        }
    }

    public func recentMessages(status: QueuedMessage.Status?, limit: Int) async throws -> [QueuedMessage] {
        let which: SQLQueryString = status.map { "WHERE status = \(bind: $0.rawValue)" } ?? ""
        return try await read { db in
            try await db.raw("SELECT * FROM outgoing_messages \(which) ORDER BY created_at DESC LIMIT \(bind: limit)").all()
                .compactMap(Self.queuedMessage)
        }
    }

    private static func queuedMessage(_ row: any SQLRow) throws -> QueuedMessage? {
        guard let channel = OutgoingMessage.Channel(rawValue: try row.string("channel")),
            let status = QueuedMessage.Status(rawValue: try row.string("status"))
        else { return nil }
        return QueuedMessage(
            id: try row.string("id"), channel: channel, recipient: try row.string("recipient"), sealed: try row.string("sealed"),
            status: status, attempts: Int(try row.int64("attempts")), createdAt: try row.int64("created_at"),
            nextAttemptAt: try row.int64("next_attempt_at"), expiresAt: try row.int64("expires_at"),
            lastError: try row.optionalString("last_error"), finishedAt: try row.optionalInt64("finished_at"))
    }
}
