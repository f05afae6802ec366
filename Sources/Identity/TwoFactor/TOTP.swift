import Crypto
import Foundation
import OIDC

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) as every authenticator app computes them:
/// HMAC-SHA-1, 6 digits, 30-second steps.
public enum TOTP {
    public static let digits = 6
    public static let period: Int64 = 30
    /// Steps accepted either side of the server's: a phone clock a little off still works.
    public static let drift: Int64 = 1
    public static let issuer = "EduSSO"

    /// A new random secret: 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
    public static func newSecret() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    public static func step(at time: Int64) -> Int64 { time >= 0 ? time / period : (time - period + 1) / period }

    /// The code for one step (RFC 4226 §5.3, dynamic truncation).
    public static func code(secret: Data, step: Int64) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value =
            (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        let number = value % 1_000_000
        let text = String(number)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step whose code `typed` is, within the allowed drift around `time`; nil when it matches none. Every
    /// candidate is compared in constant time, and all are compared, so timing does not tell which step matched.
    public static func matchingStep(secret: Data, code typed: String, at time: Int64) -> Int64? {
        let typed = typed.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let now = step(at: time)
        var matched: Int64?
        for candidate in (now - drift)...(now + drift) {
            if Secrets.constantTimeEquals(code(secret: secret, step: candidate), typed) { matched = candidate }
        }
        return matched
    }

    /// The `otpauth://` URI authenticator apps scan (Google Authenticator's Key Uri Format): the label is
    /// `issuer:account`, percent-encoded as UTF-8.
    public static func uri(secret: Data, account: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~@")
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? issuer
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuer)&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}

/// RFC 4648 base32, the alphabet authenticator apps take secrets in (without padding, as they expect).
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ data: Data) -> String {
        var output = [UInt8]()
        var buffer: UInt32 = 0
        var bits = 0
        for byte in data {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Accepts lower case, spaces and padding, as people type secrets; nil for any other character.
    public static func decode(_ text: String) -> Data? {
        var output = Data()
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
