import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636), S256 only: `plain` offers no protection against a leaked
/// authorization request, so RFC 9700 §2.1.1 lets servers refuse it and we do.
public enum PKCE {
    /// RFC 7636 §4.1/§4.2: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
    public static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count) && value.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }
    }

    public static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded()
    }

    public static func verify(verifier: String, challenge: String) -> Bool {
        isWellFormed(verifier) && Secrets.constantTimeEquals(Self.challenge(for: verifier), challenge)
    }
}
