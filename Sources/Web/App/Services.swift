import Crypto
import Federation
import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Everything the controllers share, built once by `buildApplication`.
public final class Services: Sendable {
    public let config: AppConfig
    public let store: any ServiceStore
    public let keys: KeyManager
    public let tokens: TokenService
    public let clientAuthenticator: ClientAuthenticator
    public let requestValidator: AuthorizationRequestValidator
    public let passwordHasher: PasswordHasher
    public let passwordSignIn: PasswordSignIn
    public let accountClaims: AccountClaims
    public let captcha: Captcha
    public let directory: SchoolDirectory
    public let accountApplication: AccountApplication
    public let accountRecovery: AccountRecovery
    /// Where flows hand their messages: the durable queue, whose `dispatcher` delivers them.
    public let notifier: any Notifier
    public let dispatcher: MessageDispatcher
    public let senders: MessageSenders
    let messageTemplates: MessageTemplates
    public let verificationCodes: VerificationCodes
    public let twoFactor: TwoFactor
    /// The relying-party client for the county providers (縣市帳號).
    public let federation: FederationClient
    /// App login records go through this batched writer, never straight to the database from a request.
    public let appSignIns: AppSignInRecorder
    public let clock: Clock
    public let logger: Logger
    let pages: Pages
    let browser: BrowserCookies
    let rateLimiter: RateLimiter
    /// This process among the nodes sharing the database (job leases name it).
    let nodeID = Secrets.randomToken(bytes: 9)
    /// The admin listener's port once it listens (0 before, or without one).
    public let adminPort = Atomic<Int>(0)
    /// Prometheus metrics, served on the admin listener.
    public let metrics = ServerMetrics()
    /// Where sign-in attempts are recorded (and counted in `metrics`).
    let loginRecords: MeteredLoginRecords
    /// Discovery (serialised at start-up) and the JWKS, prepared for the channel handler and the router alike.
    let staticDocuments: StaticDocuments

    init(config: AppConfig, store: any ServiceStore, keys: KeyManager, senders: MessageSenders, clock: Clock, logger: Logger)
        async throws
    {
        self.config = config
        self.store = store
        let codeKey = try ServerSecret.load("code-secret", directory: config.keysDir)
        // Every node derives the same key, so that they name a rate-limit key alike when they add up their counts.
        self.rateLimiter = RateLimiter(
            shareSecret: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: codeKey), info: Data("edu-sso rate-limit keys v1".utf8),
                outputByteCount: 32))
        self.keys = keys
        self.clock = clock
        self.logger = logger
        var policy = TokenPolicy(issuer: config.issuer)
        policy.accessTokenTTL = config.accessTokenTTL
        policy.accessTokenAlg = SigningKey.Algorithm(rawValue: config.accessTokenAlg) ?? .es256
        policy.idTokenTTL = config.idTokenTTL
        policy.codeTTL = config.codeTTL
        policy.refreshTokenTTL = config.refreshTokenTTL
        policy.refreshGraceSeconds = config.refreshGraceSeconds
        policy.refreshForConfidentialClients = config.refreshForConfidentialClients
        policy.refreshKey = SymmetricKey(data: try ServerSecret.load("refresh-secret", directory: config.keysDir))
        let accountClaims = AccountClaims(
            accounts: store, guidKey: SymmetricKey(data: try ServerSecret.load("guid-secret", directory: config.keysDir)))
        self.accountClaims = accountClaims
        let tokens = TokenService(
            policy: policy, keys: keys,
            stores: .init(codes: store, grants: store, refreshTokens: store, markers: store),
            claimsSource: accountClaims, clock: clock)
        self.tokens = tokens
        self.clientAuthenticator = ClientAuthenticator(clients: store, markers: store, policy: policy, clock: clock)
        self.requestValidator = AuthorizationRequestValidator(
            findClient: { try await store.client(id: $0) },
            verifyHint: { token, clientID in await tokens.verifyIDTokenHint(token, clientID: clientID)?.string("sub") })
        let loginRecords = MeteredLoginRecords(records: store, metrics: metrics)
        self.loginRecords = loginRecords
        self.passwordHasher = PasswordHasher(parameters: config.passwordHashing)
        self.passwordSignIn = try await PasswordSignIn(
            accounts: store, records: loginRecords, hasher: passwordHasher, clock: clock)
        self.captcha = try Captcha(store: store, clock: clock, testCode: config.captchaTestCode)
        self.directory = try SchoolDirectory.current(dataDir: config.dataDir)
        // Logout notices are signed when they are delivered, by the node that delivers them.
        var senders = senders
        senders.logout = LogoutNoticeSender(transport: senders.logout, clients: store, tokens: tokens)
        self.senders = senders
        self.messageTemplates = try await MessageTemplates()
        let dispatcher = MessageDispatcher(
            queue: MessageQueue(
                store: store, secret: try ServerSecret.load("message-secret", directory: config.keysDir), now: { clock.now() }),
            senders: senders, policy: Messaging.dispatcherPolicy(config), logger: logger)
        self.dispatcher = dispatcher
        self.notifier = dispatcher
        self.verificationCodes = VerificationCodes(store: store, clock: clock, key: codeKey)
        self.twoFactor = TwoFactor(
            store: store, records: loginRecords, clock: clock,
            secret: try ServerSecret.load("totp-secret", directory: config.keysDir), hashKey: codeKey)
        var federationTiming = FederationClient.Timing()
        federationTiming.timeout = .seconds(config.countyTimeoutSeconds)
        // The development mocks answer on plain http; production counties must not.
        federationTiming.requireHTTPS = !config.development
        self.federation = FederationClient(timing: federationTiming, clock: clock)
        self.appSignIns = AppSignInRecorder(
            store: store, window: .milliseconds(config.recordBatchMs),
            onError: { error, waiting, dropped in
                logger.error(
                    "app login records not written yet; kept for the next batch",
                    metadata: ["error_type": "\(type(of: error))", "waiting": "\(waiting)", "dropped": "\(dropped)"])
            })
        self.accountRecovery = AccountRecovery(
            accounts: store, lookup: store, registry: store, events: store, defaults: store, hasher: passwordHasher,
            clock: clock, key: codeKey)
        self.accountApplication = AccountApplication(
            accounts: store, lookup: store, registry: store, directory: directory, clock: clock)
        if config.supportEmail == nil {
            logger.warning("support_email is not set: 聯絡我們 questions are stored as tickets (edu-sso tickets) but not e-mailed.")
        }
        if config.captchaTestCode != nil {
            logger.critical(
                "CAPTCHA TEST MODE: every captcha is the fixed code from captcha_test_code. Never run this for real users.")
        }
        self.pages = try await Pages()
        self.browser = BrowserCookies(
            secret: try ServerSecret.load("cookie-secret", directory: config.keysDir), https: config.usesHTTPS, sessions: store,
            clock: clock, sessionTTL: config.sessionTTL)
        self.staticDocuments = StaticDocuments(
            discoveryJSON: try JSON.encode(DiscoveryDocument.build(issuer: config.issuer)), keys: keys, https: config.usesHTTPS)
    }
}

extension Services {
    /// The signed-in, active account and its session, if any.
    func signedIn(_ request: Request) async throws -> (Account, BrowserSession)? {
        guard let session = try await browser.session(request),
            let account = try await store.account(id: session.accountID), account.status == .active
        else { return nil }
        return (account, session)
    }

    /// Where an account page sends a browser that is not signed in.
    func signInFirst(_ language: Language) -> Response { Responses.redirect("/login?lang=\(language.rawValue)") }

    /// The body of a form post whose CSRF token matches this browser. A mismatch throws `InvalidCSRFToken`, which
    /// `ErrorPageMiddleware` turns into the 403 page in the user's language.
    func verifiedForm(_ request: Request) async throws -> RequestParameters {
        let form = try await RequestReading.protocolForm(request, limit: config.maxBodyBytes)
        guard browser.checkCSRF(form, request: request) else { throw InvalidCSRFToken() }
        return form
    }
}

struct InvalidCSRFToken: Error {}

extension Services {
    /// The hash of this browser's cookie, if it has one.
    func browserHash(_ request: Request) -> String? {
        request.cookies[browser.browserCookieName].map { BrowserCookies.hashBrowser($0.value) }
    }

    /// The flow named by the route's `:id`, if it exists, has not expired, and belongs to this browser.
    func browserBoundFlow<Flow: BrowserBoundFlow>(
        _ request: Request, _ context: AppContext, fetch: (String) async throws -> Flow?
    ) async throws -> Flow? {
        guard let id = context.parameters.get("id"), id.utf8.count <= 64, let flow = try await fetch(id),
            flow.expiresAt > clock.now(), let browser = browserHash(request),
            Secrets.constantTimeEquals(browser, flow.browserHash)
        else { return nil }
        return flow
    }

    /// A page with a form: the browser's CSRF token (and, with `captcha`, a new captcha bound to the browser)
    /// go into `values`, and a browser seen for the first time gets its cookie.
    func formPage(
        _ template: String, _ values: [String: Any], request: Request, language: Language, title: String, switchURL: String,
        captcha: Bool = false, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (browserID, newCookie) = browser.browserID(request)
        var context = values
        context["csrf"] = browser.csrfToken(browserID: browserID)
        context["switch_url"] = switchURL
        if captcha { context["captcha_id"] = try await self.captcha.issue(browserHash: BrowserCookies.hashBrowser(browserID)) }
        var response = pages.render(template, context, language: language, status: status, title: title)
        if let newCookie { response.setCookie(newCookie) }
        return response
    }
}

extension Services {
    /// Whether this address has used up its failures of `kind` (sign-in, registry match, code entry) for the
    /// minute. Only failures count: a whole class signing in correctly from one school address is never refused.
    func failuresExhausted(_ kind: String, _ context: AppContext) -> Bool {
        rateLimiter.isExhausted("fail:\(kind):" + context.rateLimitKey, limit: config.loginRateLimitPerMinute, now: clock.now())
    }

    func countFailure(_ kind: String, _ context: AppContext) {
        rateLimiter.record("fail:\(kind):" + context.rateLimitKey, now: clock.now())
    }

    /// The rate-limited answer of a page.
    func rateLimitedPage(_ language: Language, _ context: AppContext) -> Response {
        var response = pages.error("error_rate_limited", language: language, status: .tooManyRequests, requestID: context.requestID)
        response.headers[.retryAfter] = "60"
        return response
    }
}

extension Services {
    /// Back-channel logout of a session the student ended: every app that received tokens in it is told.
    func notifyAppsOfLogout(session: BrowserSession) async {
        do {
            await notifyAppsOfLogout(try await store.appsSignedIn(sessionID: session.id))
        } catch {
            logger.error("back-channel logout not queued", metadata: ["error_type": "\(type(of: error))"])
        }
    }

    /// Back-channel logout of sessions that ended (see `BackchannelLogout`).
    func notifyAppsOfLogout(_ apps: [SignedInApp]) async {
        await BackchannelLogout.queue(apps, clients: store, notifier: notifier, logger: logger)
    }

    /// Renders message `template` for each (channel, recipient) and queues it; returns without waiting for delivery.
    /// `validFor` is how long the message is worth delivering (the lifetime of the code inside).
    func send(
        _ template: MessageTemplates.Name, to recipients: [(OutgoingMessage.Channel, String)], values: [String: String],
        validFor seconds: Int64
    ) async throws {
        for (channel, recipient) in recipients {
            guard let message = messageTemplates.render(template, channel: channel, to: recipient, values: values) else {
                continue
            }
            try await notifier.send(message, validFor: seconds)
        }
    }
}

/// What follows a first factor (a password, or a county sign-in).
enum FirstFactorResult {
    /// The account asks for a code (or the app requires two factors): the browser goes to the code step.
    case codeStep(Response)
    case session(BrowserSession, Cookie)
}

extension Services {
    /// After the first factor: an account with two-factor sign-in turned on (or an app that requires two factors,
    /// when an authenticator is bound) gets the code step and no session yet; otherwise the session starts.
    /// Password and county sign-ins both come through here, so neither can skip the account's second factor.
    func afterFirstFactor(
        _ account: Account, amr: [String], idp: String?, interactionID: String?, destination: String?,
        requireSecondFactor: Bool, browserHash: String, context: AppContext, userAgent: String, language: Language
    ) async throws -> FirstFactorResult {
        if let binding = try await twoFactor.binding(accountID: account.id), binding.isConfirmed,
            binding.enabled || requireSecondFactor
        {
            let now = clock.now()
            var challenge = SignInChallenge(
                id: Secrets.randomToken(), browserHash: browserHash, accountID: account.id, interactionID: interactionID,
                destination: destination, passwordFingerprint: SignInChallenge.fingerprint(ofPasswordHash: account.passwordHash),
                expiresAt: now + TwoFactor.challengeLifetime)
            challenge.firstFactor = amr
            challenge.idp = idp
            try await store.saveChallenge(challenge)
            return .codeStep(Responses.redirect("/login/2fa/\(challenge.id)?lang=\(language.rawValue)"))
        }
        let (session, cookie) = try await browser.startSession(
            accountID: account.id, amr: amr, ip: context.clientIP, userAgent: userAgent, idp: idp)
        return .session(session, cookie)
    }
}
