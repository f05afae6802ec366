import OIDC
import Identity
import Logging
import Foundation
import Federation
import Yams

/// Server configuration. Values come from `config/edu-sso.yaml` (or `--config FILE`), then `EDU_SSO_*` environment
/// variables override them: key `access_token_ttl` is variable `EDU_SSO_ACCESS_TOKEN_TTL`.
public struct AppConfig: Sendable {
    public var issuer = "http://127.0.0.1:8080"
    public var host = "127.0.0.1"
    public var port = 8080
    /// The admin listener (`/metrics`, `/healthz`, `/readyz`), apart from the public one so that metrics are
    /// never public. No port: no admin listener.
    public var adminHost = "127.0.0.1"
    public var adminPort: Int?
    /// Serve HTTPS directly: the certificate chain and its private key, both PEM. Without them the server speaks
    /// plain HTTP, for a TLS-terminating proxy in front (see `trusted_proxies`).
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    public var dataDir = "data"
    public var keysDir = "keys"
    /// `sqlite:PATH` or `postgres://USER@HOST:PORT/DATABASE`; defaults to `sqlite:<data_dir>/edu-sso.sqlite`.
    public var databaseURL: String?
    /// PostgreSQL only: connections per node, the connect timeout, TLS (`disable`, `prefer`, `require`; a
    /// `sslmode` in the URL wins), a CA bundle, and the password when the URL carries none.
    public var databasePoolSize = 20
    public var databaseConnectTimeoutSeconds: Int64 = 10
    public var databaseTLS = "prefer"
    public var databaseCAFile: String?
    public var databasePassword: String?
    public var accessTokenTTL: Int64 = 3600
    /// How access tokens are signed (RS256 or ES256) unless an app's registration says otherwise.
    public var accessTokenAlg = "ES256"
    public var idTokenTTL: Int64 = 3600
    public var codeTTL: Int64 = 60
    public var refreshTokenTTL: Int64 = 30 * 86400
    public var refreshGraceSeconds: Int64 = 10
    public var refreshForConfidentialClients = true
    public var sessionTTL: Int64 = 8 * 3600
    public var interactionTTL: Int64 = 30 * 60
    /// Automatic key rotation interval in days; 0 disables it.
    public var keyRotationDays: Int64 = 90
    /// How long a new key is published in the JWKS before it signs anything, in hours: at least as long as apps
    /// may cache the JWKS, so none of them meets an unknown `kid`.
    public var keyPreactivationHours: Int64 = 24
    /// How long a replaced key stays in the JWKS, in hours. Must exceed every token lifetime.
    public var keyRetirementHours: Int64 = 48
    /// How often a node re-reads the signing-key ring, so that a key rotated on another node (or by
    /// `edu-sso keys rotate`) is published and used here too.
    public var keyRefreshSeconds: Int64 = 30
    public var purgeIntervalSeconds: Int64 = 600
    public var recordRetentionDays: Int64 = 180
    public var maxBodyBytes = 64 * 1024
    /// A connection that sends no complete request part for this long is closed (idle keep-alive connections,
    /// and clients that trickle a request head to hold a connection open).
    public var connectionIdleTimeoutSeconds: Int64 = 30
    /// Requests per minute per IP address for the endpoints a stranger can call. Generous, because a whole
    /// school shares one address.
    public var rateLimitPerMinute = 3000
    /// Failed sign-ins (and other guess-shaped requests) per minute per IP address. Successful sign-ins are not
    /// counted: a class of 40 signing in at 08:00 from one school address must not be refused.
    public var loginRateLimitPerMinute = 60
    /// How often nodes sharing a PostgreSQL database add up their rate-limit counts, in milliseconds.
    public var rateLimitSyncMs: Int64 = 1000
    /// Development mode seeds a demo app, a demo student and a generated registry, serves `/demo`, and writes
    /// messages to the outbox. Only for a loopback http issuer; production is the default.
    public var development = false
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses and CIDR ranges). Empty: the header is
    /// ignored and the socket's peer is the client.
    public var trustedProxies: [IPRange] = []
    public var logLevel = "info"
    /// `text` (swift-log's readable lines), `json` or `logfmt` (one structured line per event).
    public var logFormat = "text"
    /// Argon2id memory in KiB (OWASP minimum 19456).
    public var passwordMemoryKiB = 19 * 1024
    public var passwordIterations = 2
    /// The Argon2id parameters above, as the hasher takes them.
    public var passwordHashing: PasswordHasher.Parameters {
        .init(memoryKiB: UInt32(passwordMemoryKiB), iterations: UInt32(passwordIterations), parallelism: 1)
    }
    /// How long hot rows (accounts, apps, grants, revoked token ids) may be served from memory, in milliseconds.
    /// Changes made through this server apply at once; changes by other nodes or the CLI within this time. On
    /// PostgreSQL grants and revocations are never cached, so a revocation holds on every node at once.
    public var readCacheMs = 1000
    /// App login records are written in batches this often; a crash loses at most this window's records.
    public var recordBatchMs = 1000
    /// Makes every captcha this fixed 3-digit code, for tests and development only. The server logs a loud
    /// warning while it is set, and refuses it when the issuer is https.
    public var captchaTestCode: String?
    /// E-mail: an SMTP relay. Without `smtp_host`, development mode writes e-mail to the outbox and production
    /// mode refuses to start.
    public var smtpHost: String?
    public var smtpPort = 587
    /// `starttls` (port 587), `tls` (port 465), or `none` (a relay on loopback only, without credentials).
    public var smtpSecurity = "starttls"
    public var smtpUsername: String?
    /// Prefer `EDU_SSO_SMTP_PASSWORD` or `smtp_password_file` to writing it in the file.
    public var smtpPassword: String?
    public var smtpCAFile: String?
    public var mailFrom = "no-reply@sso.edu.tw"
    public var mailFromName = "教育體系單一簽入服務"
    public var smtpTimeoutSeconds: Int64 = 30
    /// SMS: an HTTP gateway. Without `sms_gateway_url`, development mode writes texts to the outbox and production
    /// mode refuses to start.
    public var smsGatewayURL: String?
    public var smsGatewayUsername: String?
    public var smsGatewayPassword: String?
    public var smsGatewayBearerToken: String?
    public var smsGatewayContentType = "application/json"
    public var smsGatewayBodyTemplate = #"{"to":"{{to}}","text":"{{text}}"}"#
    public var smsGatewayTimeoutSeconds: Int64 = 10
    /// Where 聯絡我們 questions are e-mailed (customer service). Without it they are only stored as tickets
    /// (`edu-sso tickets`), and the server says so at start-up.
    public var supportEmail: String?
    /// County/city OpenID providers (縣市帳號) students may sign in with: `counties` in the file is a list of
    /// {code, name, issuer, client_id, client_secret or client_secret_file, icon}; `EDU_SSO_COUNTIES` takes the
    /// same list as JSON.
    public var counties: [CountyProvider] = []
    /// Every call to a county (discovery, JWKS, token) gives up after this long.
    public var countyTimeoutSeconds: Int64 = 5
    /// Retries of a failed message wait this long, doubling each time (up to 15 minutes).
    public var messageRetryBaseSeconds: Int64 = 30
    public var messageMaxAttempts = 10
    /// How often each node looks for due messages (retries, and what a stopped node left).
    public var messagePollSeconds: Int64 = 5

    public init() {}

    public var resolvedDatabaseURL: String { databaseURL ?? "sqlite:\(dataDir)/edu-sso.sqlite" }
    /// Several nodes may share this database (PostgreSQL): what each node keeps in memory must be added up.
    public var sharesDatabase: Bool {
        let url = resolvedDatabaseURL.lowercased()
        return url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }
    public var usesHTTPS: Bool { issuer.lowercased().hasPrefix("https://") }

    /// Whether only this machine can reach the server: an http issuer on a loopback host, listening on loopback.
    public var isLoopbackOnly: Bool {
        guard !usesHTTPS, let issuerHost = URL(string: issuer)?.host else { return false }
        return IPRange.isLoopback(host: issuerHost) && IPRange.isLoopback(host: host)
    }

    /// Loads `file` (optional when it is the default and missing) and applies `environment`.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> AppConfig
    {
        var values: [String: String] = [:]
        let path = file ?? "config/edu-sso.yaml"
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let parsed = try Yams.load(yaml: text) else { return try AppConfig(values: values) }
            guard let mapping = parsed as? [String: Any] else {
                throw ConfigError("\(path) must be a mapping of keys to values.")
            }
            for (key, value) in mapping {
                if let list = value as? [Any], list.first is [String: Any], let entries = value as? [[String: Any]] {
                    // A list of mappings (counties) is kept as JSON, the form the environment gives it in.
                    values[key] = String(decoding: try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys]), as: UTF8.self)
                    continue
                }
                // Lists (trusted_proxies) arrive as YAML sequences; the environment gives them comma-separated.
                values[key] = (value as? [Any]).map { $0.map { "\($0)" }.joined(separator: ",") } ?? "\(value)"
            }
        } else if file != nil {
            throw ConfigError("The configuration file \(path) does not exist.")
        }
        for (name, value) in environment where name.hasPrefix("EDU_SSO_") {
            values[name.dropFirst("EDU_SSO_".count).lowercased()] = value
        }
        return try AppConfig(values: values)
    }

    public init(values: [String: String]) throws {
        var reader = ConfigReader(values: values)
        issuer = reader.string("issuer", issuer)
        host = reader.string("host", host)
        port = try reader.int("port", port)
        adminHost = reader.string("admin_host", adminHost)
        adminPort = try reader.optionalString("admin_port").map { raw in
            guard let value = Int(raw) else { throw ConfigError("admin_port must be an integer, not '\(raw)'.") }
            return value
        }
        tlsCertificateFile = reader.optionalString("tls_certificate_file")
        tlsKeyFile = reader.optionalString("tls_key_file")
        dataDir = reader.string("data_dir", dataDir)
        keysDir = reader.string("keys_dir", keysDir)
        databaseURL = reader.optionalString("database_url")
        databasePoolSize = try reader.int("database_pool_size", databasePoolSize)
        databaseConnectTimeoutSeconds = try reader.int64("database_connect_timeout_seconds", databaseConnectTimeoutSeconds)
        databaseTLS = reader.string("database_tls", databaseTLS)
        databaseCAFile = reader.optionalString("database_ca_file")
        databasePassword = try reader.secret("database_password")
        accessTokenTTL = try reader.int64("access_token_ttl", accessTokenTTL)
        accessTokenAlg = reader.string("access_token_alg", accessTokenAlg)
        idTokenTTL = try reader.int64("id_token_ttl", idTokenTTL)
        codeTTL = try reader.int64("code_ttl", codeTTL)
        refreshTokenTTL = try reader.int64("refresh_token_ttl", refreshTokenTTL)
        refreshGraceSeconds = try reader.int64("refresh_grace_seconds", refreshGraceSeconds)
        refreshForConfidentialClients = try reader.bool("refresh_for_confidential_clients", refreshForConfidentialClients)
        sessionTTL = try reader.int64("session_ttl", sessionTTL)
        interactionTTL = try reader.int64("interaction_ttl", interactionTTL)
        keyRotationDays = try reader.int64("key_rotation_days", keyRotationDays)
        keyPreactivationHours = try reader.int64("key_preactivation_hours", keyPreactivationHours)
        keyRetirementHours = try reader.int64("key_retirement_hours", keyRetirementHours)
        keyRefreshSeconds = try reader.int64("key_refresh_seconds", keyRefreshSeconds)
        purgeIntervalSeconds = try reader.int64("purge_interval_seconds", purgeIntervalSeconds)
        recordRetentionDays = try reader.int64("record_retention_days", recordRetentionDays)
        maxBodyBytes = try reader.int("max_body_bytes", maxBodyBytes)
        connectionIdleTimeoutSeconds = try reader.int64("connection_idle_timeout_seconds", connectionIdleTimeoutSeconds)
        rateLimitPerMinute = try reader.int("rate_limit_per_minute", rateLimitPerMinute)
        loginRateLimitPerMinute = try reader.int("login_rate_limit_per_minute", loginRateLimitPerMinute)
        rateLimitSyncMs = try reader.int64("rate_limit_sync_ms", rateLimitSyncMs)
        development = try reader.bool("development", development)
        if reader.optionalString("trust_forwarded_for") != nil {
            throw ConfigError(
                "trust_forwarded_for was replaced by trusted_proxies: list your reverse proxies' addresses or CIDR ranges.")
        }
        trustedProxies = try (reader.optionalString("trusted_proxies") ?? "")
            .split(whereSeparator: { $0 == "," || $0 == " " }).map { entry in
                guard let range = IPRange(String(entry)) else {
                    throw ConfigError("trusted_proxies: '\(entry)' is not an IP address or CIDR range.")
                }
                return range
            }
        logLevel = reader.string("log_level", logLevel)
        logFormat = reader.string("log_format", logFormat)
        passwordMemoryKiB = try reader.int("password_memory_kib", passwordMemoryKiB)
        passwordIterations = try reader.int("password_iterations", passwordIterations)
        readCacheMs = try reader.int("read_cache_ms", readCacheMs)
        recordBatchMs = try reader.int("record_batch_ms", recordBatchMs)
        captchaTestCode = reader.optionalString("captcha_test_code")
        smtpHost = reader.optionalString("smtp_host")
        smtpPort = try reader.int("smtp_port", smtpPort)
        smtpSecurity = reader.string("smtp_security", smtpSecurity)
        smtpUsername = reader.optionalString("smtp_username")
        smtpPassword = try reader.secret("smtp_password")
        smtpCAFile = reader.optionalString("smtp_ca_file")
        mailFrom = reader.string("mail_from", mailFrom)
        mailFromName = reader.string("mail_from_name", mailFromName)
        smtpTimeoutSeconds = try reader.int64("smtp_timeout_seconds", smtpTimeoutSeconds)
        supportEmail = reader.optionalString("support_email")
        counties = try Self.counties(reader.optionalString("counties"))
        countyTimeoutSeconds = try reader.int64("county_timeout_seconds", countyTimeoutSeconds)
        smsGatewayURL = reader.optionalString("sms_gateway_url")
        smsGatewayUsername = reader.optionalString("sms_gateway_username")
        smsGatewayPassword = try reader.secret("sms_gateway_password")
        smsGatewayBearerToken = try reader.secret("sms_gateway_bearer_token")
        smsGatewayContentType = reader.string("sms_gateway_content_type", smsGatewayContentType)
        smsGatewayBodyTemplate = reader.string("sms_gateway_body_template", smsGatewayBodyTemplate)
        smsGatewayTimeoutSeconds = try reader.int64("sms_gateway_timeout_seconds", smsGatewayTimeoutSeconds)
        messageRetryBaseSeconds = try reader.int64("message_retry_base_seconds", messageRetryBaseSeconds)
        messageMaxAttempts = try reader.int("message_max_attempts", messageMaxAttempts)
        messagePollSeconds = try reader.int64("message_poll_seconds", messagePollSeconds)
        while issuer.hasSuffix("/") { issuer.removeLast() }
        if let unknown = reader.unusedKeys.first {
            throw ConfigError("Unknown configuration key '\(unknown)'.")
        }
        try validate()
    }

    private func validate() throws {
        guard let url = URL(string: issuer), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
            url.query == nil, url.fragment == nil
        else { throw ConfigError("issuer must be an http(s) URL without query or fragment.") }
        guard SigningKey.Algorithm(rawValue: accessTokenAlg) != nil else {
            throw ConfigError("access_token_alg must be RS256 or ES256.")
        }
        guard logFormat == "text" || StructuredLogHandler.Format(rawValue: logFormat) != nil else {
            throw ConfigError("log_format must be text, json or logfmt.")
        }
        guard (1...65535).contains(port) else { throw ConfigError("port must be between 1 and 65535.") }
        if (tlsCertificateFile == nil) != (tlsKeyFile == nil) {
            throw ConfigError("tls_certificate_file and tls_key_file go together.")
        }
        if tlsCertificateFile != nil && !usesHTTPS {
            throw ConfigError("Serving TLS (tls_certificate_file) needs an https issuer: the issuer is the address apps use.")
        }
        if let adminPort, !(0...65535).contains(adminPort) || adminPort == port {
            throw ConfigError("admin_port must be between 0 and 65535 (0: any free port) and differ from port.")
        }
        let lifetimes: [(String, Int64)] = [
            ("access_token_ttl", accessTokenTTL), ("id_token_ttl", idTokenTTL), ("code_ttl", codeTTL),
            ("refresh_token_ttl", refreshTokenTTL), ("session_ttl", sessionTTL), ("interaction_ttl", interactionTTL),
        ]
        let intervals: [(String, Int64)] = [
            ("connection_idle_timeout_seconds", connectionIdleTimeoutSeconds), ("key_refresh_seconds", keyRefreshSeconds),
            ("rate_limit_sync_ms", rateLimitSyncMs),
        ]
        for (name, value) in lifetimes + intervals where value <= 0 {
            throw ConfigError("\(name) must be a positive number of seconds.")
        }
        if refreshGraceSeconds < 0 { throw ConfigError("refresh_grace_seconds must be 0 (no retries) or more.") }
        if keyRetirementHours * 3600 <= max(accessTokenTTL, idTokenTTL) {
            throw ConfigError("key_retirement_hours must outlast access and ID tokens.")
        }
        if keyPreactivationHours * 3600 < DiscoveryDocument.jwksCacheSeconds {
            throw ConfigError(
                "key_preactivation_hours must be at least the JWKS cache lifetime (\(DiscoveryDocument.jwksCacheSeconds) s).")
        }
        if development && !isLoopbackOnly {
            throw ConfigError(
                """
                development: true is only for a loopback http issuer (http://127.0.0.1:…) listening on loopback: it \
                seeds a demo app, a demo student and a generated registry and writes messages to an outbox. \
                Remove it (production mode is the default) to serve \(issuer) on \(host).
                """)
        }
        // A development server may sit behind a proxy on the same machine (scripts/cluster's nginx), never a remote one.
        if development && trustedProxies.contains(where: { !$0.isLoopbackOnly }) {
            throw ConfigError(
                "development: true runs on this machine only; trusted_proxies may name loopback proxies only (127.0.0.1, ::1).")
        }
        // The admin listener serves /metrics without authentication: it must sit on a loopback or private address
        // (a wildcard in any spelling, a public address or a name that could resolve to one would publish it).
        if adminPort != nil {
            if !IPRange.isPrivate(host: adminHost) {
                throw ConfigError(
                    "admin_host \(adminHost) is not a loopback or private IP address; /metrics must not be public. Name one (127.0.0.1, 10.x, 172.16-31.x, 192.168.x, fd…).")
            }
            if development && !IPRange.isLoopback(host: adminHost) {
                throw ConfigError("development: true runs on this machine only; admin_host must be a loopback address.")
            }
        }
        if let code = captchaTestCode {
            guard code.count == 3, code.allSatisfy(\.isNumber) else {
                throw ConfigError("captcha_test_code must be three digits.")
            }
            guard development, !usesHTTPS else {
                throw ConfigError("captcha_test_code is for tests and development mode only; it is refused otherwise.")
            }
        }
        if recordBatchMs < 10 || recordBatchMs > 60_000 {
            throw ConfigError("record_batch_ms must be between 10 and 60000.")
        }
        if readCacheMs < 0 || readCacheMs > 60_000 {
            throw ConfigError("read_cache_ms must be between 0 and 60000.")
        }
        if !["starttls", "tls", "none"].contains(smtpSecurity) {
            throw ConfigError("smtp_security must be starttls, tls or none.")
        }
        if (smtpUsername == nil) != (smtpPassword == nil) {
            throw ConfigError("smtp_username and smtp_password (or smtp_password_file) go together.")
        }
        if smsGatewayUsername != nil && smsGatewayPassword == nil {
            throw ConfigError("sms_gateway_username needs sms_gateway_password (or sms_gateway_password_file).")
        }
        for (name, value) in [
            ("smtp_timeout_seconds", smtpTimeoutSeconds), ("sms_gateway_timeout_seconds", smsGatewayTimeoutSeconds),
            ("message_retry_base_seconds", messageRetryBaseSeconds), ("message_poll_seconds", messagePollSeconds),
        ] where value <= 0 {
            throw ConfigError("\(name) must be a positive number of seconds.")
        }
        if databasePoolSize < 1 || databasePoolSize > 1000 {
            throw ConfigError("database_pool_size must be between 1 and 1000.")
        }
        if !["disable", "prefer", "require"].contains(databaseTLS) {
            throw ConfigError("database_tls must be disable, prefer or require.")
        }
        if messageMaxAttempts < 1 { throw ConfigError("message_max_attempts must be at least 1.") }
        if let supportEmail, AccountRules.checkEmail(supportEmail) != nil {
            throw ConfigError("support_email must be an e-mail address.")
        }
        if !development, let plain = counties.first(where: { !$0.issuer.lowercased().hasPrefix("https://") }) {
            throw ConfigError("counties: \(plain.code)'s issuer must be https in production (only the development mocks use http).")
        }
        if Set(counties.map(\.code)).count != counties.count { throw ConfigError("counties: each code may appear once.") }
        if countyTimeoutSeconds < 1 || countyTimeoutSeconds > 30 {
            throw ConfigError("county_timeout_seconds must be between 1 and 30.")
        }
        if passwordMemoryKiB < 7 * 1024 || passwordIterations < 1 {
            throw ConfigError("password_memory_kib must be at least 7168 and password_iterations at least 1.")
        }
    }
}

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads typed values and remembers which keys were used, so that a misspelt key is reported, not ignored.
extension AppConfig {
    /// Parses the `counties` list; a client secret may come from a file (`client_secret_file`).
    static func counties(_ json: String?) throws -> [CountyProvider] {
        guard let json else { return [] }
        guard let entries = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw ConfigError("counties must be a list of {code, name, issuer, client_id, client_secret, icon}.")
        }
        return try entries.map { entry in
            func field(_ name: String) -> String? { (entry[name] as? String).flatMap { $0.isEmpty ? nil : $0 } }
            var secret = field("client_secret")
            if let path = field("client_secret_file") {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigError("counties: cannot read client_secret_file \(path).")
                }
                secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let code = field("code"), code.range(of: "^[a-z]{2,8}$", options: .regularExpression) != nil,
                let name = field("name"), let issuer = field("issuer"), URL(string: issuer)?.host != nil,
                let clientID = field("client_id"), let secret
            else {
                throw ConfigError("counties: each entry needs code (2–8 lower-case letters), name, issuer, client_id and client_secret.")
            }
            return CountyProvider(code: code, name: name, issuer: issuer, clientID: clientID, clientSecret: secret, icon: field("icon"))
        }
    }
}

private struct ConfigReader {
    let values: [String: String]
    var used = Set<String>()

    init(values: [String: String]) { self.values = values }

    var unusedKeys: [String] { values.keys.filter { !used.contains($0) }.sorted() }

    mutating func optionalString(_ key: String) -> String? {
        used.insert(key)
        guard let value = values[key], !value.isEmpty, value != "<null>" else { return nil }
        return value
    }

    mutating func string(_ key: String, _ fallback: String) -> String { optionalString(key) ?? fallback }

    /// A secret given as `KEY` (better through the environment) or as `KEY_file`, a file holding it.
    mutating func secret(_ key: String) throws -> String? {
        if let path = optionalString(key + "_file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError("\(key)_file: cannot read \(path).")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return optionalString(key)
    }

    mutating func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let raw = optionalString(key) else { return fallback }
        guard let value = Int(raw) else { throw ConfigError("\(key) must be an integer, not '\(raw)'.") }
        return value
    }

    mutating func int64(_ key: String, _ fallback: Int64) throws -> Int64 {
        Int64(try int(key, Int(fallback)))
    }

    mutating func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let raw = optionalString(key)?.lowercased() else { return fallback }
        switch raw {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigError("\(key) must be true or false, not '\(raw)'.")
        }
    }
}
