import OIDC

/// The checks OIDC Core §3.1.3.7 asks of a relying party for an ID token whose signature has been verified:
/// issuer, audience, authorized party, lifetime (with a small leeway for clock skew) and nonce.
public enum IDTokenCheck {
    public static let leeway: Int64 = 60

    public static func validate(
        _ claims: ClaimSet, issuer: String, clientID: String, nonce: String, now: Int64
    ) throws(FederationError) {
        guard claims.string("iss") == issuer else { throw .invalidToken("iss is not the county's issuer") }
        let audiences = claims.audiences
        guard audiences.contains(clientID) else { throw .invalidToken("aud does not name EduSSO") }
        if let azp = claims.string("azp") {
            guard azp == clientID else { throw .invalidToken("azp is another client") }
        } else if audiences.count > 1 {
            throw .invalidToken("several audiences and no azp")
        }
        guard let expires = claims.int("exp"), expires + leeway > now else { throw .invalidToken("expired") }
        guard let issuedAt = claims.int("iat"), issuedAt - leeway <= now else { throw .invalidToken("issued in the future") }
        guard let sent = claims.string("nonce"), Secrets.constantTimeEquals(sent, nonce) else {
            throw .invalidToken("nonce does not match")
        }
        guard let subject = claims.string("sub"), !subject.isEmpty else { throw .invalidToken("no sub") }
    }
}
