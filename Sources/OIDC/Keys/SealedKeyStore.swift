import Crypto
import Foundation

/// One signing key as the database holds it: the private key sealed, everything else in the clear.
public struct SealedSigningKey: Sendable, Equatable {
    public var kid: String
    public var alg: SigningKey.Algorithm
    public var createdAt: Int64
    public var activatesAt: Int64?
    public var retiresAt: Int64?
    /// Base64 of the AES-GCM combined box of the PEM, authenticated with the kid, algorithm and creation time.
    public var sealedPrivateKey: String

    public init(
        kid: String, alg: SigningKey.Algorithm, createdAt: Int64, activatesAt: Int64?, retiresAt: Int64?,
        sealedPrivateKey: String
    ) {
        self.kid = kid
        self.alg = alg
        self.createdAt = createdAt
        self.activatesAt = activatesAt
        self.retiresAt = retiresAt
        self.sealedPrivateKey = sealedPrivateKey
    }
}

/// The database side of the key ring: rows read, and rows replaced as one transaction.
public protocol SigningKeyRowStore: Sendable {
    func signingKeyRows() async throws -> [SealedSigningKey]
    /// Reads every row, applies `change` and writes the result in one transaction; returns (before, after).
    /// `change` may run again when the database retries the transaction.
    func updateSigningKeyRows(_ change: @escaping @Sendable ([SealedSigningKey]) throws -> [SealedSigningKey])
        async throws -> (before: [SealedSigningKey], after: [SealedSigningKey])
}

/// The key ring in the database, shared by every node. Private keys are sealed with AES-GCM under a key derived
/// from the `signing-key-secret` file, with the kid, algorithm and creation time as associated data, so a database
/// dump or backup alone reveals no signing key, and a sealed key cannot be moved to another row or relabelled.
public struct SealedKeyStore: KeyStore {
    let rows: any SigningKeyRowStore
    let sealingKey: SymmetricKey

    public init(rows: any SigningKeyRowStore, secret: Data) {
        self.rows = rows
        self.sealingKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Data("edu-sso signing key ring v1".utf8), outputByteCount: 32)
    }

    public func loadKeys() async throws -> [SigningKey] {
        try await rows.signingKeyRows().map(open)
    }

    public func update(_ change: @escaping @Sendable ([SigningKey]) throws -> [SigningKey]) async throws -> KeyRingChange {
        let result = try await rows.updateSigningKeyRows { [self] current in
            let keys = try current.map(open)
            let next = try change(keys)
            // Rows whose key is unchanged keep their sealed box; new keys are sealed now.
            return try next.map { key in
                var row = try current.first { $0.kid == key.kid } ?? seal(key)
                row.activatesAt = key.activatesAt
                row.retiresAt = key.retiresAt
                return row
            }
        }
        return KeyRingChange(before: try result.before.map(open), after: try result.after.map(open))
    }

    /// What a sealed key is bound to: its kid, algorithm and creation time cannot be changed in the row unnoticed.
    /// (Activation and retirement are meant to change; a key's kid is its public key's thumbprint.)
    static func boundData(kid: String, alg: SigningKey.Algorithm, createdAt: Int64) -> Data {
        Data("\(kid)|\(alg.rawValue)|\(createdAt)".utf8)
    }

    func seal(_ key: SigningKey) throws -> SealedSigningKey {
        let box = try AES.GCM.seal(
            Data(key.privateKeyPEM.utf8), using: sealingKey,
            authenticating: Self.boundData(kid: key.kid, alg: key.alg, createdAt: key.createdAt))
        guard let combined = box.combined else { throw KeyRingError.sealing }
        return SealedSigningKey(
            kid: key.kid, alg: key.alg, createdAt: key.createdAt, activatesAt: key.activatesAt, retiresAt: key.retiresAt,
            sealedPrivateKey: combined.base64EncodedString())
    }

    func open(_ row: SealedSigningKey) throws -> SigningKey {
        guard let combined = Data(base64Encoded: row.sealedPrivateKey),
            let pem = try? AES.GCM.open(
                AES.GCM.SealedBox(combined: combined), using: sealingKey,
                authenticating: Self.boundData(kid: row.kid, alg: row.alg, createdAt: row.createdAt))
        else { throw KeyRingError.unreadable(kid: row.kid) }
        return SigningKey(
            kid: row.kid, alg: row.alg, createdAt: row.createdAt, activatesAt: row.activatesAt, retiresAt: row.retiresAt,
            privateKeyPEM: String(decoding: pem, as: UTF8.self))
    }
}

public enum KeyRingError: Error, CustomStringConvertible {
    case sealing
    case unreadable(kid: String)

    public var description: String {
        switch self {
        case .sealing: "A signing key could not be sealed."
        case .unreadable(let kid):
            "Signing key \(kid) in the database cannot be opened with this node's signing-key-secret: every node must have the same keys/ secrets."
        }
    }
}
