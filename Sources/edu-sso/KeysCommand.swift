import ArgumentParser
import Foundation
import OIDC
import Web

private func openKeys(_ config: AppConfig) async throws -> KeyManager {
    try await KeyManager.open(
        store: FileKeyStore(directory: URL(fileURLWithPath: config.keysDir)), preactivation: config.keyPreactivationHours * 3600,
        retirementOverlap: config.keyRetirementHours * 3600)
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Inspect and rotate the signing keys.", subcommands: [List.self, Rotate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signing keys and their state.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let manager = try await openKeys(try options.load())
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
            let manager = try await openKeys(try options.load())
            let algorithms = alg.flatMap(SigningKey.Algorithm.init(rawValue:)).map { [$0] } ?? SigningKey.Algorithm.allCases
            for key in try await manager.rotate(algorithms, immediately: immediately, retireOldNow: retireOldNow) {
                let activation = Date(timeIntervalSince1970: TimeInterval(key.activation))
                print("New \(key.alg.rawValue) key \(key.kid): published now, signs from \(activation).")
            }
            print("Running servers pick the new keys up at their next maintenance run (purge_interval_seconds).")
        }
    }
}
