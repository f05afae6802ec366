import Crypto
import Foundation
import OIDC

#if canImport(Glibc)
    import Glibc
#endif

/// Server-side secrets in `keys/` (mode 0600), generated on first run: `cookie-secret` binds CSRF tokens to a
/// browser, `guid-secret` keys the `guid` claim, `refresh-secret` derives refresh-token successors,
/// `message-secret` seals queued messages, `code-secret` keys the hashes of verification codes, default passwords
/// and two-factor recovery codes, `totp-secret` seals two-factor secrets, `signing-key-secret` seals the signing
/// keys in the database. Every node of a deployment needs the same files: copy the folder to each, or share it
/// (creation is exclusive, never an overwrite, so of two nodes creating one at once the first wins).
public enum ServerSecret {
    /// Every secret a node uses; `checkAgainstCluster` compares each with the one the other nodes use.
    public static let names = [
        "cookie-secret", "guid-secret", "refresh-secret", "message-secret", "code-secret", "totp-secret",
        "signing-key-secret",
    ]

    /// The secret `name`, created on first use: for the server, which is where a deployment's secrets begin.
    public static func load(_ name: String, directory: String) throws -> Data {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        if let existing = try? Data(contentsOf: url), existing.count >= 32 { return existing }
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let draft = url.appendingPathExtension("\(UInt64.random(in: .min ... .max)).tmp")
        guard FileManager.default.createFile(
            atPath: draft.path, contents: Data(Secrets.randomToken(bytes: 32).utf8), attributes: [.posixPermissions: 0o600])
        else { throw ConfigError("Cannot write \(draft.path).") }
        defer { try? FileManager.default.removeItem(at: draft) }
        // link(2) fails when the name exists: of two nodes starting at once, exactly one secret is kept.
        _ = link(draft.path, url.path)
        guard let secret = try? Data(contentsOf: url), secret.count >= 32 else {
            throw ConfigError("\(url.path) exists but holds no usable secret; remove it to generate a new one.")
        }
        return secret
    }

    /// The secret `name` as it is, never created: for the `edu-sso` commands, which must not invent secrets that
    /// the servers do not have.
    public static func existing(_ name: String, directory: String) throws -> Data {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
        guard let secret = try? Data(contentsOf: url), secret.count >= 32 else {
            throw ConfigError(
                "\(url.path) is missing: run this command with the keys/ folder of a node (keys_dir), after the first server has started.")
        }
        return secret
    }

    /// A keyed fingerprint of a secret: it tells two values apart and reveals nothing of either.
    static func fingerprint(of secret: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("edu-sso secret fingerprint v1".utf8), using: SymmetricKey(data: secret))
        return Data(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
