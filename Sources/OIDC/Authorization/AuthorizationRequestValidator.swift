/// Checks an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) one rule at a time.
///
/// The pipeline has two stages. The first establishes a trusted redirect (known client, exactly registered
/// redirect URI); its failures are shown to the user. Every later check sends its error back to the client.
public struct AuthorizationRequestValidator: Sendable {
    public typealias ClientLookup = @Sendable (String) async throws -> Client?
    /// Verifies an `id_token_hint` issued by this server to `clientID` and returns its `sub`.
    public typealias HintVerifier = @Sendable (_ token: String, _ clientID: String) async -> String?

    private let findClient: ClientLookup
    private let verifyHint: HintVerifier

    public init(findClient: @escaping ClientLookup, verifyHint: @escaping HintVerifier) {
        self.findClient = findClient
        self.verifyHint = verifyHint
    }

    /// Values longer than this are refused: they are never legitimate and only cost storage.
    static let maxValueLength = 2048

    public func validate(_ parameters: RequestParameters) async throws(AuthorizationFailure) -> AuthorizationRequest {
        let (client, redirectURI) = try await trustedRedirect(parameters)
        let mode = try responseMode(parameters, redirectURI: redirectURI)
        let redirect = AuthorizationFailure.Redirect(
            uri: redirectURI, state: parameters.first("state"), mode: mode)
        do {
            try rejectRepeatedParameters(parameters)
            try rejectRequestObjects(parameters)
            try checkResponseType(parameters)
            try checkLengths(parameters)
            var request = AuthorizationRequest(
                clientID: client.id, redirectURI: redirectURI, responseMode: mode,
                scopes: try grantedScopes(parameters, client: client))
            request.state = try parameters.single("state")
            request.nonce = try parameters.single("nonce")
            request.codeChallenge = try codeChallenge(parameters, client: client)
            request.prompts = try prompts(parameters)
            request.maxAge = try maxAge(parameters)
            request.loginHint = try parameters.single("login_hint")
            request.uiLocales = try parameters.single("ui_locales").map(Scope.parse) ?? []
            request.acrValues = try acrValues(parameters)
            request.idTokenHintSubject = try await idTokenHint(parameters, clientID: client.id)
            return request
        } catch {
            throw .redirect(error, redirect)
        }
    }

    // MARK: Stage 1 — failures are shown to the user.

    private func trustedRedirect(_ parameters: RequestParameters) async throws(AuthorizationFailure) -> (Client, String) {
        let clientID: String
        let requestedURI: String?
        do {
            clientID = try parameters.required("client_id")
            requestedURI = try parameters.single("redirect_uri")
        } catch {
            throw .showToUser(error)
        }
        let found: Client?
        do {
            found = try await findClient(clientID)
        } catch {
            throw .showToUser(.init(.serverError, "The client registry is unavailable."))
        }
        guard let client = found else {
            throw .showToUser(.init(.invalidClient, "The client_id is not registered."))
        }
        // OIDC Core makes redirect_uri mandatory; plain OAuth may omit it when exactly one is registered.
        guard let redirectURI = requestedURI ?? (client.redirectURIs.count == 1 ? client.redirectURIs[0] : nil) else {
            throw .showToUser(.invalidRequest("The redirect_uri parameter is missing."))
        }
        guard client.isRegistered(redirectURI: redirectURI) else {
            throw .showToUser(.invalidRequest("The redirect_uri is not registered for this client."))
        }
        return (client, redirectURI)
    }

    private func responseMode(_ parameters: RequestParameters, redirectURI: String) throws(AuthorizationFailure)
        -> AuthorizationRequest.ResponseMode
    {
        let fallback = AuthorizationFailure.Redirect(uri: redirectURI, state: parameters.first("state"), mode: .query)
        let raw: String?
        do {
            raw = try parameters.single("response_mode")
        } catch {
            throw .redirect(error, fallback)
        }
        guard let raw else { return .query }
        guard let mode = AuthorizationRequest.ResponseMode(rawValue: raw) else {
            throw .redirect(.invalidRequest("The response_mode must be query or form_post."), fallback)
        }
        return mode
    }

    // MARK: Stage 2 — failures are redirected to the client.

    private func rejectRepeatedParameters(_ parameters: RequestParameters) throws(OAuthError) {
        if let name = parameters.repeatedNames.first {
            throw .invalidRequest("The \(name) parameter is repeated.")
        }
    }

    private func rejectRequestObjects(_ parameters: RequestParameters) throws(OAuthError) {
        if try parameters.single("request") != nil {
            throw .init(.requestNotSupported, "Request objects are not supported.")
        }
        if try parameters.single("request_uri") != nil {
            throw .init(.requestURINotSupported, "request_uri is not supported.")
        }
    }

    private func checkResponseType(_ parameters: RequestParameters) throws(OAuthError) {
        let responseType = try parameters.required("response_type")
        guard responseType == "code" else {
            throw .init(.unsupportedResponseType, "Only response_type=code is supported.")
        }
    }

    private func checkLengths(_ parameters: RequestParameters) throws(OAuthError) {
        if let long = parameters.pairs.first(where: { $0.value.utf8.count > Self.maxValueLength }) {
            throw .invalidRequest("The \(long.name) parameter is too long.")
        }
    }

    private func grantedScopes(_ parameters: RequestParameters, client: Client) throws(OAuthError) -> [String] {
        guard let raw = try parameters.single("scope") else {
            throw .init(.invalidScope, "The scope parameter is missing.")
        }
        // Unknown values (such as vendor extensions) and scopes the client was not granted are dropped, as RFC
        // 6749 §3.3 allows; the token response reports what was actually granted. A client's allowed scopes are
        // the provider's to set (`edu-sso client` admits only `Scope.supported`; the mock counties add
        // `exchangedata`).
        let granted = Scope.parse(raw).filter { client.allowedScopes.contains($0) }
        guard !granted.isEmpty else {
            throw .init(.invalidScope, "None of the requested scopes is available to this client.")
        }
        return granted
    }

    private func codeChallenge(_ parameters: RequestParameters, client: Client) throws(OAuthError) -> String? {
        let challenge = try parameters.single("code_challenge")
        let method = try parameters.single("code_challenge_method")
        guard let challenge else {
            if method != nil { throw .invalidRequest("code_challenge_method was sent without code_challenge.") }
            if client.mustUsePKCE { throw .invalidRequest("PKCE (code_challenge with S256) is required.") }
            return nil
        }
        guard method == "S256" else {
            throw .invalidRequest("code_challenge_method must be S256.")
        }
        guard challenge.utf8.count == 43, PKCE.isWellFormed(challenge) else {
            throw .invalidRequest("The code_challenge is not a base64url SHA-256 value.")
        }
        return challenge
    }

    /// `acr_values` (OIDC Core §3.1.2.1): honoured when EduSSO can sign the student in at one of the requested
    /// levels, refused with `unmet_authentication_requirements` when it cannot meet any.
    private func acrValues(_ parameters: RequestParameters) throws(OAuthError) -> [String] {
        let requested = try parameters.single("acr_values").map(Scope.parse) ?? []
        guard requested.isEmpty || requested.contains(where: DiscoveryDocument.ACR.supported.contains) else {
            throw OAuthError(
                .unmetAuthenticationRequirements,
                "None of the requested acr_values can be met; supported: \(DiscoveryDocument.ACR.supported.joined(separator: " ")).")
        }
        return requested
    }

    private func prompts(_ parameters: RequestParameters) throws(OAuthError) -> Set<AuthorizationRequest.Prompt> {
        guard let raw = try parameters.single("prompt") else { return [] }
        var prompts = Set<AuthorizationRequest.Prompt>()
        for value in Scope.parse(raw) {
            guard let prompt = AuthorizationRequest.Prompt(rawValue: value) else {
                throw .invalidRequest("The prompt value \(value) is not supported.")
            }
            prompts.insert(prompt)
        }
        if prompts.contains(.none) && prompts.count > 1 {
            throw .invalidRequest("prompt=none cannot be combined with other values.")
        }
        return prompts
    }

    private func maxAge(_ parameters: RequestParameters) throws(OAuthError) -> Int64? {
        guard let raw = try parameters.single("max_age") else { return nil }
        guard let value = Int64(raw), value >= 0 else {
            throw .invalidRequest("max_age must be a non-negative integer.")
        }
        return value
    }

    private func idTokenHint(_ parameters: RequestParameters, clientID: String) async throws(OAuthError) -> String? {
        guard let hint = try parameters.single("id_token_hint") else { return nil }
        guard let subject = await verifyHint(hint, clientID) else {
            throw .invalidRequest("The id_token_hint is not a valid ID token issued to this client.")
        }
        return subject
    }
}
