/// The scopes EduSSO understands: the standard OIDC ones plus those the MOE service publishes.
public enum Scope {
    public static let openid = "openid"
    public static let offlineAccess = "offline_access"

    /// Every scope the server accepts, in the order discovery lists them.
    public static let supported: [String] = [
        "openid", "profile", "email", "phone", "offline_access",
        "openid2", "eduinfo", "educloudroles", "guid", "personid", "relation",
    ]

    /// The private scope of federation between the MOE hub and the counties: a county releases the national ID
    /// under it. EduSSO asks its counties for it; it is not one of EduSSO's own scopes (the mock counties grant it).
    public static let exchangeData = "exchangedata"

    /// What a newly registered client may request unless the operator narrows or widens it. `personid` releases
    /// national IDs and `guid` links a student across apps, so each must be granted to a client explicitly.
    public static let defaultAllowed: [String] = [
        "openid", "profile", "email", "phone", "offline_access", "openid2", "eduinfo", "educloudroles",
    ]

    /// The claims each scope releases in the ID token and at userinfo.
    public static let claims: [String: [String]] = [
        "openid": ["sub"],
        "profile": ["name", "preferred_username", "locale", "updated_at"],
        "email": ["email", "email_verified"],
        "phone": ["phone_number", "phone_number_verified"],
        "eduinfo": ["schoolid", "titles", "classinfo"],
        "educloudroles": ["educloudroles"],
        "guid": ["guid"],
    ]

    public static var supportedClaims: [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        for scope in supported {
            for claim in claims[scope] ?? [] where seen.insert(claim).inserted {
                ordered.append(claim)
            }
        }
        return ["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid"] + ordered
    }

    /// Splits a space-delimited scope parameter, keeping first occurrences in order.
    public static func parse(_ value: String) -> [String] {
        let parts = value.split(separator: " ")
        // A real scope list is a handful of names, where a linear look-back is cheaper than hashing each into a
        // set (this runs on every userinfo answer); a long hostile list still costs linear time.
        guard parts.count > 16 else {
            var scopes: [String] = []
            for part in parts where !scopes.contains(where: { $0 == part }) { scopes.append(String(part)) }
            return scopes
        }
        var seen = Set<Substring>()
        return parts.filter { seen.insert($0).inserted }.map(String.init)
    }
}
