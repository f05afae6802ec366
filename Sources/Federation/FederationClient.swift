import AsyncHTTPClient
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import OIDC

/// The relying-party side of county federation: discovery and JWKS (cached, with expiry, and re-read once when
/// a token names a key the cache does not have), the authorization URL, the code exchange, and ID-token
/// verification. Every outbound call has a timeout, so a county that is down or slow gives a clear answer
/// within seconds.
public actor FederationClient {
    public struct Timing: Sendable {
        /// Per call (connect, send and read together).
        public var timeout: TimeAmount = .seconds(5)
        /// How long discovery and JWKS stay cached.
        public var cacheSeconds: Int64 = 3600
        /// At most one JWKS refresh for an unknown `kid` per provider in this many seconds.
        public var unknownKeyRefreshSeconds: Int64 = 5
        /// Production: every endpoint a county's discovery names must be https.
        public var requireHTTPS = true
        public init() {}
    }

    /// The parts of a provider's discovery document EduSSO uses.
    public struct Metadata: Sendable, Decodable, Equatable {
        public var issuer: String
        public var authorizationEndpoint: String
        public var tokenEndpoint: String
        public var jwksURI: String
        public var userinfoEndpoint: String?
        public var endSessionEndpoint: String?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case userinfoEndpoint = "userinfo_endpoint"
            case endSessionEndpoint = "end_session_endpoint"
        }
    }

    private struct Cached<Value: Sendable>: Sendable {
        var value: Value
        var expiresAt: Int64
    }

    private let http: HTTPClient
    private let timing: Timing
    private let clock: Clock
    private var metadata: [String: Cached<Metadata>] = [:]
    private var keys: [String: Cached<(collection: JWTKeyCollection, kids: Set<String>)>] = [:]
    private var lastKeyRefresh: [String: Int64] = [:]

    /// One client for all county traffic, kept for the life of the process: redirects are not followed (a token
    /// request re-posted to another origin would carry the code and verifier), and connections and reads have
    /// timeouts of their own under the per-call deadline.
    public static let sharedHTTP = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(30))))

    public init(http: HTTPClient = FederationClient.sharedHTTP, timing: Timing = Timing(), clock: Clock) {
        self.http = http
        self.timing = timing
        self.clock = clock
    }

    // MARK: Discovery and keys

    public func metadata(for provider: CountyProvider) async throws(FederationError) -> Metadata {
        let now = clock.now()
        if let cached = metadata[provider.code], cached.expiresAt > now { return cached.value }
        let url = provider.issuer.trimmingSuffix("/") + "/.well-known/openid-configuration"
        let document: Metadata = try await getJSON(url, as: Metadata.self)
        // OIDC Discovery §4.3: the document must name the issuer it was fetched for.
        guard document.issuer == provider.issuer else {
            throw .unavailable("discovery names another issuer")
        }
        if timing.requireHTTPS {
            let named = [document.authorizationEndpoint, document.tokenEndpoint, document.jwksURI]
                + [document.userinfoEndpoint, document.endSessionEndpoint].compactMap { $0 }
            for endpoint in named where !endpoint.lowercased().hasPrefix("https://") {
                throw .unavailable("discovery names a plain-http endpoint")
            }
        }
        metadata[provider.code] = Cached(value: document, expiresAt: now + timing.cacheSeconds)
        return document
    }

    private func keyCollection(for provider: CountyProvider, refresh: Bool) async throws(FederationError)
        -> (collection: JWTKeyCollection, kids: Set<String>)
    {
        let now = clock.now()
        if !refresh, let cached = keys[provider.code], cached.expiresAt > now { return cached.value }
        let jwksURI = try await metadata(for: provider).jwksURI
        let data = try await get(jwksURI)
        let collection = JWTKeyCollection()
        var kids = Set<String>()
        guard case .object(let document)? = try? JSON.decode(JSONValue.self, from: data), case .array(let entries)? = document["keys"]
        else { throw .unavailable("the JWKS could not be read") }
        // Key by key: one key EduSSO cannot read or use (another key type, an encryption key, no kid) must not
        // make the county's other keys unusable.
        for entry in entries {
            guard let encoded = try? JSON.encode(entry), let key = try? JSONDecoder().decode(JWK.self, from: encoded),
                let kid = key.keyIdentifier?.string, (try? await collection.add(jwk: key)) != nil
            else { continue }
            kids.insert(kid)
        }
        guard !kids.isEmpty else { throw .unavailable("the JWKS has no usable signing key") }
        keys[provider.code] = Cached(value: (collection, kids), expiresAt: now + timing.cacheSeconds)
        lastKeyRefresh[provider.code] = now
        return (collection, kids)
    }

    // MARK: The sign-in

    /// Where to send the browser: code flow with PKCE (S256), state and nonce.
    public func authorizationURL(
        for provider: CountyProvider, redirectURI: String, state: String, nonce: String, codeVerifier: String
    ) async throws(FederationError) -> String {
        let endpoint = try await metadata(for: provider).authorizationEndpoint
        return URLEncoding.append(
            [
                ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI),
                ("scope", provider.scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
                ("code_challenge", PKCE.challenge(for: codeVerifier)), ("code_challenge_method", "S256"),
            ], to: endpoint)
    }

    /// Exchanges the code and returns the verified ID token's claims, with userinfo's claims added when the ID
    /// token lacks the national ID (OIDC Core §5.4 lets a provider release scope claims at userinfo only; `sub`
    /// must match, §5.3.2). All the calls this takes (discovery, token, JWKS, a key refresh, userinfo) share one
    /// deadline, `timing.timeout`, so the student waits that long at most.
    public func finish(
        _ provider: CountyProvider, code: String, redirectURI: String, codeVerifier: String, nonce: String
    ) async throws(FederationError) -> ClaimSet {
        let deadline = ContinuousClock.now + .nanoseconds(timing.timeout.nanoseconds)
        do {
            return try await Self.$deadline.withValue(deadline) {
                try await exchange(provider, code: code, redirectURI: redirectURI, codeVerifier: codeVerifier, nonce: nonce)
            }
        } catch let error as FederationError {
            throw error
        } catch {
            throw .unavailable("\(type(of: error))")
        }
    }

    /// The deadline the current sign-in's calls share; outside `finish`, each call has `timing.timeout` alone.
    @TaskLocal static var deadline: ContinuousClock.Instant?

    private func exchange(
        _ provider: CountyProvider, code: String, redirectURI: String, codeVerifier: String, nonce: String
    ) async throws(FederationError) -> ClaimSet {
        let metadata = try await metadata(for: provider)
        var request = HTTPClientRequest(url: metadata.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Data("\(Self.formEncode(provider.clientID)):\(Self.formEncode(provider.clientSecret))".utf8)
        request.headers.add(name: "Authorization", value: "Basic \(credentials.base64EncodedString())")
        request.body = .bytes(
            ByteBuffer(
                string: URLEncoding.query([
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                    ("code_verifier", codeVerifier),
                ])))
        let body = try await send(request)
        guard case .object(let fields)? = try? JSON.decode(JSONValue.self, from: body) else {
            throw .unavailable("the token response is not JSON")
        }
        if case .string(let error)? = fields["error"] { throw .denied(String(error.prefix(64))) }
        guard case .string(let idToken)? = fields["id_token"] else { throw .unavailable("the token response has no id_token") }
        var claims = try await verify(idToken, provider: provider)
        try IDTokenCheck.validate(claims, issuer: metadata.issuer, clientID: provider.clientID, nonce: nonce, now: clock.now())
        if claims.string("personid") == nil, let endpoint = metadata.userinfoEndpoint,
            case .string(let accessToken)? = fields["access_token"]
        {
            claims = try await addUserinfo(to: claims, endpoint: endpoint, accessToken: accessToken)
        }
        return claims
    }

    /// Userinfo's claims under the verified ID token's: the ID token's own claims are never replaced, and an
    /// answer about another `sub` is refused.
    private func addUserinfo(to claims: ClaimSet, endpoint: String, accessToken: String) async throws(FederationError)
        -> ClaimSet
    {
        var request = HTTPClientRequest(url: endpoint)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        let body = try await send(request)
        guard case .object(let fields)? = try? JSON.decode(JSONValue.self, from: body), fields["error"] == nil else {
            throw .unavailable("the userinfo answer is not usable")
        }
        guard case .string(let sub)? = fields["sub"], sub == claims.string("sub") else {
            throw .invalidToken("userinfo is about another subject")
        }
        var merged = claims
        for (name, value) in fields where merged[name] == nil { merged[name] = value }
        return merged
    }

    /// Verifies the signature against the county's JWKS; a `kid` the cached set lacks (the county rotated its
    /// keys) re-reads the JWKS once.
    func verify(_ token: String, provider: CountyProvider) async throws(FederationError) -> ClaimSet {
        let cached = try await keyCollection(for: provider, refresh: false)
        if let claims = try? await cached.collection.verify(token, as: ClaimSet.self) { return claims }
        // Only a key the cached set does not know (or a token naming no key) is a reason to fetch the set again
        // (a bad signature under a known key is not), and at most every few seconds.
        let kid = Self.kid(of: token)
        if let kid, cached.kids.contains(kid) { throw .invalidToken("signature not valid") }
        // Another request may have fetched the new set meanwhile.
        if let kid, let current = keys[provider.code]?.value, current.kids.contains(kid),
            let claims = try? await current.collection.verify(token, as: ClaimSet.self)
        {
            return claims
        }
        guard clock.now() - (lastKeyRefresh[provider.code] ?? 0) >= timing.unknownKeyRefreshSeconds else {
            throw .invalidToken("signature not valid")
        }
        let fresh = try await keyCollection(for: provider, refresh: true)
        guard let claims = try? await fresh.collection.verify(token, as: ClaimSet.self) else {
            throw .invalidToken("signature not valid")
        }
        return claims
    }

    /// The `kid` of a compact JWS header, without verifying anything.
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first, header.utf8.count <= 1024 else { return nil }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            case .object(let fields)? = try? JSON.decode(JSONValue.self, from: data), case .string(let kid)? = fields["kid"]
        else { return nil }
        return kid
    }

    // MARK: HTTP

    private func get(_ url: String) async throws(FederationError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await send(request)
    }

    private func getJSON<T: Decodable>(_ url: String, as type: T.Type) async throws(FederationError) -> T {
        let data = try await get(url)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw .unavailable("\(url) did not answer with the expected JSON")
        }
    }

    /// One request, headers and body within one deadline (`timing.timeout`, or what is left of the sign-in's):
    /// a county that answers slowly or trickles its body is given up on all the same.
    private func send(_ request: HTTPClientRequest) async throws(FederationError) -> Data {
        let http = self.http
        var allowed = timing.timeout
        if let deadline = Self.deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .unavailable("no answer within the deadline") }
            let leftNanoseconds = left.components.seconds * 1_000_000_000 + left.components.attoseconds / 1_000_000_000
            allowed = .nanoseconds(min(allowed.nanoseconds, leftNanoseconds))
        }
        let timeout = allowed
        do {
            return try await withThrowingTaskGroup(of: Data.self) { group in
                group.addTask {
                    let response = try await http.execute(request, timeout: timeout)
                    // Token errors come back as 400/401 with a JSON body; anything else that is not 2xx is unusable.
                    guard (200..<300).contains(response.status.code) || response.status == .badRequest
                        || response.status == .unauthorized
                    else { throw FederationError.unavailable("HTTP \(response.status.code)") }
                    return Data(buffer: try await response.body.collect(upTo: 1 << 20))
                }
                group.addTask {
                    try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                    throw FederationError.unavailable("no answer within the deadline")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw FederationError.unavailable("no answer") }
                return first
            }
        } catch let error as FederationError {
            throw error
        } catch {
            throw .unavailable("\(type(of: error))")
        }
    }

    /// RFC 6749 §2.3.1: client_secret_basic encodes id and secret with form encoding first.
    static func formEncode(_ value: String) -> String {
        URLEncoding.component(value)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
