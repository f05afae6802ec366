import Foundation
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
        #expect(try store.loadKeys().count == SigningKey.Algorithm.allCases.count)
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
        let ring = try store.loadKeys()
        #expect(added.count == 9)
        #expect(Set(added).isSubset(of: Set(ring.map(\.kid))), "a rotation by one node was lost to another's write")
        for key in ring {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(key.alg.rawValue.lowercased())-\(key.kid).pem").path))
        }
    }

    @Test func aNodeVerifiesATokenSignedWithAKeyAnotherNodeJustAdded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600)
        let second = try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600)
        try await first.rotate([.rs256], immediately: true)
        var claims = ClaimSet([:])
        claims["sub"] = "s"
        let token = try await first.sign(claims, alg: .rs256)
        // The second node has not run maintenance; it reloads the ring when it meets the unknown kid.
        #expect(await second.verify(token)?.string("sub") == "s")
        // A token naming a kid nobody has does not verify (and reloads at most every few seconds).
        #expect(await second.verify("eyJhbGciOiJSUzI1NiIsImtpZCI6Im5vYm9keSJ9.e30.c2ln") == nil)
    }
}
