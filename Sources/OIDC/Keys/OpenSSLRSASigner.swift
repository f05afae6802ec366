import COpenSSL
import ExtrasBase64
import Foundation
import JWTKit

/// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signatures made by the system OpenSSL. RSA signing is most of the
/// cost of a token response that carries an ID token, and libcrypto's RSA-2048 signs in well under BoringSSL's
/// time on this hardware (`edu-sso speed` measures both; docs/benchmarks.md has the figures). Verification stays
/// with JWTKit.
///
/// `@unchecked Sendable`: the key is read once and never changed, and OpenSSL allows one key to sign on many
/// threads at once; every signature uses its own digest context.
final class OpenSSLRSASigner: @unchecked Sendable {
    private let key: OpaquePointer

    init(pem: String) throws {
        ERR_clear_error()
        let key: OpaquePointer? = pem.withCString { text in
            guard let bio = BIO_new_mem_buf(text, -1) else { return nil }
            defer { BIO_free(bio) }
            // A passphrase callback that gives none: an encrypted key fails instead of prompting on a terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else { throw Self.failure("read the private key") }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw OpenSSLError(operation: "read the private key", reason: "not an RSA key")
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// The signature over `input`.
    func sign(_ input: [UInt8]) throws -> [UInt8] {
        ERR_clear_error()
        guard let context = EVP_MD_CTX_new() else { throw Self.failure("allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { throw Self.failure("start signing") }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, input, input.count) == 1 else { throw Self.failure("size the signature") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, input, input.count) == 1 else { throw Self.failure("sign") }
        return Array(signature.prefix(length))
    }

    /// A compact JWS of `claims` under `header`: the header and payload encoded as EduSSO's JWTKit collections
    /// encode them (`ClaimsJSONEncoder`), signed here.
    func compactJWS(_ claims: some JWTPayload, header: JWTHeader) throws -> String {
        let encoder = ClaimsJSONEncoder()
        var token = Self.base64URL(try encoder.encode(header))
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Self.base64URL(try encoder.encode(claims)))
        let signature = try sign(token)
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Self.base64URL(signature))
        return String(decoding: token, as: UTF8.self)
    }

    private static func base64URL(_ bytes: some Collection<UInt8>) -> [UInt8] {
        Base64.encodeToBytes(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
    }

    /// The error for a failed call, with OpenSSL's latest reason; the thread's error queue is emptied.
    private static func failure(_ operation: String) -> OpenSSLError {
        var buffer = [CChar](repeating: 0, count: 256)
        let code = ERR_peek_last_error()
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        let reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return OpenSSLError(operation: operation, reason: code == 0 ? "unknown" : reason)
    }
}

struct OpenSSLError: Error, CustomStringConvertible {
    let operation: String
    let reason: String
    var description: String { "OpenSSL could not \(operation): \(reason)" }
}
