import ArgumentParser
import Foundation
import OIDC
import Web

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Inspect and rotate the signing keys.", subcommands: [List.self, Rotate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List signing keys and their state.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.load()
            let manager = try await KeyManager.open(
                store: FileKeyStore(directory: URL(fileURLWithPath: config.keysDir)),
                retirementOverlap: config.keyRetirementHours * 3600)
            for key in manager.snapshot.keys {
                let created = Date(timeIntervalSince1970: TimeInterval(key.createdAt))
                let state = key.retiresAt.map { "retiring until \(Date(timeIntervalSince1970: TimeInterval($0)))" } ?? "active"
                print("\(key.alg.rawValue)\t\(key.kid)\tcreated \(created)\t\(state)")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new active key; the old one stays published until its retirement time.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Rotate only this algorithm (RS256 or ES256).") var alg: String?

        func validate() throws {
            if let alg, SigningKey.Algorithm(rawValue: alg) == nil { throw ValidationError("--alg must be RS256 or ES256.") }
        }

        func run() async throws {
            let config = try options.load()
            let manager = try await KeyManager.open(
                store: FileKeyStore(directory: URL(fileURLWithPath: config.keysDir)),
                retirementOverlap: config.keyRetirementHours * 3600)
            let algorithms = alg.flatMap(SigningKey.Algorithm.init(rawValue:)).map { [$0] } ?? SigningKey.Algorithm.allCases
            for key in try await manager.rotate(algorithms) {
                print("New active \(key.alg.rawValue) key \(key.kid).")
            }
            print("Running servers pick the new keys up at their next maintenance run (purge_interval_seconds).")
        }
    }
}
