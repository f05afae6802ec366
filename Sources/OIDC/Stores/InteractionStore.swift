/// A sign-in in progress: the authorize endpoint parks the validated request here and sends the browser to the
/// interaction pages (login, consent, later county login or 2FA), which finish it with an `Authentication`.
public struct Interaction: Sendable, Codable, Equatable {
    public var id: String
    public var request: AuthorizationRequest
    /// Hash of the browser cookie that started it: an interaction id alone is not enough to continue it.
    public var browserHash: String
    /// Set once the user has authenticated within this interaction.
    public var authentication: Authentication?
    public var createdAt: Int64
    public var expiresAt: Int64

    public init(
        id: String, request: AuthorizationRequest, browserHash: String, authentication: Authentication? = nil,
        createdAt: Int64, expiresAt: Int64
    ) {
        self.id = id
        self.request = request
        self.browserHash = browserHash
        self.authentication = authentication
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public protocol InteractionStore: Sendable {
    func saveInteraction(_ interaction: Interaction) async throws
    func interaction(id: String) async throws -> Interaction?
    func deleteInteraction(id: String) async throws
    /// Deletes and returns it: of two requests finishing one interaction at once, one gets it (one code).
    func takeInteraction(id: String) async throws -> Interaction?
}
