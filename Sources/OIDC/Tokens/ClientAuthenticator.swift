import Foundation
import JWTKit

/// Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3, OIDC Core §9,
/// RFC 7523). Every failure is `invalid_client`, without saying which part was wrong.
public struct ClientAuthenticator: Sendable {
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    private let clients: any ClientStore
    private let markers: any TokenMarkerStore
    private let policy: TokenPolicy
    private let clock: Clock

    public init(clients: any ClientStore, markers: any TokenMarkerStore, policy: TokenPolicy, clock: Clock) {
        self.clients = clients
        self.markers = markers
        self.policy = policy
        self.clock = clock
    }

    /// `authorization` is the raw Authorization header, if any.
    public func authenticate(_ parameters: RequestParameters, authorization: String?) async throws -> Client {
        let basic = try authorization.flatMap(Self.parseBasic)
        let postedSecret = try parameters.single("client_secret")
        let assertion = try parameters.single("client_assertion")
        let methods = [basic != nil, postedSecret != nil, assertion != nil].filter { $0 }.count
        guard methods <= 1 else {
            throw OAuthError.invalidRequest("Use exactly one client authentication method.")
        }
        if let (id, secret) = basic {
            if let posted = try parameters.single("client_id"), posted != id {
                throw OAuthError.invalidRequest("client_id does not match the Authorization header.")
            }
            return try await checkSecret(clientID: id, secret: secret)
        }
        if let secret = postedSecret {
            return try await checkSecret(clientID: try parameters.required("client_id"), secret: secret)
        }
        if let assertion {
            guard try parameters.single("client_assertion_type") == Self.assertionType else {
                throw OAuthError.invalidRequest("client_assertion_type must be \(Self.assertionType).")
            }
            return try await checkAssertion(assertion, claimedID: try parameters.single("client_id"))
        }
        guard let id = try parameters.single("client_id") else {
            throw OAuthError.invalidClient("Client authentication is required.")
        }
        // Only a public client goes without authentication; a confidential one registered with `none` (which the
        // CLI refuses) is refused here too.
        guard let client = try await clients.client(id: id), client.authMethod == .none, client.kind == .public else {
            throw OAuthError.invalidClient("Client authentication failed.")
        }
        return client
    }

    private func checkSecret(clientID: String, secret: String) async throws -> Client {
        guard let client = try await clients.client(id: clientID),
            client.authMethod == .clientSecretBasic || client.authMethod == .clientSecretPost,
            let expected = client.secretHash,
            Secrets.constantTimeEquals(Secrets.hash(secret), expected)
        else {
            throw OAuthError.invalidClient("Client authentication failed.")
        }
        return client
    }

    /// RFC 7523 §3: iss = sub = client_id, aud names this server, exp in the future, jti never seen before.
    private func checkAssertion(_ assertion: String, claimedID: String?) async throws -> Client {
        let failure = OAuthError.invalidClient("The client assertion is not valid.")
        guard let unverified = try? DefaultJWTParser().parse([UInt8](assertion.utf8), as: ClaimSet.self).payload,
            let clientID = unverified.string("sub"), claimedID == nil || claimedID == clientID,
            let client = try await clients.client(id: clientID), client.authMethod == .privateKeyJWT,
            let jwks = client.jwks
        else { throw failure }
        let keys = JWTKeyCollection()
        guard (try? await keys.add(jwksJSON: jwks)) != nil,
            let claims = try? await keys.verify(assertion, as: ClaimSet.self, iteratingKeys: true)
        else { throw failure }
        let now = clock.now()
        let acceptedAudiences: Set<String> = [policy.issuer, policy.tokenEndpoint]
        guard claims.string("iss") == clientID, claims.string("sub") == clientID,
            !acceptedAudiences.isDisjoint(with: claims.audiences),
            let exp = claims.int("exp"), exp > now, exp <= now + 3600,
            let jti = claims.string("jti"), !jti.isEmpty, jti.utf8.count <= 256
        else { throw failure }
        guard try await markers.recordAssertion(jti: jti, clientID: clientID, expiresAt: exp) else {
            throw OAuthError.invalidClient("The client assertion was already used.")
        }
        return client
    }

    /// RFC 6749 §2.3.1: the id and secret are form-urlencoded before being joined with ':' and base64-encoded.
    static func parseBasic(_ header: String) throws -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return nil }
        guard let data = Data(base64Encoded: parts[1].trimmingSpaces()),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { throw OAuthError.invalidClient("The Authorization header is malformed.") }
        let id = formDecode(decoded[..<colon])
        let secret = formDecode(decoded[decoded.index(after: colon)...])
        return (id, secret)
    }

    private static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
