import Crypto
import CryptoExtras
import Foundation
import JWTKit
import Testing

@testable import OIDC

/// The OpenSSL RS256 signer, checked against two other implementations: JWTKit verifying with the published
/// public key only, and BoringSSL (swift-crypto), whose PKCS#1 v1.5 signature over the same input must be the very
/// same bytes, because that padding is deterministic. The interop suite also verifies these tokens with jwcrypto.
@Suite struct OpenSSLSignerTests {
    let key = try! SigningKey.generate(.rs256, now: 1_000)

    private func header() -> JWTHeader {
        var header = JWTHeader()
        header.alg = "RS256"
        header.typ = "JWT"
        header.kid = key.kid
        return header
    }

    @Test func itsTokensVerifyWithJWTKitFromThePublicKeyAlone() async throws {
        var claims = ClaimSet([:])
        claims["sub"] = "student"
        claims["name"] = "測試"
        let token = try OpenSSLRSASigner(pem: key.privateKeyPEM).compactJWS(claims, header: header())
        var jwk = try key.publicJWK()
        jwk["kid"] = key.kid
        jwk["alg"] = "RS256"
        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: String(decoding: try JSONEncoder().encode(["keys": [jwk]]), as: UTF8.self))
        let verified = try await verifier.verify(token, as: ClaimSet.self)
        #expect(verified.string("sub") == "student")
        #expect(verified.string("name") == "測試")
        // One changed payload character and the signature no longer holds.
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = String(parts[1].dropLast()) + (parts[1].last == "A" ? "B" : "A")
        await #expect(throws: (any Error).self) { try await verifier.verify(parts.joined(separator: "."), as: ClaimSet.self) }
    }

    @Test func itsSignaturesAreByteForByteBoringSSLs() throws {
        let signer = try OpenSSLRSASigner(pem: key.privateKeyPEM)
        let boring = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM)
        for length in [0, 1, 200, 4096] {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let openSSL = try signer.sign(input)
            let reference = try boring.signature(for: input, padding: .insecurePKCS1v1_5)
            #expect(openSSL == Array(reference.rawRepresentation))
            #expect(boring.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: openSSL), for: input, padding: .insecurePKCS1v1_5))
        }
    }

    @Test func aKeyThatIsNotRSAIsRefused() throws {
        #expect(throws: OpenSSLError.self) { try OpenSSLRSASigner(pem: P256.Signing.PrivateKey().pemRepresentation) }
        #expect(throws: OpenSSLError.self) { try OpenSSLRSASigner(pem: "not a key") }
    }

    /// Whichever signer signs — OpenSSL (RS256) or JWTKit (ES256, or RS256 for a key OpenSSL cannot read) — the
    /// payload is the claims as `JSONValue.jsonData` writes them (`ClaimsJSONEncoder`): sorted keys, `/` as is.
    @Test func everySignerSignsTheClaimsAsEduSSOWritesThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manager = try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600)
        var values: [String: JSONValue] = [:]
        for index in 0..<12 { values["claim\(index)"] = .string("https://sso.example.edu.tw/\(index)\u{2028}") }
        let claims = ClaimSet(values)
        let expected = try JSONValue.object(values).jsonData()
        // RS256 through JWTKit, as for a key OpenSSL cannot read.
        let rsa = try #require(manager.snapshot.keys.first { $0.alg == .rs256 })
        let jwtKitOnly = try await KeySnapshot.build(from: [rsa]).collection(0)
        let tokens = [
            try await manager.sign(claims, alg: .rs256), try await manager.sign(claims, alg: .es256),
            try await jwtKitOnly.sign(claims, kid: JWKIdentifier(string: rsa.kid)),
        ]
        for token in tokens {
            var base64 = token.split(separator: ".")[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            #expect(Data(base64Encoded: base64) == expected, "\(token.prefix(30))")
        }
    }

    @Test func theKeyManagerSignsRS256WithOpenSSL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let manager = try await KeyManager.open(store: FileKeyStore(directory: directory), retirementOverlap: 3600)
        var claims = ClaimSet([:])
        claims["sub"] = "s"
        let token = try await manager.sign(claims, alg: .rs256)
        let kid = try #require(KeyManager.kid(of: token))
        let key = try #require(manager.snapshot.keys.first { $0.kid == kid })
        #expect(manager.snapshot.rsaSigners[kid] != nil, "RS256 keys sign through OpenSSL")
        // The same input signed by BoringSSL gives the same signature: the token's signature is PKCS#1 v1.5 by this key.
        let input = Array(token.utf8[..<token.utf8.lastIndex(of: UInt8(ascii: "."))!])
        let expected = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM).signature(for: input, padding: .insecurePKCS1v1_5)
        #expect(token.hasSuffix("." + Data(expected.rawRepresentation).base64URLEncoded()))
        #expect(await manager.verify(token)?.string("sub") == "s")
    }
}
