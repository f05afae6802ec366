import Foundation
import Hummingbird
import HummingbirdTesting
import OIDC

@testable import Web

/// The configuration every live-server test starts from: development mode on a fresh temporary folder, an
/// ephemeral port and cheap password hashing.
enum TestServer {
    static func withConfiguration(
        _ values: [String: String] = [:], _ body: (inout AppConfig) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = try AppConfig(values: ["development": "true"].merging(values) { $1 })
        config.port = 0
        config.dataDir = directory.appendingPathComponent("data").path
        config.keysDir = directory.appendingPathComponent("keys").path
        config.passwordMemoryKiB = 7 * 1024
        config.passwordIterations = 1
        try await body(&config)
    }

    /// Builds the server from `config` and runs `body` against it over real HTTP.
    static func live(
        _ config: AppConfig, clock: OIDC.Clock = .system, prepare: (BuiltApplication) async throws -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, BuiltApplication) async throws -> Void
    ) async throws {
        let built = try await buildApplication(config, clock: clock)
        try await prepare(built)
        try await built.application.test(.live) { client in try await body(client, built) }
    }
}
