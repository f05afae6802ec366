import CArgon2
import Foundation

/// Argon2id password hashing through the reference implementation (libargon2), with hashes in the standard PHC
/// string format so that parameters can be raised later: a hash made with weaker parameters is re-made at the
/// next successful sign-in.
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

    /// Constant-time verification (libargon2 compares with its own constant-time routine).
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
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let passwordBytes = Array(password.utf8)
        let hashLength = 32
        let encodedLength = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, UInt32(salt.count),
            UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let status = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, passwordBytes, passwordBytes.count,
            salt, salt.count, hashLength, &encoded, encodedLength)
        guard status == ARGON2_OK.rawValue else { throw PasswordHashError.failed(Int(status)) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let passwordBytes = Array(password.utf8)
        return argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
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
