import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Storage
import Web

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server (creates the database, keys and, in development, the demo app and student).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try options.load()
        LoggingSystem.bootstrap(LogFormat.handler(format: config.logFormat, level: Logger.Level(rawValue: config.logLevel) ?? .info))
        let built = try await buildApplication(config)
        if let demo = built.demo {
            // Written straight to the file handle: print() would sit in a buffer while the server runs.
            FileHandle.standardOutput.write(Data(
                """

                EduSSO development server — \(config.issuer)
                  Demo app:      \(config.issuer)/demo
                    client_id     \(demo.clientID)
                    client_secret \(demo.clientSecret)
                  Demo student:  \(demo.username)  (\(demo.username)@mail.edu.tw)
                    password      \(demo.password)
                  Discovery:     \(config.issuer)/.well-known/openid-configuration

                """.utf8))
        }
        try await built.application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations (safe to repeat).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await withStore(options) { _, store in
            let applied = try await store.migrate()
            let version = try await store.schemaVersion()
            print(applied.isEmpty ? "Schema is up to date (version \(version))." : "Applied migrations \(applied); schema version \(version).")
        }
    }
}
