import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// One signing key pair and its life cycle: a new key is published (in the JWKS) before it signs, from
/// `activatesAt` it signs, and once a newer key has taken over it only verifies until `retiresAt`, so tokens it
/// signed keep verifying while relying parties refresh their caches.
public struct SigningKey: Sendable, Codable, Equatable {
    public enum Algorithm: String, Sendable, Codable, CaseIterable {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    public var kid: String
    public var alg: Algorithm
    public var createdAt: Int64
    /// When the key starts signing; before that it is only published. `nil`: from its creation.
    public var activatesAt: Int64?
    /// When the key leaves the JWKS; `nil` while no newer key has been made for its algorithm.
    public var retiresAt: Int64?
    public var privateKeyPEM: String

    public init(
        kid: String, alg: Algorithm, createdAt: Int64, activatesAt: Int64? = nil, retiresAt: Int64? = nil,
        privateKeyPEM: String
    ) {
        self.kid = kid
        self.alg = alg
        self.createdAt = createdAt
        self.activatesAt = activatesAt
        self.retiresAt = retiresAt
        self.privateKeyPEM = privateKeyPEM
    }

    /// The moment the key may sign.
    public var activation: Int64 { activatesAt ?? createdAt }

    /// Whether the key is published at `now`.
    public func isPublished(at now: Int64) -> Bool { (retiresAt ?? .max) > now }

    /// Generates a fresh key; its kid is the RFC 7638 thumbprint of the public key.
    public static func generate(_ alg: Algorithm, now: Int64, activatesAt: Int64? = nil) throws -> SigningKey {
        let pem: String
        switch alg {
        case .rs256:
            pem = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        case .es256:
            pem = P256.Signing.PrivateKey().pemRepresentation
        }
        let draft = SigningKey(kid: "", alg: alg, createdAt: now, privateKeyPEM: pem)
        let jwk = try draft.publicJWK()
        return SigningKey(
            kid: try JWKThumbprint.compute(jwk), alg: alg, createdAt: now, activatesAt: activatesAt, privateKeyPEM: pem)
    }

    /// The public half as a JWK, without `kid`/`use`/`alg` (those are added when publishing).
    public func publicJWK() throws -> [String: String] {
        switch alg {
        case .rs256:
            let key = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
            let primitives = try key.publicKey.getKeyPrimitives()
            return [
                "kty": "RSA",
                "n": primitives.modulus.base64URLEncoded(),
                "e": primitives.publicExponent.base64URLEncoded(),
            ]
        case .es256:
            let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
            let raw = key.publicKey.x963Representation  // 0x04 || x || y
            return [
                "kty": "EC", "crv": "P-256",
                "x": Data(raw[1...32]).base64URLEncoded(),
                "y": Data(raw[33...64]).base64URLEncoded(),
            ]
        }
    }

    /// Adds this key to a JWTKit collection under its kid, to sign with `ClaimsJSONEncoder`.
    func register(in collection: JWTKeyCollection) async throws {
        switch alg {
        case .rs256:
            await collection.add(
                rsa: try Insecure.RSA.PrivateKey(pem: privateKeyPEM), digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: kid), serializer: ClaimsJSONEncoder.serializer)
        case .es256:
            await collection.add(
                ecdsa: try ES256PrivateKey(pem: privateKeyPEM), kid: JWKIdentifier(string: kid),
                serializer: ClaimsJSONEncoder.serializer)
        }
    }
}

/// RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order, without whitespace.
public enum JWKThumbprint {
    public static func compute(_ jwk: [String: String]) throws -> String {
        let required: [String]
        switch jwk["kty"] {
        case "RSA": required = ["e", "kty", "n"]
        case "EC": required = ["crv", "kty", "x", "y"]
        case "OKP": required = ["crv", "kty", "x"]
        default: throw JWKThumbprintError.unsupportedKeyType
        }
        var members: [String] = []
        for name in required {
            guard let value = jwk[name] else { throw JWKThumbprintError.missingMember(name) }
            // Base64url values and key-type names contain no characters that JSON would escape.
            members.append("\"\(name)\":\"\(value)\"")
        }
        let canonical = "{" + members.joined(separator: ",") + "}"
        return Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncoded()
    }
}

public enum JWKThumbprintError: Error {
    case unsupportedKeyType
    case missingMember(String)
}
