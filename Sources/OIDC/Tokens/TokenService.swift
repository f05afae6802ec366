import Crypto
import Foundation

/// Issues, exchanges, verifies, introspects and revokes tokens. Everything that needs the protocol's rules
/// lives here; the web layer only translates HTTP.
public struct TokenService: Sendable {
    public struct Stores: Sendable {
        public var codes: any AuthorizationCodeStore
        /// Also answers whether an access token made from a grant is revoked (`liveGrant`), so it must be the
        /// same database as `markers`, where revocations are written.
        public var grants: any GrantStore
        public var refreshTokens: any RefreshTokenStore
        public var markers: any TokenMarkerStore

        public init(
            codes: any AuthorizationCodeStore, grants: any GrantStore, refreshTokens: any RefreshTokenStore,
            markers: any TokenMarkerStore
        ) {
            self.codes = codes
            self.grants = grants
            self.refreshTokens = refreshTokens
            self.markers = markers
        }
    }

    public let policy: TokenPolicy
    public let keys: KeyManager
    let stores: Stores
    let claimsSource: any ClaimsSource
    let clock: Clock
    private let verified = VerifiedTokens()

    public init(policy: TokenPolicy, keys: KeyManager, stores: Stores, claimsSource: any ClaimsSource, clock: Clock) {
        self.policy = policy
        self.keys = keys
        self.stores = stores
        self.claimsSource = claimsSource
        self.clock = clock
    }

    // MARK: Authorization codes

    /// Creates a single-use code for a finished authorization; only its hash is stored.
    public func issueCode(for request: AuthorizationRequest, authentication: Authentication) async throws -> String {
        let code = Secrets.randomToken()
        try await stores.codes.saveCode(
            AuthorizationCode(
                codeHash: Secrets.hash(code), grantID: Secrets.randomToken(bytes: 16), clientID: request.clientID,
                redirectURI: request.redirectURI, scopes: request.scopes, nonce: request.nonce,
                codeChallenge: request.codeChallenge, authentication: authentication,
                expiresAt: clock.now() + policy.codeTTL))
        return code
    }

    // MARK: Token endpoint

    public func exchange(_ parameters: RequestParameters, client: Client) async throws -> TokenResponse {
        switch try parameters.required("grant_type") {
        case "authorization_code": return try await redeemCode(parameters, client: client)
        case "refresh_token": return try await refresh(parameters, client: client)
        case "client_credentials": return try await clientCredentials(parameters, client: client)
        default: throw OAuthError(.unsupportedGrantType, "The grant_type is not supported.")
        }
    }

    private func redeemCode(_ parameters: RequestParameters, client: Client) async throws -> TokenResponse {
        let code = try parameters.required("code")
        let sentRedirectURI = try parameters.single("redirect_uri")
        let verifier = try parameters.single("code_verifier")
        let now = clock.now()
        let stored: AuthorizationCode
        switch try await stores.codes.redeemCode(hash: Secrets.hash(code), now: now) {
        case .unknown:
            throw OAuthError.invalidGrant("The authorization code is invalid.")
        case .alreadyUsed(let used):
            // RFC 6749 §4.1.2: a replayed code revokes everything issued from it.
            try await stores.grants.revokeGrant(id: used.grantID, at: now)
            throw OAuthError.invalidGrant("The authorization code was already used.")
        case .redeemed(let code):
            stored = code
        }
        let grant = stored.grant(createdAt: now)
        do {
            try check(stored, client: client, sentRedirectURI: sentRedirectURI, verifier: verifier, now: now)
        } catch {
            // The code is spent either way; the grant its redemption created must not outlive a failed exchange.
            try await stores.grants.revokeGrant(id: grant.id, at: now)
            throw error
        }
        guard let response = try await respond(grant: grant, scopes: stored.scopes, client: client, refresh: .fresh, now: now)
        else { throw OAuthError.invalidGrant("The authorization code was already used.") }
        return response
    }

    /// The checks of RFC 6749 §4.1.3 and RFC 7636 §4.6 on a redeemed code.
    private func check(
        _ stored: AuthorizationCode, client: Client, sentRedirectURI: String?, verifier: String?, now: Int64
    ) throws(OAuthError) {
        guard stored.clientID == client.id else {
            throw OAuthError.invalidGrant("The authorization code was issued to another client.")
        }
        guard stored.expiresAt > now else {
            throw OAuthError.invalidGrant("The authorization code has expired.")
        }
        guard (sentRedirectURI ?? (client.redirectURIs.count == 1 ? client.redirectURIs[0] : nil)) == stored.redirectURI
        else {
            throw OAuthError.invalidGrant("The redirect_uri does not match the authorization request.")
        }
        switch (stored.codeChallenge, verifier) {
        case (let challenge?, let verifier?):
            guard PKCE.verify(verifier: verifier, challenge: challenge) else {
                throw OAuthError.invalidGrant("The code_verifier does not match the code_challenge.")
            }
        case (.some, nil):
            throw OAuthError.invalidGrant("The code_verifier is missing.")
        case (nil, .some):
            // RFC 9700 §2.1.1: a verifier without a challenge signals a downgrade attack.
            throw OAuthError.invalidGrant("No code_challenge was sent with the authorization request.")
        case (nil, nil):
            break
        }
    }

    private func refresh(_ parameters: RequestParameters, client: Client) async throws -> TokenResponse {
        let presented = try parameters.required("refresh_token")
        let requestedScope = try parameters.single("scope")
        let now = clock.now()
        let hash = Secrets.hash(presented)
        let invalid = OAuthError.invalidGrant("The refresh token is invalid.")
        guard let record = try await stores.refreshTokens.refreshToken(hash: hash) else { throw invalid }
        guard record.clientID == client.id else {
            throw OAuthError.invalidGrant("The refresh token was issued to another client.")
        }
        guard record.expiresAt > now else { throw OAuthError.invalidGrant("The refresh token has expired.") }
        guard let grant = try await stores.grants.grant(id: record.grantID), grant.revokedAt == nil else { throw invalid }

        var scopes = grant.scopes
        if let requestedScope {
            let narrowed = Scope.parse(requestedScope)
            guard Set(narrowed).isSubset(of: Set(grant.scopes)) else {
                throw OAuthError(.invalidScope, "The requested scope exceeds the original grant.")
            }
            scopes = narrowed
        }

        // The successor of a token is derived from it under a server key, so a client whose response was lost
        // can be given the very same successor again (RFC 9700 §4.14.2 allows a grace period for exactly this)
        // without the server ever storing a token in a usable form.
        let successor = successorToken(of: presented)
        if record.rotatedAt == nil,
            let response = try await respond(
                grant: grant, scopes: scopes, client: client, refresh: .rotating(parentHash: hash, successor: successor),
                now: now)
        {
            return response
        }
        // Already rotated (perhaps a moment ago, by a concurrent request with the same token).
        let rotatedAt = try await stores.refreshTokens.refreshToken(hash: hash)?.rotatedAt ?? now
        // A grace of 0 turns retries off: any second use is reuse.
        guard policy.refreshGraceSeconds > 0, now - rotatedAt <= policy.refreshGraceSeconds else {
            // Reuse of a rotated token outside the grace window is the mark of a stolen token: revoke the family.
            try await stores.grants.revokeGrant(id: grant.id, at: now)
            throw OAuthError.invalidGrant("The refresh token was already used; the grant has been revoked.")
        }
        // Inside the window a retry gets the same successor, as long as its holder has not moved on; it never
        // replaces the successor, so the legitimate holder cannot lose it to whoever else holds the old token.
        guard let next = try await stores.refreshTokens.refreshToken(hash: Secrets.hash(successor)), next.rotatedAt == nil,
            next.expiresAt > now,
            let response = try await respond(grant: grant, scopes: scopes, client: client, refresh: .repeating(successor), now: now)
        else { throw OAuthError.invalidGrant("The refresh token was already used.") }
        return response
    }

    /// The one successor a refresh token can have: an HMAC of it under the server's refresh key.
    func successorToken(of token: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(("refresh-successor:" + token).utf8), using: policy.refreshKey)
        return Data(code).base64URLEncoded()
    }

    /// The client's own choice, else the server's (`access_token_alg`).
    func accessTokenAlg(_ client: Client) -> SigningKey.Algorithm {
        client.accessTokenAlg.flatMap(SigningKey.Algorithm.init(rawValue:)) ?? policy.accessTokenAlg
    }

    /// What the client's ID tokens (and logout tokens) are signed with: its registered choice, RS256 by default.
    func idTokenAlg(_ client: Client) -> SigningKey.Algorithm {
        SigningKey.Algorithm(rawValue: client.idTokenAlg) ?? .rs256
    }

    private func clientCredentials(_ parameters: RequestParameters, client: Client) async throws -> TokenResponse {
        guard client.kind == .confidential else {
            throw OAuthError(.unauthorizedClient, "Public clients cannot use client_credentials.")
        }
        let userScopes: Set<String> = [Scope.openid, Scope.offlineAccess]
        let available = client.allowedScopes.filter { !userScopes.contains($0) }
        var scopes = available
        if let requested = try parameters.single("scope") {
            scopes = Scope.parse(requested).filter { available.contains($0) }
            guard !scopes.isEmpty else { throw OAuthError(.invalidScope, "None of the requested scopes is available.") }
        }
        let now = clock.now()
        let claims = accessClaims(subject: client.id, client: client, scopes: scopes, now: now)
        let accessToken = try await keys.sign(claims, alg: accessTokenAlg(client), type: "at+jwt")
        return TokenResponse(
            accessToken: accessToken, expiresIn: policy.accessTokenTTL, scope: scopes.joined(separator: " "))
    }

    /// How the refresh token of a response relates to earlier ones.
    private enum RefreshIssue {
        /// First tokens of a grant: a new random refresh token.
        case fresh
        /// Replaces the token with hash `parentHash` by `successor` (normal rotation).
        case rotating(parentHash: String, successor: String)
        /// Hands out an already stored successor again (a retry inside the grace window).
        case repeating(String)
    }

    /// Builds the response for a user grant: an access token, an ID token for `openid`, and a refresh token when
    /// the grant allows one. Returns nil when a rotation lost a race with a concurrent use of the same token.
    private func respond(grant: Grant, scopes: [String], client: Client, refresh: RefreshIssue, now: Int64)
        async throws -> TokenResponse?
    {
        let subject = grant.authentication.subject
        guard let userClaims = try await claimsSource.claims(for: subject, scopes: scopes, client: client) else {
            throw OAuthError.invalidGrant("The account can no longer sign in.")
        }
        var access = accessClaims(subject: subject, client: client, scopes: scopes, now: now)
        access.gid = grant.id
        access.authTime = grant.authentication.authTime
        access.sid = grant.authentication.sessionID
        // The two signatures are independent, so they are made in parallel: signing (RSA above all) dominates a
        // token response, and this shortens its latency when a core is free. (The ID token therefore carries no
        // at_hash, which OIDC Core §3.1.3.6 makes optional for the code flow.)
        async let signedAccessToken = keys.sign(access, alg: accessTokenAlg(client), type: "at+jwt")
        var idToken: String?
        if scopes.contains(Scope.openid) {
            idToken = try await signIDToken(grant: grant, client: client, userClaims: userClaims, now: now)
        }
        let accessToken = try await signedAccessToken

        var refreshToken: String?
        switch refresh {
        case .fresh:
            let wantsRefresh =
                scopes.contains(Scope.offlineAccess) || (client.kind == .confidential && policy.refreshForConfidentialClients)
            if wantsRefresh {
                let token = Secrets.randomToken()
                guard try await stores.refreshTokens.saveRefreshToken(record(token, grant: grant, client: client, parentHash: nil, now: now)) else { return nil }
                refreshToken = token
            }
        case .rotating(let parentHash, let successor):
            guard try await stores.refreshTokens.rotateRefreshToken(
                hash: parentHash, at: now, replacement: record(successor, grant: grant, client: client, parentHash: parentHash, now: now))
            else { return nil }
            refreshToken = successor
        case .repeating(let successor):
            refreshToken = successor
        }
        return TokenResponse(
            accessToken: accessToken, expiresIn: policy.accessTokenTTL, refreshToken: refreshToken, idToken: idToken,
            scope: scopes.joined(separator: " "))
    }

    private func record(_ token: String, grant: Grant, client: Client, parentHash: String?, now: Int64) -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: Secrets.hash(token), grantID: grant.id, clientID: client.id, parentHash: parentHash, issuedAt: now,
            expiresAt: now + policy.refreshTokenTTL)
    }

    /// RFC 9068 §2.2 claims shared by every access token. EduSSO is its own resource server, so `aud` is the
    /// issuer.
    private func accessClaims(subject: String, client: Client, scopes: [String], now: Int64) -> AccessTokenClaims {
        AccessTokenClaims(
            iss: policy.issuer, aud: policy.issuer, sub: subject, clientID: client.id,
            scope: scopes.joined(separator: " "), jti: Secrets.randomToken(bytes: 16), iat: now,
            exp: now + policy.accessTokenTTL)
    }

    /// An OpenID Connect Back-Channel Logout token for `client`: the subject and session it signed in, the
    /// logout event, no nonce; signed like the app's ID tokens (typ `logout+jwt`). It lives `lifetime` seconds, which
    /// covers the delivery retries.
    public func logoutToken(client: Client, subject: String, sessionID: String, lifetime: Int64) async throws -> String {
        let now = clock.now()
        var claims = ClaimSet()
        claims["iss"] = .string(policy.issuer)
        claims["aud"] = .string(client.id)
        claims["sub"] = .string(subject)
        claims["sid"] = .string(sessionID)
        claims["iat"] = .int(now)
        claims["exp"] = .int(now + lifetime)
        claims["jti"] = .string(Secrets.randomToken())
        claims["events"] = .object(["http://schemas.openid.net/event/backchannel-logout": .object([:])])
        return try await keys.sign(claims, alg: idTokenAlg(client), type: "logout+jwt")
    }

    private func signIDToken(
        grant: Grant, client: Client, userClaims: [String: JSONValue], now: Int64
    ) async throws -> String {
        var claims = ClaimSet(userClaims)
        let auth = grant.authentication
        claims["iss"] = .string(policy.issuer)
        claims["sub"] = .string(auth.subject)
        claims["aud"] = .string(client.id)
        claims["azp"] = .string(client.id)
        claims["iat"] = .int(now)
        claims["exp"] = .int(now + policy.idTokenTTL)
        claims["auth_time"] = .int(auth.authTime)
        claims["amr"] = .array(auth.amr.map(JSONValue.string))
        claims["acr"] = .string(auth.acr ?? "0")
        if let nonce = grant.nonce { claims["nonce"] = .string(nonce) }
        if let sid = auth.sessionID { claims["sid"] = .string(sid) }
        if let idp = auth.idp { claims["idp"] = .string(idp) }
        let alg = idTokenAlg(client)
        return try await keys.sign(claims, alg: alg)
    }

    // MARK: Verification, introspection, revocation

    /// A verified, unexpired, unrevoked access token.
    public func verifyAccessToken(_ token: String) async throws -> AccessTokenClaims {
        guard let claims = await verified.claims(of: token, keys: keys), claims.iss == policy.issuer,
            claims.aud == policy.issuer
        else { throw OAuthError.invalidToken("The access token is invalid.") }
        guard claims.exp > clock.now() else {
            throw OAuthError.invalidToken("The access token has expired.")
        }
        if let grantID = claims.gid {
            // The token's own revocation and its grant's, in one question.
            guard try await stores.grants.liveGrant(id: grantID, accessTokenJTI: claims.jti) != nil else {
                throw OAuthError.invalidToken("The access token has been revoked.")
            }
            // A disabled account's tokens stop working at once, wherever they are presented.
            guard try await claimsSource.mayUseTokens(subject: claims.sub) else {
                throw OAuthError.invalidToken("The account of this access token is disabled.")
            }
        } else {
            guard try await !stores.markers.isAccessTokenRevoked(jti: claims.jti) else {
                throw OAuthError.invalidToken("The access token has been revoked.")
            }
        }
        return claims
    }

    /// RFC 7662 §2.2. A token is described only to the client it was issued to, or to a client registered with
    /// the right to introspect every token (a resource server); to anyone else it is `active: false` (§4: the
    /// endpoint must not tell strangers about tokens).
    public func introspect(_ token: String, client: Client) async throws -> [String: JSONValue] {
        // The right to introspect other apps' tokens needs a client that really authenticated: a public client's
        // id is no secret.
        func mayDescribe(_ owner: String) -> Bool {
            owner == client.id || (client.introspectsAllTokens && client.kind == .confidential)
        }
        if let claims = try? await verifyAccessToken(token) {
            return mayDescribe(claims.clientID) ? claims.introspection : ["active": false]
        }
        let now = clock.now()
        if let record = try await stores.refreshTokens.refreshToken(hash: Secrets.hash(token)),
            mayDescribe(record.clientID), record.rotatedAt == nil, record.expiresAt > now,
            let grant = try await stores.grants.grant(id: record.grantID), grant.revokedAt == nil,
            try await claimsSource.mayUseTokens(subject: grant.authentication.subject)
        {
            return [
                "active": true, "token_type": "refresh_token", "client_id": .string(record.clientID),
                "sub": .string(grant.authentication.subject), "scope": .string(grant.scopes.joined(separator: " ")),
                "iat": .int(record.issuedAt), "exp": .int(record.expiresAt), "iss": .string(policy.issuer),
            ]
        }
        return ["active": false]
    }

    /// RFC 7009 §2.1. Revoking a refresh token revokes its grant (and so its access tokens). Unknown tokens and
    /// tokens of other clients are ignored, as the RFC asks.
    public func revoke(_ token: String, client: Client) async throws {
        let now = clock.now()
        if let record = try await stores.refreshTokens.refreshToken(hash: Secrets.hash(token)) {
            if record.clientID == client.id { try await stores.grants.revokeGrant(id: record.grantID, at: now) }
            return
        }
        if let claims = await keys.verify(token, as: AccessTokenClaims.self), claims.iss == policy.issuer,
            claims.clientID == client.id
        {
            try await stores.markers.revokeAccessToken(jti: claims.jti, expiresAt: claims.exp)
        }
    }

    /// Verifies an ID token this server issued (signature, issuer, audience), ignoring its expiry: that is how
    /// `id_token_hint` is read at the authorization and logout endpoints.
    public func verifyIDTokenHint(_ token: String, clientID: String?) async -> ClaimSet? {
        guard let claims = await keys.verify(token), claims.string("iss") == policy.issuer,
            claims.string("sub") != nil, claims.values["client_id"] == nil
        else { return nil }
        if let clientID, !claims.audiences.contains(clientID) { return nil }
        return claims
    }
}
