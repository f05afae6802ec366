/// An authorization request that passed every check of `AuthorizationRequestValidator`. It is stored with the
/// interaction while the user signs in and consents, so it is Codable.
public struct AuthorizationRequest: Sendable, Codable, Equatable {
    public enum ResponseMode: String, Sendable, Codable {
        case query
        case formPost = "form_post"
    }

    public enum Prompt: String, Sendable, Codable {
        case none, login, consent
        case selectAccount = "select_account"
    }

    public var clientID: String
    public var redirectURI: String
    public var responseMode: ResponseMode
    /// Granted scopes: the requested ones the server supports and the client may use, in request order.
    public var scopes: [String]
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var prompts: Set<Prompt>

    /// The app accepts only a two-factor sign-in: it asked for `acr_values` "2" and not for "1".
    public var requiresSecondFactor: Bool {
        acrValues.contains(DiscoveryDocument.ACR.twoFactor) && !acrValues.contains(DiscoveryDocument.ACR.password)
    }
    public var maxAge: Int64?
    public var loginHint: String?
    public var uiLocales: [String]
    /// The `sub` of a verified `id_token_hint`.
    public var idTokenHintSubject: String?
    public var acrValues: [String]

    public init(
        clientID: String, redirectURI: String, responseMode: ResponseMode = .query, scopes: [String],
        state: String? = nil, nonce: String? = nil, codeChallenge: String? = nil, prompts: Set<Prompt> = [],
        maxAge: Int64? = nil, loginHint: String? = nil, uiLocales: [String] = [], idTokenHintSubject: String? = nil,
        acrValues: [String] = []
    ) {
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.responseMode = responseMode
        self.scopes = scopes
        self.state = state
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.prompts = prompts
        self.maxAge = maxAge
        self.loginHint = loginHint
        self.uiLocales = uiLocales
        self.idTokenHintSubject = idTokenHintSubject
        self.acrValues = acrValues
    }

    public var isOpenID: Bool { scopes.contains(Scope.openid) }
}

/// Where an authorization error goes. Until the client and its redirect URI are trusted the error must be shown
/// to the user, never redirected (RFC 6749 §4.1.2.1), otherwise it goes back to the client.
public enum AuthorizationFailure: Error, Sendable {
    case showToUser(OAuthError)
    case redirect(OAuthError, Redirect)

    public struct Redirect: Sendable, Equatable {
        public var uri: String
        public var state: String?
        public var mode: AuthorizationRequest.ResponseMode

        public init(uri: String, state: String?, mode: AuthorizationRequest.ResponseMode) {
            self.uri = uri
            self.state = state
            self.mode = mode
        }
    }

    public var error: OAuthError {
        switch self {
        case .showToUser(let error), .redirect(let error, _): error
        }
    }
}
