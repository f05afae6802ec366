import Crypto
import Foundation
import Hummingbird
import Identity
import Logging
import Mustache
import OIDC
import Storage
import Web

/// One mock county OpenID provider: the OIDC core (request validation, PKCE, codes, tokens, keys, discovery)
/// over the county's own database and signing keys, with the county's student login screens in front.
public final class CountyServer: Sendable {
    public let county: CountiesConfig.County
    public let issuer: String
    public let store: SQLStore
    public let keys: KeyManager
    let tokens: TokenService
    let clients: ClientAuthenticator
    let validator: AuthorizationRequestValidator
    let hasher: PasswordHasher
    let directory: SchoolDirectory
    let pending = PendingLogins()
    let faults = Faults()
    let pages: CountyPages
    let logger: Logger

    /// Opens (creating on first run) the county's database and keys under `<data_dir>/<code>/`, and registers
    /// EduSSO as its client.
    public static func open(_ config: CountiesConfig, county: CountiesConfig.County, logger: Logger) async throws -> CountyServer {
        let folder = URL(fileURLWithPath: config.dataDir).appendingPathComponent(county.code)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let store = try SQLStore.open(url: "sqlite:" + folder.appendingPathComponent("county.sqlite").path, logger: logger)
        do {
            try await store.migrate()
            let issuer = config.issuer(of: county)
            // Keys sign at once (no pre-activation: nobody caches a mock's JWKS for long), old ones stay published a day.
            let keys = try await KeyManager.open(
                store: FileKeyStore(directory: folder.appendingPathComponent("keys")), preactivation: 0, retirementOverlap: 86400)
            try await store.saveClient(
                Client(
                    id: config.clientID, name: "EduSSO", secretHash: Secrets.hash(county.clientSecret),
                    redirectURIs: config.redirectURIs, postLogoutRedirectURIs: config.postLogoutRedirectURIs,
                    allowedScopes: ["openid", "profile", "eduinfo", Scope.exchangeData], requirePKCE: true, skipConsent: true,
                    createdAt: Clock.system.now()))
            return try await CountyServer(county: county, issuer: issuer, store: store, keys: keys, logger: logger)
        } catch {
            try? await store.shutdown()
            throw error
        }
    }

    init(county: CountiesConfig.County, issuer: String, store: SQLStore, keys: KeyManager, logger: Logger) async throws {
        self.county = county
        self.issuer = issuer
        self.store = store
        self.keys = keys
        self.logger = logger
        var policy = TokenPolicy(issuer: issuer)
        policy.refreshForConfidentialClients = false
        self.tokens = TokenService(
            policy: policy, keys: keys, stores: .init(codes: store, grants: store, refreshTokens: store, markers: store),
            claimsSource: CountyClaims(accounts: store), clock: .system)
        self.clients = ClientAuthenticator(clients: store, markers: store, policy: policy, clock: .system)
        let tokens = self.tokens
        self.validator = AuthorizationRequestValidator(
            findClient: { try await store.client(id: $0) },
            verifyHint: { token, clientID in await tokens.verifyIDTokenHint(token, clientID: clientID)?.string("sub") })
        self.hasher = PasswordHasher(parameters: .init(memoryKiB: 8 * 1024, iterations: 1, parallelism: 1))
        self.directory = try SchoolDirectory.bundled()
        self.pages = try await CountyPages()
    }

    /// The county's HTTP application on its own port.
    public func application(host: String) -> Application<RouterResponder<BasicRequestContext>> {
        let router = Router()
        router.add(middleware: FaultMiddleware(faults: faults))
        CountyRoutes(server: self).add(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: county.port), serverName: nil),
            logger: logger)
    }
}

/// Authorization requests waiting for their student to sign in (ten minutes), kept in memory: a restart of the
/// mock only makes the student start again.
actor PendingLogins {
    struct Login {
        var request: AuthorizationRequest
        var expiresAt: Int64
    }

    private var logins: [String: Login] = [:]

    func park(_ request: AuthorizationRequest) -> String {
        let now = Clock.system.now()
        logins = logins.filter { $0.value.expiresAt > now }
        let id = Secrets.randomToken()
        logins[id] = Login(request: request, expiresAt: now + 600)
        return id
    }

    func request(_ id: String) -> AuthorizationRequest? {
        guard let login = logins[id], login.expiresAt > Clock.system.now() else { return nil }
        return login.request
    }

    func take(_ id: String) -> AuthorizationRequest? {
        defer { logins[id] = nil }
        return request(id)
    }
}

/// What the county releases: the MOE claim shapes for `profile` and `eduinfo` (reused from EduSSO's own), and
/// under the private `exchangedata` scope the national ID EduSSO links accounts by.
struct CountyClaims: ClaimsSource {
    let accounts: any AccountStore

    func claims(for subject: String, scopes: [String], client: Client) async throws -> [String: JSONValue]? {
        guard let account = try await accounts.account(id: subject), account.status == .active else { return nil }
        var claims = AccountClaims.eduinfo(of: account).merging(["sub": .string(account.id)]) { _, new in new }
        if !scopes.contains("eduinfo") { claims = ["sub": .string(account.id)] }
        if scopes.contains("profile") {
            claims["name"] = .string(account.name)
            claims["preferred_username"] = .string(account.username)
        }
        if scopes.contains(Scope.exchangeData), let nationalID = account.nationalID {
            claims["personid"] = .string(nationalID)
        }
        return claims
    }

    func mayUseTokens(subject: String) async throws -> Bool {
        try await accounts.account(id: subject)?.status == .active
    }
}
