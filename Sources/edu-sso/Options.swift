import ArgumentParser
import Foundation
import Logging
import OIDC
import Storage
import Web

/// `--config FILE`, shared by every subcommand; `EDU_SSO_*` variables override the file.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: config/edu-sso.yaml). EDU_SSO_* variables override it.")
    var config: String?

    func load() throws -> AppConfig {
        do {
            return try AppConfig.load(file: config)
        } catch let error as ConfigError {
            throw ValidationError(error.description)
        }
    }

    /// Opens and migrates the database for an operator command.
    func openStore() async throws -> (AppConfig, SQLStore) {
        let config = try load()
        var logger = Logger(label: "edu-sso")
        logger.logLevel = .warning
        let store = try openDatabase(config, logger: logger)
        try await store.migrate()
        return (config, store)
    }
}

/// Runs `body` with an open store and always closes it.
func withStore<T>(_ options: ConfigOptions, _ body: (AppConfig, SQLStore) async throws -> T) async throws -> T {
    let (config, store) = try await options.openStore()
    do {
        let result = try await body(config, store)
        try await store.shutdown()
        return result
    } catch {
        try? await store.shutdown()
        throw error
    }
}
