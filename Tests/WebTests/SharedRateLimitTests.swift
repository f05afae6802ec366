import Crypto
import Foundation
import Identity
import Testing

@testable import Web

/// Two nodes' limiters adding up their counts through the database, as `RateCountSyncService` does each second.
@Suite struct SharedRateLimitTests {
    struct Nodes {
        let store: any ServiceStore
        let a: RateLimiter
        let b: RateLimiter

        /// Two rounds, so that each node has read what the other published in the first.
        func sync(now: Int64) async throws {
            for (name, limiter) in [("a", a), ("b", b), ("a", a), ("b", b)] {
                let (minute, counts, local) = limiter.countsToPublish(now: now)
                let others = try await store.shareRateCounts(node: name, minute: minute, counts: counts)
                limiter.published(local, minute: minute)
                limiter.setOthers(others, minute: minute)
            }
        }
    }

    func withNodes(_ body: (Nodes) async throws -> Void) async throws {
        try await TestServer.withConfiguration { config in
            let built = try await buildApplication(config)
            do {
                let secret = SymmetricKey(size: .bits256)
                try await body(Nodes(store: built.services.store, a: RateLimiter(shareSecret: secret), b: RateLimiter(shareSecret: secret)))
            } catch {
                try? await built.shutdown()
                throw error
            }
            try await built.shutdown()
        }
    }

    @Test func anAddressSpreadOverTwoNodesGetsTheLimitOnce() async throws {
        try await withNodes { nodes in
            let now: Int64 = 6_000_000
            let key = "fail:203.0.113.9"
            for _ in 0..<40 { #expect(nodes.a.allow(key, limit: 60, now: now)) }
            for _ in 0..<19 { #expect(nodes.b.allow(key, limit: 60, now: now)) }
            try await nodes.sync(now: now)
            // 59 so far on the two nodes together: one more anywhere, then no more on either.
            #expect(nodes.b.allow(key, limit: 60, now: now))
            try await nodes.sync(now: now)
            #expect(!nodes.a.allow(key, limit: 60, now: now))
            #expect(nodes.a.isExhausted(key, limit: 60, now: now))
            #expect(nodes.b.isExhausted(key, limit: 60, now: now))
            // Another address is untouched.
            #expect(nodes.a.allow("fail:198.51.100.1", limit: 60, now: now))
            // The database holds keyed hashes, never the address: what another node reads is the shared name.
            let stored = try await nodes.store.shareRateCounts(node: "reader", minute: now / 60, counts: [:])
            // (Node a's refused request came after the last sync.)
            #expect(stored[nodes.a.shareKey(key)] == 60)
            #expect(!stored.keys.contains { $0.contains("203.0.113") })
            // The next minute starts afresh.
            #expect(nodes.a.allow(key, limit: 60, now: now + 60))
        }
    }

    /// A limit below the hot threshold (three ID lookups, four captcha renderings) is shared from the first count.
    @Test func lowLimitsAreSharedFromTheFirstCount() async throws {
        try await withNodes { nodes in
            let now: Int64 = 6_000_000
            #expect(nodes.a.allow("forgot-account-id:x", limit: 3, now: now))
            #expect(nodes.a.allow("forgot-account-id:x", limit: 3, now: now))
            try await nodes.sync(now: now)
            #expect(nodes.b.allow("forgot-account-id:x", limit: 3, now: now))
            #expect(!nodes.b.allow("forgot-account-id:x", limit: 3, now: now))
        }
    }

    /// A limit of 5 (contact questions, default-password recovery per name) is shared from the first count, and a
    /// limit of 30 from the third: below the hot threshold, every node's unpublished counts could otherwise add
    /// up to the limit (four on each of N nodes), and the limit would hold per node instead of per cluster.
    @Test func limitsNearTheHotThresholdAreSharedBeforeItIsReached() async throws {
        #expect(RateLimiter.shareFrom(limit: 5) == 1)
        #expect(RateLimiter.shareFrom(limit: 30) == 3)
        #expect(RateLimiter.shareFrom(limit: 600) == RateLimiter.hotThreshold)
        try await withNodes { nodes in
            let now: Int64 = 6_000_000
            for _ in 0..<4 { #expect(nodes.a.allow("contact:203.0.113.9", limit: 5, now: now)) }
            for _ in 0..<3 { #expect(nodes.a.allow("recover-start:203.0.113.9", limit: 30, now: now)) }
            try await nodes.sync(now: now)
            #expect(nodes.b.allow("contact:203.0.113.9", limit: 5, now: now))
            #expect(!nodes.b.allow("contact:203.0.113.9", limit: 5, now: now))
            for _ in 0..<27 { #expect(nodes.b.allow("recover-start:203.0.113.9", limit: 30, now: now)) }
            #expect(!nodes.b.allow("recover-start:203.0.113.9", limit: 30, now: now))
            // A page key counted below the hot threshold stays on its node.
            for _ in 0..<4 { #expect(nodes.a.allow("page:198.51.100.1", limit: 600, now: now)) }
            #expect(nodes.a.countsToPublish(now: now).counts.isEmpty)
        }
    }

    /// Counts are marked published only once the database took them: after a failed write they go again.
    @Test func countsNotWrittenArePublishedAgain() {
        let limiter = RateLimiter()
        let now: Int64 = 6_000_000
        for _ in 0..<10 { _ = limiter.allow("page:x", limit: 100, now: now) }
        let first = limiter.countsToPublish(now: now)
        #expect(first.counts.count == 1)
        // The write failed: nothing was marked, so the same count is offered again.
        #expect(limiter.countsToPublish(now: now).counts == first.counts)
        limiter.published(first.local, minute: first.minute)
        #expect(limiter.countsToPublish(now: now).counts.isEmpty)
    }
}
