import Crypto
import ExtrasBase64
import Foundation

/// Random identifiers, token hashing and constant-time comparison: the primitives every credential uses.
public enum Secrets {
    /// A URL-safe random string carrying `bytes` bytes of entropy (32 bytes = 256 bits by default).
    public static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        var random = [UInt8](repeating: 0, count: bytes)
        for index in random.indices { random[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return Base64.encodeToString(bytes: random, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// The stored form of a code, refresh token or secret: hex SHA-256. These values carry at least 128 bits
    /// of entropy, so a fast hash is the right tool (a memory-hard KDF is only needed for passwords).
    public static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).hexString
    }

    /// Compares two strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }

    /// HMAC-SHA256 of `message` under `key`, base64url: used to bind CSRF tokens to a browser.
    public static func hmac(_ message: String, key: Data) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key))
        return Data(code).base64URLEncoded()
    }
}

extension Data {
    public func base64URLEncoded() -> String {
        Base64.encodeToString(bytes: self, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }
}

extension Sequence where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    public var hexString: String { Array(self).hexString }
}
