import Foundation
import JWTKit

/// What one signature costs with each signer EduSSO has, measured on fresh in-memory keys (never the ring's):
/// the figures behind `access_token_alg` and the OpenSSL RS256 signer, for `edu-sso speed` and the benchmarks.
public enum SigningSpeed {
    public struct Timing: Sendable {
        public let name: String
        /// Mean wall time of one signature on one core.
        public let microseconds: Double
    }

    /// Signs a typical access-token payload `count` times with each signer, one at a time.
    public static func measure(count: Int = 500) async throws -> [Timing] {
        let now = Int64(Date().timeIntervalSince1970)
        let rsa = try SigningKey.generate(.rs256, now: now)
        let ecdsa = try SigningKey.generate(.es256, now: now)
        let collection = JWTKeyCollection()
        try await rsa.register(in: collection)
        try await ecdsa.register(in: collection)
        let openSSL = try OpenSSLRSASigner(pem: rsa.privateKeyPEM)
        var values: [String: JSONValue] = [:]
        values["iss"] = .string("https://sso.example.edu.tw")
        values["sub"] = .string(String(repeating: "s", count: 43))
        values["aud"] = .string("app")
        values["exp"] = .int(now + 3600)
        values["iat"] = .int(now)
        let claims = ClaimSet(values)
        func header(_ alg: SigningKey.Algorithm, _ kid: String) -> JWTHeader {
            var header = JWTHeader()
            header.alg = alg.rawValue
            header.typ = "at+jwt"
            header.kid = kid
            return header
        }
        func time(_ name: String, _ sign: () async throws -> String) async throws -> Timing {
            _ = try await sign()  // warm-up
            let start = ContinuousClock.now
            for _ in 0..<count { _ = try await sign() }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Timing(name: name, microseconds: seconds * 1e6 / Double(count))
        }
        return [
            try await time("RS256 (OpenSSL: how EduSSO signs RS256)") { try openSSL.compactJWS(claims, header: header(.rs256, rsa.kid)) },
            try await time("RS256 (BoringSSL via JWTKit)") {
                try await collection.sign(claims, kid: JWKIdentifier(string: rsa.kid), header: header(.rs256, rsa.kid))
            },
            try await time("ES256 (BoringSSL via JWTKit: how EduSSO signs ES256)") {
                try await collection.sign(claims, kid: JWKIdentifier(string: ecdsa.kid), header: header(.es256, ecdsa.kid))
            },
        ]
    }
}
