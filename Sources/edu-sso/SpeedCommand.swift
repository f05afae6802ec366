import ArgumentParser
import Foundation
import Identity
import OIDC
import Web

/// `edu-sso speed`: what one password hash and one signature cost on this machine, with the configured Argon2id
/// parameters. Sign-in capacity is bounded by the hash; token capacity by the signatures (docs/capacity.md).
struct SpeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed", abstract: "Measure one password hash and one signature on this machine.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Password hashes to time.") var hashes = 20

    func validate() throws {
        guard hashes > 0 else { throw ValidationError("--hashes must be at least 1.") }
    }

    func run() async throws {
        let config = try options.load()
        let parameters = config.passwordHashing
        let hasher = PasswordHasher(parameters: parameters)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let start = ContinuousClock.now
        for _ in 0..<hashes { _ = try await hasher.hash("correct horse battery staple") }
        let perHash = milliseconds(ContinuousClock.now - start) / Double(hashes)
        print(
            "password hash  Argon2id m=\(parameters.memoryKiB) KiB t=\(parameters.iterations) p=\(parameters.parallelism): "
                + String(format: "%.1f ms each, at most %.0f sign-ins/s per core (%d cores)", perHash, 1000 / perHash, cores))
        for timing in try await SigningSpeed.measure() {
            print(String(format: "%-14@ %.0f µs each, %.0f/s per core", "signature" as NSString, timing.microseconds, 1e6 / timing.microseconds)
                + "  " + timing.name)
        }
    }

    private func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
