import Foundation
import JWTKit

/// The JSON encoder every token is signed with, through JWTKit or OpenSSL: a `ClaimSet` (the payload of ID tokens
/// and logout tokens) is written directly (`JSONValue.jsonData`: compact, sorted keys, slashes unescaped);
/// anything else — an access token's fixed `AccessTokenClaims`, the JOSE header — as JWTKit's own encoder writes
/// it. JWTKit's encoder spent about an eighth of a refresh's CPU building containers for its payloads.
struct ClaimsJSONEncoder: JWTJSONEncoder {
    func encode<T: Encodable>(_ value: T) throws -> Data {
        if let claims = value as? ClaimSet { return try JSONValue.object(claims.values).jsonData() }
        return try Self.headerEncoder.encode(value)
    }

    /// JWTKit's own encoder, made once: `defaultForJWT` builds a new one on every use, and every token has a header.
    private static let headerEncoder = JSONEncoder.defaultForJWT

    /// What a key is registered with in a JWTKit collection (`SigningKey.register`): JWTKit gives each key the
    /// serializer it was added with, not the collection's.
    static let serializer = DefaultJWTSerializer(jsonEncoder: ClaimsJSONEncoder())
}
