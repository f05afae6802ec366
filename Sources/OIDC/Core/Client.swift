/// A registered relying party.
public struct Client: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Can keep a secret (a server-side app).
        case confidential
        /// Cannot keep a secret (a mobile or single-page app): PKCE is mandatory and there is no secret.
        case `public`
    }

    /// How the `guid` claim is formed for this app.
    public enum GUIDFormat: String, Sendable, Codable, CaseIterable {
        /// HMAC-SHA-256 of the national ID under a server secret: stable across apps, not reversible without it.
        case keyed
        /// The MOE's published form, an unkeyed SHA-256 of the national ID. About 10⁹ IDs exist, so anyone can
        /// reverse it: only for apps also allowed `personid`.
        case moeSHA256 = "moe-sha256"
    }

    public enum AuthMethod: String, Sendable, Codable, CaseIterable {
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        case privateKeyJWT = "private_key_jwt"
        case none
    }

    public var id: String
    public var name: String
    /// Hex SHA-256 of the client secret; `nil` for public and `private_key_jwt` clients.
    public var secretHash: String?
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    public var allowedScopes: [String]
    public var kind: Kind
    public var authMethod: AuthMethod
    /// "RS256" (default, as OIDC requires) or "ES256".
    public var idTokenAlg: String
    /// "RS256" or "ES256" for this app's access tokens; nil: the server's `access_token_alg`.
    public var accessTokenAlg: String?
    public var requirePKCE: Bool
    /// First-party apps skip the consent page.
    public var skipConsent: Bool
    /// The client's public keys as a JWKS document, for `private_key_jwt`.
    public var jwks: String?
    /// Back-channel logout receiver, if the app registered one.
    public var backchannelLogoutURI: String?
    public var createdAt: Int64
    /// How the app appears in the 介接應用服務 portal; nil (or `listed` false) keeps it off the portal.
    public var listing: Listing?
    /// Stored optional so that registrations made before the setting existed still decode (as `.keyed`).
    private var guid: GUIDFormat?
    private var introspection: Bool?

    /// How this app's `guid` is formed.
    public var guidFormat: GUIDFormat {
        get { guid ?? .keyed }
        set { guid = newValue }
    }

    /// A resource server allowed to introspect tokens issued to other apps; others see only their own.
    public var introspectsAllTokens: Bool {
        get { introspection ?? false }
        set { introspection = newValue }
    }

    public init(
        id: String, name: String, secretHash: String?, redirectURIs: [String],
        postLogoutRedirectURIs: [String] = [], allowedScopes: [String] = Scope.defaultAllowed,
        kind: Kind = .confidential, authMethod: AuthMethod = .clientSecretBasic, idTokenAlg: String = "RS256",
        accessTokenAlg: String? = nil, requirePKCE: Bool = true, skipConsent: Bool = false, jwks: String? = nil,
        backchannelLogoutURI: String? = nil, createdAt: Int64, guidFormat: GUIDFormat = .keyed,
        introspectsAllTokens: Bool = false
    ) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.redirectURIs = redirectURIs
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.allowedScopes = allowedScopes
        self.kind = kind
        self.authMethod = authMethod
        self.idTokenAlg = idTokenAlg
        self.accessTokenAlg = accessTokenAlg
        self.requirePKCE = requirePKCE
        self.skipConsent = skipConsent
        self.jwks = jwks
        self.backchannelLogoutURI = backchannelLogoutURI
        self.createdAt = createdAt
        self.guid = guidFormat
        self.introspection = introspectsAllTokens
    }

    /// An app's entry in the 介接應用服務 portal that students see after signing in.
    public struct Listing: Sendable, Codable, Equatable {
        public var listed: Bool
        /// One line about what the app is for.
        public var description: String
        /// A heading the portal groups apps under (e.g. 學習資源, 校務行政).
        public var category: String
        /// Where the student goes to use the app (https).
        public var url: String
        /// Whether a logo is stored (`ClientLogoStore`); EduSSO serves it itself, so the portal makes no
        /// third-party image requests.
        public var hasLogo: Bool

        public init(listed: Bool, description: String, category: String, url: String, hasLogo: Bool = false) {
            self.listed = listed
            self.description = description
            self.category = category
            self.url = url
            self.hasLogo = hasLogo
        }

        enum CodingKeys: String, CodingKey {
            case listed, description, category, url, hasLogo
        }

        /// A listing stored before logos had their own table decodes as one without a logo.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            listed = try container.decode(Bool.self, forKey: .listed)
            description = try container.decode(String.self, forKey: .description)
            category = try container.decode(String.self, forKey: .category)
            url = try container.decode(String.self, forKey: .url)
            hasLogo = try container.decodeIfPresent(Bool.self, forKey: .hasLogo) ?? false
        }
    }

    /// PKCE is mandatory for public clients and for clients registered with require-PKCE; legacy confidential
    /// MOE-era apps that send no challenge stay supported when registered without it.
    public var mustUsePKCE: Bool { kind == .public || requirePKCE }

    /// Exact string comparison, as RFC 9700 §4.1.3 requires: no prefix, wildcard or normalisation.
    public func isRegistered(redirectURI: String) -> Bool {
        redirectURIs.contains(redirectURI)
    }
}
