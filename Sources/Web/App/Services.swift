import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC
import Storage

/// Everything the controllers share, built once by `buildApplication`.
public final class Services: Sendable {
    public let config: AppConfig
    public let store: SQLStore
    public let keys: KeyManager
    public let tokens: TokenService
    public let clientAuthenticator: ClientAuthenticator
    public let requestValidator: AuthorizationRequestValidator
    public let passwordHasher: PasswordHasher
    public let passwordSignIn: PasswordSignIn
    public let captcha: Captcha
    public let directory: SchoolDirectory
    public let accountApplication: AccountApplication
    public let notifier: any Notifier
    public let verificationCodes: VerificationCodes
    public let clock: Clock
    public let logger: Logger
    let pages: Pages
    let browser: BrowserCookies
    let rateLimiter = RateLimiter()
    /// Discovery is answered from bytes serialised at start-up.
    let discoveryJSON: Data

    init(config: AppConfig, store: SQLStore, keys: KeyManager, clock: Clock, logger: Logger) async throws {
        self.config = config
        self.store = store
        self.keys = keys
        self.clock = clock
        self.logger = logger
        var policy = TokenPolicy(issuer: config.issuer)
        policy.accessTokenTTL = config.accessTokenTTL
        policy.idTokenTTL = config.idTokenTTL
        policy.codeTTL = config.codeTTL
        policy.refreshTokenTTL = config.refreshTokenTTL
        policy.refreshGraceSeconds = config.refreshGraceSeconds
        policy.refreshForConfidentialClients = config.refreshForConfidentialClients
        let tokens = TokenService(
            policy: policy, keys: keys,
            stores: .init(codes: store, grants: store, refreshTokens: store, markers: store),
            claimsSource: AccountClaims(accounts: store), clock: clock)
        self.tokens = tokens
        self.clientAuthenticator = ClientAuthenticator(clients: store, markers: store, policy: policy, clock: clock)
        self.requestValidator = AuthorizationRequestValidator(
            findClient: { try await store.client(id: $0) },
            verifyHint: { token, clientID in await tokens.verifyIDTokenHint(token, clientID: clientID)?.string("sub") })
        self.passwordHasher = PasswordHasher(
            parameters: .init(
                memoryKiB: UInt32(config.passwordMemoryKiB), iterations: UInt32(config.passwordIterations), parallelism: 1))
        self.passwordSignIn = try await PasswordSignIn(
            accounts: store, records: store, hasher: passwordHasher, clock: clock)
        self.captcha = try Captcha(store: store, clock: clock, testCode: config.captchaTestCode)
        self.directory = try SchoolDirectory.current(dataDir: config.dataDir)
        self.notifier = OutboxNotifier(directory: URL(fileURLWithPath: config.dataDir).appendingPathComponent("outbox"), logger: logger)
        self.verificationCodes = VerificationCodes(store: store, clock: clock)
        self.accountApplication = AccountApplication(
            accounts: store, lookup: store, registry: store, directory: directory, clock: clock)
        if config.captchaTestCode != nil {
            logger.critical(
                "CAPTCHA TEST MODE: every captcha is the fixed code from captcha_test_code. Never run this for real users.")
        }
        self.pages = try await Pages()
        self.browser = BrowserCookies(
            secret: try CookieSecret.load(directory: config.keysDir), https: config.usesHTTPS, sessions: store,
            clock: clock, sessionTTL: config.sessionTTL)
        self.discoveryJSON = try JSON.encode(DiscoveryDocument.build(issuer: config.issuer))
    }
}

extension Services {
    /// The body of a form post whose CSRF token matches this browser. A mismatch throws `InvalidCSRFToken`, which
    /// `ErrorPageMiddleware` turns into the 403 page in the user's language.
    func verifiedForm(_ request: Request) async throws -> RequestParameters {
        let form = try await RequestReading.form(request, limit: config.maxBodyBytes)
        guard browser.checkCSRF(form, request: request) else { throw InvalidCSRFToken() }
        return form
    }
}

struct InvalidCSRFToken: Error {}

/// The server-side secret that binds CSRF tokens to a browser. Generated on first run into `keys/` (mode 0600).
enum CookieSecret {
    static func load(directory: String) throws -> Data {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("cookie-secret")
        if let existing = try? Data(contentsOf: url), existing.count >= 32 { return existing }
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let secret = Data(Secrets.randomToken(bytes: 32).utf8)
        _ = FileManager.default.createFile(atPath: url.path, contents: secret, attributes: [.posixPermissions: 0o600])
        return secret
    }
}
