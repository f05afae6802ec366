import Foundation
import Logging
import OIDC
import SQLKit
import Testing

@testable import Storage

/// The signing-key ring in the database: what several nodes share, and how it is kept.
@Suite struct KeyRingStoreTests {
    static let secret = Data(repeating: 7, count: 32)

    /// Several nodes starting and rotating at once: they agree on one first key per algorithm, and no rotation is
    /// lost to another node's write. On PostgreSQL each node has its own connection pool. SQLite's nodes share one
    /// store: in one process, stores of their own would wait for the file's write lock on the same few threads
    /// that the holder needs to finish (separate processes, the server and `edu-sso keys`, do not share them).
    @Test(arguments: Backend.available) func nodesSharingADatabaseNeverOverwriteEachOthersKeys(_ backend: Backend) async throws {
        try await backend.withDatabase { url in
            let shared = try SQLStore.open(url: url, logger: Logger(label: "test"))
            let stores = try [shared] + (1..<3).map { _ in
                backend == .postgres ? try SQLStore.open(url: url, logger: Logger(label: "test")) : shared
            }
            var failure: (any Error)?
            do {
                try await stores[0].migrate()
                let nodes = try await withThrowingTaskGroup(of: KeyManager.self) { group in
                    for store in stores {
                        group.addTask {
                            try await KeyManager.open(store: SealedKeyStore(rows: store, secret: Self.secret), retirementOverlap: 3600)
                        }
                    }
                    return try await group.reduce(into: [KeyManager]()) { $0.append($1) }
                }
                let ring = SealedKeyStore(rows: stores[0], secret: Self.secret)
                let first = try await ring.loadKeys()
                #expect(first.count == SigningKey.Algorithm.allCases.count)
                #expect(Set(nodes.map { $0.snapshot.keys.map(\.kid) }).count == 1, "the nodes started with different rings")
                let added = try await withThrowingTaskGroup(of: [String].self) { group in
                    for node in nodes {
                        group.addTask {
                            var kids: [String] = []
                            for _ in 0..<3 { kids += try await node.rotate([.es256]).map(\.kid) }
                            return kids
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0 += $1 }
                }
                #expect(added.count == 9)
                let kept = Set(try await ring.loadKeys().map(\.kid))
                #expect(Set(added).isSubset(of: kept), "a rotation was lost")
                // Every node picks up the ring the others wrote.
                for node in nodes { try await node.refresh() }
                #expect(Set(nodes.map { $0.snapshot.keys.map(\.kid) }).count == 1)
            } catch {
                failure = error
            }
            for store in backend == .postgres ? stores : [shared] { try await store.shutdown() }
            if let failure { throw failure }
        }
    }

    /// The rows hold no private key in the clear; a node with another secret cannot open them, and a sealed key
    /// moved to another kid's row does not open either.
    @Test(arguments: Backend.available) func privateKeysAreSealedAndBoundToTheirKid(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let keys = try await KeyManager.open(store: SealedKeyStore(rows: store, secret: Self.secret), retirementOverlap: 3600)
            let rows = try await store.signingKeyRows()
            #expect(rows.count == keys.snapshot.keys.count)
            for row in rows {
                #expect(!row.sealedPrivateKey.contains("PRIVATE KEY"))
                let sealed = try #require(Data(base64Encoded: row.sealedPrivateKey))
                #expect(sealed.range(of: Data("-----BEGIN".utf8)) == nil)
            }
            await #expect(throws: KeyRingError.self) {
                try await SealedKeyStore(rows: store, secret: Data(repeating: 8, count: 32)).loadKeys()
            }
            try await store.write { db in
                try await db.raw("UPDATE signing_keys SET sealed_private_key = \(bind: rows[0].sealedPrivateKey) WHERE kid = \(bind: rows[1].kid)").run()
            }
            await #expect(throws: KeyRingError.self) { try await SealedKeyStore(rows: store, secret: Self.secret).loadKeys() }
        }
    }

    /// The first node's fingerprint of a secret is the cluster's; a node proposing another one is told so.
    @Test(arguments: Backend.available) func theFirstFingerprintOfASecretStands(_ backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.clusterFingerprints(proposing: [:], now: 1).isEmpty, "reading records nothing")
            let first = try await store.clusterFingerprints(proposing: ["cookie-secret": "aaaa"], now: 1)
            let second = try await store.clusterFingerprints(proposing: ["cookie-secret": "bbbb", "guid-secret": "cccc"], now: 2)
            #expect(first == ["cookie-secret": "aaaa"])
            #expect(second == ["cookie-secret": "aaaa", "guid-secret": "cccc"])
        }
    }
}

/// Rate-limit counts that nodes add up.
@Suite struct RateCountStoreTests {
    @Test(arguments: Backend.available) func eachNodeReadsTheOthersCounts(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let seenByA = try await store.shareRateCounts(node: "a", minute: 100, counts: ["k": 3])
            let seenByB = try await store.shareRateCounts(node: "b", minute: 100, counts: ["k": 4, "j": 1])
            #expect(seenByA.isEmpty)
            #expect(seenByB == ["k": 3])
            // A node's later publication replaces its earlier one; other minutes do not count.
            _ = try await store.shareRateCounts(node: "a", minute: 100, counts: ["k": 10])
            _ = try await store.shareRateCounts(node: "c", minute: 99, counts: ["k": 50])
            let later = try await store.shareRateCounts(node: "b", minute: 100, counts: [:])
            #expect(later == ["k": 10])
            let many = Dictionary(uniqueKeysWithValues: (0..<1_200).map { ("key\($0)", $0 + 1) })
            _ = try await store.shareRateCounts(node: "c", minute: 100, counts: many)
            let summed = try await store.shareRateCounts(node: "b", minute: 100, counts: [:])
            #expect(summed.count == 1_201)
            #expect(summed["key1199"] == 1_200)
        }
    }
}

/// What nodes take in turn: a job lease, and the first fingerprint of a secret.
@Suite struct SharedClaimRaceTests {
    /// Many nodes asking for the purge lease at the same moment: exactly one gets it; it is free again once it
    /// ran out, and its holder may renew it.
    @Test(arguments: Backend.available) func oneNodeTakesAJobLease(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for node in 0..<12 {
                    group.addTask { try await store.takeJobLease("purge", holder: "node-\(node)", now: 1_000, until: 1_599) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(winners == 1)
            #expect(try await !store.takeJobLease("purge", holder: "late", now: 1_200, until: 1_799))
            #expect(try await store.takeJobLease("purge", holder: "late", now: 1_599, until: 2_198), "an expired lease is free")
            #expect(try await store.takeJobLease("purge", holder: "late", now: 1_700, until: 2_299), "its holder renews it")
        }
    }

    /// Two first nodes proposing different secrets at once: one proposal stands, and both are told the same one.
    @Test(arguments: Backend.available) func racingFirstNodesAgreeOnOneFingerprint(_ backend: Backend) async throws {
        try await backend.withStore { store in
            let answers = try await withThrowingTaskGroup(of: [String: String].self) { group in
                for node in 0..<8 {
                    group.addTask {
                        try await store.clusterFingerprints(
                            proposing: ["cookie-secret": "c\(node)", "guid-secret": "g\(node)"], now: 1)
                    }
                }
                return try await group.reduce(into: [[String: String]]()) { $0.append($1) }
            }
            #expect(Set(answers).count == 1, "nodes were told different fingerprints")
            let answer = try #require(answers.first)
            // The two names come from one proposal: a transaction, never a mix of two nodes' secrets.
            #expect(answer["cookie-secret"]?.dropFirst() == answer["guid-secret"]?.dropFirst())
        }
    }
}
