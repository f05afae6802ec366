import Foundation
import Logging
import Notify
import Synchronization
import Testing

@testable import Storage

/// The durable message queue on the real SQL store: nothing is lost across a crash or an outage, nobody sends a
/// message twice at once, and what waits in the table is sealed.
@Suite struct MessageQueueTests {
    /// A sender that fails while `failing` is set and records every message it accepted.
    final class FlakySender: MessageSender {
        let failing = Atomic<Bool>(false)
        let rejecting = Atomic<Bool>(false)
        let delivered = Mutex<[OutgoingMessage]>([])
        var description: String { "flaky" }
        func deliver(_ message: OutgoingMessage) async throws {
            if rejecting.load(ordering: .relaxed) { throw NotifyError.rejected("550 no such user") }
            if failing.load(ordering: .relaxed) { throw NotifyError.temporary("connection refused") }
            try await Task.sleep(for: .milliseconds(5))
            delivered.withLock { $0.append(message) }
        }
    }

    final class ManualTime: Sendable {
        let value = Atomic<Int64>(1_000_000)
        func advance(_ seconds: Int64) { value.add(seconds, ordering: .relaxed) }
    }

    func withQueue(_ backend: Backend, _ body: (SQLStore, MessageQueue, ManualTime) async throws -> Void) async throws {
        try await backend.withStore { store in
            let time = ManualTime()
            let queue = MessageQueue(store: store, secret: Data(repeating: 7, count: 32), now: { time.value.load(ordering: .relaxed) })
            try await body(store, queue, time)
        }
    }

    func dispatcher(_ queue: MessageQueue, _ sender: FlakySender) -> MessageDispatcher {
        var policy = MessageDispatcher.Policy()
        policy.retryBaseSeconds = 10
        policy.maxAttempts = 4
        return MessageDispatcher(
            queue: queue, senders: MessageSenders(email: sender, sms: sender), policy: policy, logger: Logger(label: "test"))
    }

    let code = OutgoingMessage(channel: .sms, to: "0912345678", subject: "", body: "驗證碼 483920")

    @Test(arguments: Backend.available) func aMessageQueuedBeforeACrashIsDeliveredByTheNextProcess(_ backend: Backend) async throws {
        try await withQueue(backend) { store, queue, _ in
            // The first process queues the message and dies before any delivery.
            _ = try await queue.enqueue(code, validFor: 3600)
            let waiting = try await store.recentMessages(status: .pending, limit: 10)
            #expect(waiting.count == 1)
            // What waits in the table is sealed: the code is not there in plain text.
            #expect(!waiting[0].sealed.contains("483920"))
            #expect(Data(base64Encoded: waiting[0].sealed).map { !String(decoding: $0, as: UTF8.self).contains("483920") } == true)
            // The next process delivers it.
            let sender = FlakySender()
            #expect(try await dispatcher(queue, sender).deliverDue() == 1)
            #expect(sender.delivered.withLock { $0 } == [code])
            let sent = try await store.recentMessages(status: .sent, limit: 10)
            #expect(sent.count == 1 && sent[0].sealed.isEmpty)
        }
    }

    @Test(arguments: Backend.available) func anOutageIsRetriedWithBackoffAndDeliveredAfterRecovery(_ backend: Backend) async throws {
        try await withQueue(backend) { store, queue, time in
            let sender = FlakySender()
            sender.failing.store(true, ordering: .relaxed)
            let dispatcher = dispatcher(queue, sender)
            _ = try await queue.enqueue(code, validFor: 3600)
            #expect(try await dispatcher.deliverDue() == 1)
            var pending = try await store.recentMessages(status: .pending, limit: 10)
            #expect(pending.first?.attempts == 1 && pending.first?.lastError?.contains("connection refused") == true)
            // Not due again before the backoff has passed; then twice as long.
            #expect(try await dispatcher.deliverDue() == 0)
            time.advance(10)
            #expect(try await dispatcher.deliverDue() == 1)
            time.advance(10)
            #expect(try await dispatcher.deliverDue() == 0)
            time.advance(10)
            // The relay is back.
            sender.failing.store(false, ordering: .relaxed)
            #expect(try await dispatcher.deliverDue() == 1)
            #expect(sender.delivered.withLock { $0.count } == 1)
            pending = try await store.recentMessages(status: .pending, limit: 10)
            #expect(pending.isEmpty)
            #expect(try await store.messageCounts()[.sent] == 1)
        }
    }

    @Test(arguments: Backend.available) func aRefusedOrHopelessMessageEndsVisiblyFailed(_ backend: Backend) async throws {
        try await withQueue(backend) { store, queue, time in
            let sender = FlakySender()
            let dispatcher = dispatcher(queue, sender)
            sender.rejecting.store(true, ordering: .relaxed)
            _ = try await queue.enqueue(code, validFor: 3600)
            #expect(try await dispatcher.deliverDue() == 1)
            let failed = try await store.recentMessages(status: .failed, limit: 10)
            #expect(failed.count == 1 && failed[0].sealed.isEmpty && failed[0].lastError?.contains("550") == true)
            // Temporary failures end as failed after the last attempt.
            sender.rejecting.store(false, ordering: .relaxed)
            sender.failing.store(true, ordering: .relaxed)
            _ = try await queue.enqueue(code, validFor: 86400)
            for _ in 0..<6 {
                _ = try await dispatcher.deliverDue()
                time.advance(1000)
            }
            #expect(try await store.messageCounts()[.failed] == 2)
            // A message nobody could deliver before its code expired is not sent late.
            sender.failing.store(false, ordering: .relaxed)
            _ = try await queue.enqueue(code, validFor: 60)
            time.advance(61)
            _ = try await dispatcher.deliverDue()
            #expect(try await store.messageCounts()[.expired] == 1)
            #expect(sender.delivered.withLock { $0.isEmpty })
        }
    }

    @Test(arguments: Backend.available) func racingNodesSendEachMessageOnce(_ backend: Backend) async throws {
        try await withQueue(backend) { store, queue, _ in
            for index in 0..<40 {
                _ = try await queue.enqueue(OutgoingMessage(channel: .email, to: "s\(index)@example.com", subject: "s", body: "b"), validFor: 3600)
            }
            let sender = FlakySender()
            let nodes = (0..<4).map { _ in dispatcher(queue, sender) }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for node in nodes { for _ in 0..<3 { group.addTask { try await node.deliverDue(limit: 7) } } }
                try await group.waitForAll()
            }
            while try await nodes[0].deliverDue() > 0 {}
            let recipients = sender.delivered.withLock { $0.map(\.to) }
            #expect(recipients.count == 40)
            #expect(Set(recipients).count == 40)
            #expect(try await store.messageCounts()[.sent] == 40)
        }
    }
}
