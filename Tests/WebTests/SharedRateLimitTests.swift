import Crypto
import Foundation
import Identity
import Testing

@testable import Web

/// Two nodes' limiters adding up their counts through the database, as `RateCountSyncService` does each second.
@Suite struct SharedRateLimitTests {
    @Test func anAddressSpreadOverTwoNodesGetsTheLimitOnce() async throws {
        try await TestServer.withConfiguration { config in
            let built = try await buildApplication(config)
            do {
                let store = built.services.store
                let secret = SymmetricKey(size: .bits256)
                let nodeA = RateLimiter(shareSecret: secret)
                let nodeB = RateLimiter(shareSecret: secret)
                let now: Int64 = 6_000_000
                // Two rounds, so that each node has read what the other published in the first.
                func sync() async throws {
                    for (name, limiter) in [("a", nodeA), ("b", nodeB), ("a", nodeA), ("b", nodeB)] {
                        let (minute, counts) = limiter.countsToPublish(now: now)
                        limiter.setOthers(
                            try await store.shareRateCounts(node: name, minute: minute, counts: counts), minute: minute)
                    }
                }
                for _ in 0..<40 { #expect(nodeA.allow("fail:203.0.113.9", limit: 60, now: now)) }
                for _ in 0..<19 { #expect(nodeB.allow("fail:203.0.113.9", limit: 60, now: now)) }
                try await sync()
                // 59 so far on the two nodes together: one more anywhere, then no more on either.
                #expect(nodeB.allow("fail:203.0.113.9", limit: 60, now: now))
                try await sync()
                #expect(!nodeA.allow("fail:203.0.113.9", limit: 60, now: now))
                #expect(nodeA.isExhausted("fail:203.0.113.9", limit: 60, now: now))
                #expect(nodeB.isExhausted("fail:203.0.113.9", limit: 60, now: now))
                // Another address is untouched, and the next minute starts afresh.
                #expect(nodeA.allow("fail:198.51.100.1", limit: 60, now: now))
                #expect(nodeA.allow("fail:203.0.113.9", limit: 60, now: now + 60))
                // The table holds keyed hashes, never the address.
                let (_, published) = nodeA.countsToPublish(now: now)
                #expect(!published.keys.contains { $0.contains("203.0.113") })
            } catch {
                try? await built.shutdown()
                throw error
            }
            try await built.shutdown()
        }
    }
}
