import Identity
import OIDC
import SQLKit

/// Short-lived flow state — sign-in interactions and account applications — is stored the same way: a JSON
/// document per id in a table of (id, data, expires_at), purged once expired.
extension SQLStore {
    enum DocumentTable: String {
        case interactions, registrations, recoveries
        case signInChallenges = "sign_in_challenges"
        case federationStates = "federation_states"
    }

    func saveDocument(_ value: some Encodable, id: String, expiresAt: Int64, in table: DocumentTable) async throws {
        let data = try jsonText(value)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO \(ident: table.rawValue) (id, data, expires_at) VALUES (\(bind: id), \(bind: data), \(bind: expiresAt))
                ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
                """
            ).run()
        }
    }

    func document<T: Decodable & Sendable>(id: String, in table: DocumentTable, as type: T.Type) async throws -> T? {
        try await read { db in
            try await db.raw("SELECT data FROM \(ident: table.rawValue) WHERE id = \(bind: id)").first()?.json("data", as: T.self)
        }
    }

    /// Deletes and returns the document: of concurrent callers, exactly one gets it.
    func takeDocument<T: Decodable & Sendable>(id: String, in table: DocumentTable, as type: T.Type) async throws -> T? {
        try await write { db in
            try await db.raw("DELETE FROM \(ident: table.rawValue) WHERE id = \(bind: id) RETURNING data").first()?
                .json("data", as: T.self)
        }
    }

    func deleteDocument(id: String, in table: DocumentTable) async throws {
        try await write { db in
            try await db.raw("DELETE FROM \(ident: table.rawValue) WHERE id = \(bind: id)").run()
        }
    }
}

extension SQLStore: InteractionStore {
    public func saveInteraction(_ interaction: Interaction) async throws {
        try await saveDocument(interaction, id: interaction.id, expiresAt: interaction.expiresAt, in: .interactions)
    }

    public func interaction(id: String) async throws -> Interaction? {
        try await document(id: id, in: .interactions, as: Interaction.self)
    }

    public func deleteInteraction(id: String) async throws {
        try await deleteDocument(id: id, in: .interactions)
    }

    public func takeInteraction(id: String) async throws -> Interaction? {
        try await takeDocument(id: id, in: .interactions, as: Interaction.self)
    }
}

extension SQLStore: RegistrationStore {
    public func saveRegistration(_ registration: Registration) async throws {
        try await saveDocument(registration, id: registration.id, expiresAt: registration.expiresAt, in: .registrations)
    }

    public func registration(id: String) async throws -> Registration? {
        try await document(id: id, in: .registrations, as: Registration.self)
    }

    public func deleteRegistration(id: String) async throws {
        try await deleteDocument(id: id, in: .registrations)
    }
}

extension SQLStore: RecoveryStore {
    public func saveRecovery(_ recovery: Recovery) async throws {
        try await saveDocument(recovery, id: recovery.id, expiresAt: recovery.expiresAt, in: .recoveries)
    }

    public func recovery(id: String) async throws -> Recovery? {
        try await document(id: id, in: .recoveries, as: Recovery.self)
    }

    public func takeRecovery(id: String) async throws -> Recovery? {
        try await takeDocument(id: id, in: .recoveries, as: Recovery.self)
    }
}

extension SQLStore: SignInChallengeStore {
    public func saveChallenge(_ challenge: SignInChallenge) async throws {
        try await saveDocument(challenge, id: challenge.id, expiresAt: challenge.expiresAt, in: .signInChallenges)
    }

    public func challenge(id: String) async throws -> SignInChallenge? {
        try await document(id: id, in: .signInChallenges, as: SignInChallenge.self)
    }

    public func takeChallenge(id: String) async throws -> SignInChallenge? {
        try await takeDocument(id: id, in: .signInChallenges, as: SignInChallenge.self)
    }
}

extension SQLStore: FederationStateStore {
    public func saveFederationState(_ state: FederationState) async throws {
        try await saveDocument(state, id: state.id, expiresAt: state.expiresAt, in: .federationStates)
    }

    public func takeFederationState(id: String) async throws -> FederationState? {
        try await takeDocument(id: id, in: .federationStates, as: FederationState.self)
    }
}
