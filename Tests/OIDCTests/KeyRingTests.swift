import Foundation
import Synchronization
import Testing

@testable import OIDC

/// Nodes that share one key folder: every change of the ring is a locked read-modify-write, so concurrent
/// rotations by different processes (here: different KeyManagers with their own file handles) lose nothing.
@Suite struct KeyRingTests {
    @Test func nodesSharingAFolderNeverOverwriteEachOthersKeys() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = FileKeyStore(directory: directory)
        let nodes = try await withThrowingTaskGroup(of: KeyManager.self) { group in
            for _ in 0..<3 { group.addTask { try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600) } }
            return try await group.reduce(into: [KeyManager]()) { $0.append($1) }
        }
        // Three nodes starting at once agree on one first key per algorithm.
        #expect(try await store.loadKeys().count == SigningKey.Algorithm.allCases.count)
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
        let ring = try await store.loadKeys()
        #expect(added.count == 9)
        #expect(Set(added).isSubset(of: Set(ring.map(\.kid))), "a rotation by one node was lost to another's write")
        for key in ring {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(key.alg.rawValue.lowercased())-\(key.kid).pem").path))
        }
    }

    @Test func aNodeVerifiesATokenSignedWithAKeyAnotherNodeJustAdded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let time = Atomic<Int64>(1_000_000)
        let clock = Clock { time.load(ordering: .relaxed) }
        let first = try await KeyManager.open(store: FileKeyStore(directory: directory), clock: clock, retirementOverlap: 3600)
        let second = try await KeyManager.open(store: FileKeyStore(directory: directory), clock: clock, retirementOverlap: 3600)
        var claims = ClaimSet([:])
        claims["sub"] = "s"
        // Each new key is a second younger than the one before, so it is the one that signs.
        time.add(1, ordering: .relaxed)
        try await first.rotate([.rs256], immediately: true)
        let token = try await first.sign(claims, alg: .rs256)
        #expect(!second.snapshot.keys.contains { $0.kid == KeyManager.kid(of: token) })
        // The second node has not run maintenance; it reloads the ring when it meets the unknown kid.
        #expect(await second.verify(token)?.string("sub") == "s")
        // Another new key within five seconds: no second reload yet (a flood of made-up kids cannot make a node
        // re-read its ring on every request); after five seconds, it is picked up.
        time.add(1, ordering: .relaxed)
        try await first.rotate([.rs256], immediately: true)
        let newer = try await first.sign(claims, alg: .rs256)
        #expect(await second.verify(newer) == nil)
        time.add(4, ordering: .relaxed)
        #expect(await second.verify(newer)?.string("sub") == "s")
    }

    @Test func aCompromisedKeyIsWithdrawnAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600)
        var claims = ClaimSet([:])
        claims["sub"] = "s"
        let before = try await keys.sign(claims, alg: .rs256)
        // An ordinary immediate rotation keeps the old key verifying for the overlap…
        try await keys.rotate([.rs256], immediately: true)
        #expect(await keys.verify(before) != nil)
        // …a compromise withdraws every replaced key of that algorithm.
        let stolen = try await keys.sign(claims, alg: .rs256)
        try await keys.rotate([.rs256], retireOldNow: true)
        #expect(await keys.verify(before) == nil)
        #expect(await keys.verify(stolen) == nil)
        #expect(await keys.verify(try await keys.sign(claims, alg: .rs256)) != nil)
        #expect(await keys.verify(try await keys.sign(claims, alg: .es256)) != nil, "other algorithms are untouched")
    }

    /// A ring store whose next read hands back the ring as it was when the read began, but only when the test lets
    /// it finish: a slow read racing a rotation.
    final class SlowReadKeys: KeyStore, Sendable {
        let ring = Mutex<[SigningKey]>([])
        let pauseNextRead = Mutex(false)
        let paused = Mutex<CheckedContinuation<Void, Never>?>(nil)

        func loadKeys() async throws -> [SigningKey] {
            let seen = ring.withLock { $0 }
            if pauseNextRead.withLock({ let pause = $0; $0 = false; return pause }) {
                await withCheckedContinuation { continuation in paused.withLock { $0 = continuation } }
            }
            return seen
        }

        func update(_ change: @escaping @Sendable ([SigningKey]) throws -> [SigningKey]) async throws -> KeyRingChange {
            try ring.withLock { ring in
                let before = ring
                ring = try change(ring)
                return KeyRingChange(before: before, after: ring)
            }
        }
    }

    @Test func aSlowReadCannotBringBackAWithdrawnKey() async throws {
        let store = SlowReadKeys()
        let keys = try await KeyManager.open(store: store, retirementOverlap: 3600)
        let compromised = try #require(keys.snapshot.signingKey(.rs256, at: Clock.system.now())).kid
        store.pauseNextRead.withLock { $0 = true }
        let refresh = Task { try await keys.refresh() }
        while store.paused.withLock({ $0 == nil }) { await Task.yield() }
        try await keys.rotate([.rs256], retireOldNow: true)
        store.paused.withLock { $0?.resume() }
        try await refresh.value
        #expect(!keys.snapshot.keys.contains { $0.kid == compromised }, "the refresh that read the old ring put it back")
    }
}
