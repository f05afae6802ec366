import Foundation
import Logging
import Storage
import OIDC
import Testing

@testable import Web

/// Nodes of one deployment: they share the signing-key ring through the database and must share the secrets.
@Suite struct SharedKeyRingTests {
    /// A ring kept in `keys/` by an earlier version is imported into the database once, and a second node with a
    /// copy of the folder's secrets publishes the same keys.
    @Test func aFolderRingIsImportedAndEveryNodeWithTheSecretsPublishesIt() async throws {
        try await TestServer.withConfiguration { config in
            let folderKeys = try await FileKeyStore(directory: URL(fileURLWithPath: config.keysDir)).update { _ in
                [try SigningKey.generate(.rs256, now: 1_000), try SigningKey.generate(.es256, now: 1_000)]
            }.after
            let first = try await buildApplication(config)
            let published = first.services.keys.snapshot.keys.map(\.kid)
            try await first.shutdown()
            #expect(published == folderKeys.map(\.kid))
            // The private keys no longer lie in the folder in the clear.
            let left = try FileManager.default.contentsOfDirectory(atPath: config.keysDir)
            #expect(!left.contains { $0.hasSuffix(".pem") || $0 == "keyring.json" }, "\(left)")

            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-copy-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: copy) }
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            for name in ServerSecret.names {
                try FileManager.default.copyItem(
                    at: URL(fileURLWithPath: config.keysDir).appendingPathComponent(name), to: copy.appendingPathComponent(name))
            }
            var second = config
            second.keysDir = copy.path
            let node = try await buildApplication(second)
            let seen = node.services.keys.snapshot.keys.map(\.kid)
            try await node.shutdown()
            #expect(seen == published)
        }
    }

    /// `edu-sso` commands never create secrets: before any server ran on a database, or with a keys folder that
    /// lacks one, they refuse (rather than inventing secrets that the servers would then not match).
    @Test func commandsUseOnlyTheServersSecrets() async throws {
        try await TestServer.withConfiguration { config in
            let logger = Logger(label: "test")
            let store = try openDatabase(config, logger: logger)
            try await store.migrate()
            do {
                await #expect(throws: ConfigError.self) {
                    try await checkSecretsAgainstCluster(config, store: store, now: 1, user: .command)
                }
                #expect(!FileManager.default.fileExists(atPath: config.keysDir + "/cookie-secret"), "a command made a secret")
                try await buildApplication(config).shutdown()
                try await checkSecretsAgainstCluster(config, store: store, now: 1, user: .command)
                _ = try await openKeyRing(config, store: store, logger: logger, user: .command)
                try FileManager.default.removeItem(atPath: config.keysDir + "/totp-secret")
                await #expect(throws: ConfigError.self) {
                    try await checkSecretsAgainstCluster(config, store: store, now: 1, user: .command)
                }
            } catch {
                try? await store.shutdown()
                throw error
            }
            try await store.shutdown()
        }
    }

    /// A node whose secrets differ from the cluster's would fail every request another node began (cookies, CSRF,
    /// refresh tokens, sealed keys): it refuses to start and names the file.
    @Test func aNodeWithOtherSecretsRefusesToStart() async throws {
        try await TestServer.withConfiguration { config in
            try await buildApplication(config).shutdown()
            var stranger = config
            stranger.keysDir = config.keysDir + "-other"
            defer { try? FileManager.default.removeItem(atPath: stranger.keysDir) }
            do {
                try await buildApplication(stranger).shutdown()
                Issue.record("a node with other secrets started")
            } catch let error as ConfigError {
                #expect(error.description.contains("cookie-secret differs"))
            }
        }
    }
}
