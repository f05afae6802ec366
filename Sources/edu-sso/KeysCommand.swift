import ArgumentParser
import Foundation
import Logging
import OIDC
import Web

/// Runs `body` with the key ring in the database, as the servers see it.
private func withKeys<T>(_ options: ConfigOptions, _ body: (KeyManager) async throws -> T) async throws -> T {
    try await withStore(options) { config, store in
        var logger = Logger(label: "edu-sso")
        logger.logLevel = .warning
        return try await body(try await openKeyRing(config, store: store, logger: logger, user: .command))
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Inspect and rotate the signing keys.", subcommands: [List.self, Rotate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signing keys and their state.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await withKeys(options) { manager in try list(manager) }
        }

        private func list(_ manager: KeyManager) throws {
            let now = Clock.system.now()
            func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
            for key in manager.snapshot.keys {
                let state =
                    if key.activation > now { "published, signs from \(date(key.activation))" }
                    else if manager.snapshot.signingKey(key.alg, at: now)?.kid == key.kid { "signing" }
                    else { "verifying only, leaves the JWKS at \(key.retiresAt.map(date).map { "\($0)" } ?? "-")" }
                print("\(key.alg.rawValue)\t\(key.kid)\tcreated \(date(key.createdAt))\t\(state)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new active key; the old one stays published until its retirement time.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Rotate only this algorithm (RS256 or ES256).") var alg: String?
        @Flag(help: "Sign with the new key at once instead of after key_preactivation_hours.")
        var immediately = false
        @Flag(
            name: .customLong("retire-old-now"),
            help: "A compromised key: withdraw the replaced keys from the JWKS at once (implies --immediately); every token they signed stops verifying.")
        var retireOldNow = false

        func validate() throws {
            if let alg, SigningKey.Algorithm(rawValue: alg) == nil { throw ValidationError("--alg must be RS256 or ES256.") }
        }

        func run() async throws {
            let algorithms = alg.flatMap(SigningKey.Algorithm.init(rawValue:)).map { [$0] } ?? SigningKey.Algorithm.allCases
            let added = try await withKeys(options) { manager in
                try await manager.rotate(algorithms, immediately: immediately, retireOldNow: retireOldNow)
            }
            for key in added {
                let activation = Date(timeIntervalSince1970: TimeInterval(key.activation))
                print("New \(key.alg.rawValue) key \(key.kid): published now, signs from \(activation).")
            }
            print("Every running server picks the new keys up within key_refresh_seconds.")
        }
    }
}
