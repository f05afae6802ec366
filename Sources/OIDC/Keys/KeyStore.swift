import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where signing keys live. EduSSO keeps its ring in the database (`SealedKeyStore`), so that every node behind a
/// load balancer publishes and signs with the same keys; the file implementation (one PEM per key plus a metadata
/// file, all mode 0600) serves the mock counties and the import of a ring from before the database held it.
public protocol KeyStore: Sendable {
    func loadKeys() async throws -> [SigningKey]
    /// Reads the ring, applies `change` and writes the result, as one step that no other process (another node,
    /// an `edu-sso keys` command) can interleave with. `change` may run more than once (a database retries a
    /// transaction that lost a race), so it must depend on nothing but the ring it is given.
    func update(_ change: @escaping @Sendable ([SigningKey]) throws -> [SigningKey]) async throws -> KeyRingChange
}

/// The ring before and after an update: what an update added is the difference, computed from the ring that was
/// finally written rather than from a run of the closure that a retried transaction threw away.
public struct KeyRingChange: Sendable {
    public let before: [SigningKey]
    public let after: [SigningKey]

    public init(before: [SigningKey], after: [SigningKey]) {
        self.before = before
        self.after = after
    }

    public var added: [SigningKey] { after.filter { key in !before.contains { $0.kid == key.kid } } }
}

public struct FileKeyStore: KeyStore {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    private var indexURL: URL { directory.appendingPathComponent("keyring.json") }

    private struct IndexEntry: Codable {
        var kid: String
        var alg: SigningKey.Algorithm
        var createdAt: Int64
        var activatesAt: Int64?
        var retiresAt: Int64?
        var file: String
    }

    private func readKeys() throws -> [SigningKey] {
        guard FileManager.default.fileExists(atPath: indexURL.path) else { return [] }
        let entries = try JSON.decode([IndexEntry].self, from: Data(contentsOf: indexURL))
        return try entries.map { entry in
            let pem = try String(contentsOf: directory.appendingPathComponent(entry.file), encoding: .utf8)
            return SigningKey(
                kid: entry.kid, alg: entry.alg, createdAt: entry.createdAt, activatesAt: entry.activatesAt,
                retiresAt: entry.retiresAt, privateKeyPEM: pem)
        }
    }

    public func loadKeys() async throws -> [SigningKey] { try readKeys() }

    public func update(_ change: @escaping @Sendable ([SigningKey]) throws -> [SigningKey]) async throws -> KeyRingChange {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try withFolderLock {
            let current = try readKeys()
            let next = try change(current)
            if next != current { try save(next) }
            return KeyRingChange(before: current, after: next)
        }
    }

    /// Deletes the ring (its index and every key file), for a ring that moved elsewhere.
    public func removeRing() throws {
        try withFolderLock {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            where name.hasSuffix(".pem") || name == "keyring.json" {
                try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    /// Holds an exclusive `flock` on `keys/.lock` while `body` runs: nodes that share the folder (on one host or
    /// over a file system that supports flock) change the ring one at a time.
    private func withFolderLock<T>(_ body: () throws -> T) throws -> T {
        let path = directory.appendingPathComponent(".lock").path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: path]) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private func save(_ keys: [SigningKey]) throws {
        var entries: [IndexEntry] = []
        for key in keys {
            let file = "\(key.alg.rawValue.lowercased())-\(key.kid).pem"
            let url = directory.appendingPathComponent(file)
            if !FileManager.default.fileExists(atPath: url.path) { try writePrivate(Data(key.privateKeyPEM.utf8), to: url) }
            entries.append(
                .init(
                    kid: key.kid, alg: key.alg, createdAt: key.createdAt, activatesAt: key.activatesAt,
                    retiresAt: key.retiresAt, file: file))
        }
        try writePrivate(try JSON.encode(entries), to: indexURL)
        // Remove PEM files of keys that left the ring (safe: the ring was read under the same lock).
        let kept = Set(entries.map(\.file))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasSuffix(".pem") && !kept.contains(name) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Writes atomically and with owner-only permissions from the first byte.
    private func writePrivate(_ data: Data, to url: URL) throws {
        let temporary = url.appendingPathExtension("tmp")
        _ = FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600])
        try data.write(to: temporary)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
        // rename(2) replaces the old file atomically: a crash leaves either the old or the new key ring.
        guard rename(temporary.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
    }
}
