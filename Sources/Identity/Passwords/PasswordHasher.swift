import CSodium
import Foundation

/// Argon2id password hashing through libsodium (its SIMD implementation, picked for the CPU at run time), with
/// hashes in the standard PHC string format (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`, as libargon2 writes them, so
/// hashes made by either verify with the other), so that parameters can be raised later: a hash made with weaker
/// parameters is re-made at the next successful sign-in. libsodium computes one lane (p = 1) only.
///
/// Hashing is deliberately expensive (tens of milliseconds, ~19 MiB), so it runs on its own bounded queue: a
/// sign-in storm waits its turn there instead of starving the event loops that serve everything else.
public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        /// Memory in KiB.
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32

        /// OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
        public static let owasp = Parameters(memoryKiB: 19 * 1024, iterations: 2, parallelism: 1)

        public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }
    }

    public let parameters: Parameters
    private let queue: OperationQueue

    public init(parameters: Parameters = .owasp, maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(parameters.parallelism == 1, "libsodium's Argon2id computes one lane (p = 1)")
        // Idempotent and thread-safe; picks the Argon2 implementation for this CPU.
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
        self.parameters = parameters
        let queue = OperationQueue()
        queue.name = "edu-sso.password-hashing"
        queue.maxConcurrentOperationCount = max(1, maxConcurrent)
        self.queue = queue
    }

    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await run { try Self.hashNow(password, parameters: parameters) }
    }

    /// Constant-time verification (libsodium compares with its constant-time `sodium_memcmp`).
    public func verify(_ password: String, against encoded: String) async -> Bool {
        (try? await run { Self.verifyNow(password, encoded: encoded) }) ?? false
    }

    /// Whether `encoded` was made with weaker parameters than the current ones.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let stored = Self.parameters(of: encoded) else { return true }
        return stored.memoryKiB < parameters.memoryKiB || stored.iterations < parameters.iterations
            || stored.parallelism < parameters.parallelism
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    static func hashNow(_ password: String, parameters: Parameters) throws -> String {
        // libsodium draws the 16-byte salt itself (randombytes) and writes a 32-byte hash.
        var encoded = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        let passwordBytes = Array(password.utf8).map { CChar(bitPattern: $0) }
        let status = crypto_pwhash_str_alg(
            &encoded, passwordBytes, UInt64(passwordBytes.count), UInt64(parameters.iterations),
            Int(parameters.memoryKiB) * 1024, crypto_pwhash_ALG_ARGON2ID13)
        guard status == 0 else { throw PasswordHashError.failed(Int(status)) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let passwordBytes = Array(password.utf8).map { CChar(bitPattern: $0) }
        return crypto_pwhash_str_verify(encoded, passwordBytes, UInt64(passwordBytes.count)) == 0
    }

    /// Reads m, t and p from `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    static func parameters(of encoded: String) -> Parameters? {
        let fields = encoded.split(separator: "$")
        guard fields.count == 5, fields[0] == "argon2id" else { return nil }
        var values: [String: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let number = UInt32(parts[1]) { values[String(parts[0])] = number }
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}

public enum PasswordHashError: Error {
    case failed(Int)
}
