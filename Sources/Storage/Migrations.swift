import SQLKit

/// Versioned schema changes. Each runs once, in order, inside a transaction; `migrate` is idempotent.
/// Types are portable across SQLite and PostgreSQL: TEXT ids and JSON, BIGINT epoch seconds.
enum Migrations {
    struct Migration: Sendable {
        let version: Int
        let name: String
        var precondition: Precondition? = nil
        let statements: [String]
        /// Statements for one dialect only ("sqlite" or "postgresql"), run after `statements`: what the two
        /// cannot say alike (triggers).
        var dialectStatements: [String: [String]] = [:]
    }

    /// Data a migration cannot take: `countQuery` (returning column `n`) counts the offending rows.
    struct Precondition: Sendable {
        let countQuery: String
        let problem: String
    }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "authorization server",
            statements: [
                """
                CREATE TABLE clients (
                    id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                    name TEXT NOT NULL, email TEXT, email_verified INTEGER NOT NULL DEFAULT 0, mobile TEXT,
                    national_id TEXT, school TEXT, title TEXT NOT NULL, status TEXT NOT NULL,
                    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "CREATE INDEX accounts_mobile ON accounts (mobile)",
                "CREATE INDEX accounts_national_id ON accounts (national_id)",
                """
                CREATE TABLE browser_sessions (
                    id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL,
                    auth_time BIGINT NOT NULL, amr TEXT NOT NULL, created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL, ip TEXT NOT NULL, user_agent TEXT NOT NULL)
                """,
                "CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at)",
                """
                CREATE TABLE interactions (
                    id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX interactions_expiry ON interactions (expires_at)",
                """
                CREATE TABLE authorization_codes (
                    code_hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, client_id TEXT NOT NULL, data TEXT NOT NULL,
                    expires_at BIGINT NOT NULL, redeemed_at BIGINT)
                """,
                "CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at)",
                """
                CREATE TABLE grants (
                    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, subject TEXT NOT NULL, session_id TEXT,
                    data TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)
                """,
                "CREATE INDEX grants_session ON grants (session_id)",
                "CREATE INDEX grants_created ON grants (created_at)",
                """
                CREATE TABLE refresh_tokens (
                    token_hash TEXT PRIMARY KEY, grant_id TEXT NOT NULL, client_id TEXT NOT NULL, parent_hash TEXT,
                    issued_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, rotated_at BIGINT,
                    retried INTEGER NOT NULL DEFAULT 0)
                """,
                "CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_hash)",
                "CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at)",
                "CREATE TABLE revoked_access_tokens (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
                """
                CREATE TABLE client_assertions (
                    client_id TEXT NOT NULL, jti TEXT NOT NULL, expires_at BIGINT NOT NULL,
                    PRIMARY KEY (client_id, jti))
                """,
                """
                CREATE TABLE login_attempts (
                    username TEXT NOT NULL, account_id TEXT, at BIGINT NOT NULL, ip TEXT NOT NULL,
                    method TEXT NOT NULL, outcome TEXT NOT NULL, user_agent TEXT NOT NULL)
                """,
                "CREATE INDEX login_attempts_username ON login_attempts (username, at)",
                "CREATE INDEX login_attempts_ip ON login_attempts (ip, at)",
                "CREATE INDEX login_attempts_account ON login_attempts (account_id, at)",
                """
                CREATE TABLE app_sign_ins (
                    account_id TEXT NOT NULL, client_id TEXT NOT NULL, at BIGINT NOT NULL, ip TEXT NOT NULL,
                    user_agent TEXT NOT NULL)
                """,
                "CREATE INDEX app_sign_ins_account ON app_sign_ins (account_id, at)",
                """
                CREATE TABLE consents (
                    account_id TEXT NOT NULL, client_id TEXT NOT NULL, scopes TEXT NOT NULL,
                    granted_at BIGINT NOT NULL, PRIMARY KEY (account_id, client_id))
                """,
            ]),
        Migration(
            version: 2, name: "student registry",
            statements: [
                """
                CREATE TABLE registry_records (
                    national_id TEXT NOT NULL, academic_year TEXT NOT NULL, semester TEXT NOT NULL, name TEXT NOT NULL,
                    school_code TEXT NOT NULL, school_level TEXT NOT NULL, grade INTEGER NOT NULL, class_no TEXT NOT NULL,
                    seat_no INTEGER NOT NULL, status TEXT NOT NULL, imported_at BIGINT NOT NULL,
                    PRIMARY KEY (national_id, academic_year, semester))
                """
            ]),
        Migration(
            version: 3, name: "captcha",
            statements: [
                """
                CREATE TABLE captchas (
                    id TEXT PRIMARY KEY, browser_hash TEXT NOT NULL, code TEXT NOT NULL, expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX captchas_expiry ON captchas (expires_at)",
            ]),
        Migration(
            version: 4, name: "account applications",
            statements: [
                "CREATE TABLE registrations (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)",
                "CREATE INDEX registrations_expiry ON registrations (expires_at)",
            ]),
        Migration(
            version: 5, name: "verification codes",
            statements: [
                """
                CREATE TABLE verification_codes (
                    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, purpose TEXT NOT NULL, target TEXT NOT NULL,
                    code_hash TEXT NOT NULL, expires_at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)
                """,
                "CREATE INDEX verification_codes_account ON verification_codes (account_id)",
            ]),
        Migration(
            version: 6, name: "truthful claims, one active account per registry record, personal-data consents",
            precondition: Precondition(
                countQuery: """
                    SELECT COUNT(*) AS n FROM (SELECT national_id FROM accounts
                    WHERE status = 'active' AND national_id IS NOT NULL GROUP BY national_id HAVING COUNT(*) > 1) duplicated
                    """,
                problem: """
                    national IDs have more than one active account, which this version forbids. Disable all but one \
                    of each (`edu-sso account disable NAME`; SELECT username FROM accounts WHERE national_id IN \
                    (…duplicated…) finds them), then start again.
                    """),
            statements: [
                "ALTER TABLE accounts ADD COLUMN mobile_verified INTEGER NOT NULL DEFAULT 0",
                // Enforced by the database, so two concurrent applications cannot both create an account.
                """
                CREATE UNIQUE INDEX accounts_active_national_id ON accounts (national_id)
                WHERE status = 'active' AND national_id IS NOT NULL
                """,
                // The 個資蒐集告知聲明 an account was created under: the text's version and the time of agreement.
                "ALTER TABLE accounts ADD COLUMN consent_text_version TEXT",
                "ALTER TABLE accounts ADD COLUMN consented_at BIGINT",
            ]),
        Migration(
            version: 7, name: "durable message queue",
            statements: [
                // `sealed` holds the AES-GCM sealed subject and body while the message waits, and is emptied once
                // it is sent or given up; `lease_until` keeps two nodes from sending one message at once.
                """
                CREATE TABLE outgoing_messages (
                    id TEXT PRIMARY KEY, channel TEXT NOT NULL, recipient TEXT NOT NULL, sealed TEXT NOT NULL,
                    status TEXT NOT NULL, attempts INTEGER NOT NULL, created_at BIGINT NOT NULL,
                    next_attempt_at BIGINT NOT NULL, lease_until BIGINT NOT NULL, expires_at BIGINT NOT NULL,
                    last_error TEXT, finished_at BIGINT)
                """,
                "CREATE INDEX outgoing_messages_due ON outgoing_messages (status, next_attempt_at)",
                "CREATE INDEX outgoing_messages_created ON outgoing_messages (created_at)",
            ]),
        Migration(
            version: 8, name: "signing an account out everywhere",
            statements: [
                // Disabling an account and resetting its password end all its sessions and grants at once.
                "CREATE INDEX grants_subject ON grants (subject)",
                "CREATE INDEX browser_sessions_account ON browser_sessions (account_id)",
            ]),
        Migration(
            version: 9, name: "account records",
            statements: [
                // What happened to an account besides sign-ins (recovery lookups, codes sent, resets, activation),
                // for the student's records pages. Never the national ID.
                """
                CREATE TABLE account_events (
                    account_id TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, ip TEXT NOT NULL,
                    user_agent TEXT NOT NULL)
                """,
                "CREATE INDEX account_events_account ON account_events (account_id, at)",
            ]),
        Migration(
            version: 10, name: "recovery and activation",
            statements: [
                "ALTER TABLE accounts ADD COLUMN password_changed_at BIGINT",
                "CREATE TABLE recoveries (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)",
                "CREATE INDEX recoveries_expiry ON recoveries (expires_at)",
                // One live default password per account, stored as a keyed hash.
                """
                CREATE TABLE default_passwords (
                    account_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL)
                """,
                "CREATE INDEX default_passwords_expiry ON default_passwords (expires_at)",
            ]),
        Migration(
            version: 11, name: "contact us",
            statements: [
                """
                CREATE TABLE tickets (
                    id TEXT PRIMARY KEY, category TEXT NOT NULL, identifier TEXT NOT NULL, name TEXT NOT NULL,
                    contact TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL,
                    closed_at BIGINT, ip TEXT NOT NULL)
                """,
                "CREATE INDEX tickets_status ON tickets (status, created_at)",
            ]),
        Migration(
            version: 12, name: "operator locks and recovery limits",
            statements: [
                "ALTER TABLE accounts ADD COLUMN self_activation_blocked INTEGER NOT NULL DEFAULT 0",
                "CREATE INDEX account_events_kind ON account_events (account_id, kind, at)",
            ]),
        Migration(
            version: 13, name: "app authorizations, two-factor binding",
            statements: [
                // 應用服務授權清單 shows when an app was first authorized; approving more scopes later keeps it.
                "ALTER TABLE consents ADD COLUMN first_granted_at BIGINT",
                "UPDATE consents SET first_granted_at = granted_at",
                // The list's "last used" and 取消授權 look up an account's records and grants per app.
                "CREATE INDEX app_sign_ins_account_client ON app_sign_ins (account_id, client_id, at)",
                "CREATE INDEX grants_subject_client ON grants (subject, client_id)",
                // One authenticator per account. The secret is sealed (AES-GCM, bound to the account id);
                // `last_step` refuses replays; `attempts`/`attempts_since` count wrong codes in a window.
                """
                CREATE TABLE two_factor (
                    account_id TEXT PRIMARY KEY, sealed_secret TEXT NOT NULL, confirmed_at BIGINT,
                    enabled INTEGER NOT NULL DEFAULT 0, last_step BIGINT NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 0, attempts_since BIGINT NOT NULL DEFAULT 0,
                    created_at BIGINT NOT NULL)
                """,
                "CREATE TABLE two_factor_recovery_codes (account_id TEXT NOT NULL, code_hash TEXT NOT NULL, PRIMARY KEY (account_id, code_hash))",
                "CREATE TABLE sign_in_challenges (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)",
                "CREATE INDEX sign_in_challenges_expiry ON sign_in_challenges (expires_at)",
            ]),
        Migration(
            version: 14, name: "revoking an app's pending codes, portal logos",
            statements: [
                // 取消授權 also spends the app's unredeemed codes for the student (codes live a minute, so older rows
                // without a subject do not matter).
                "ALTER TABLE authorization_codes ADD COLUMN subject TEXT",
                "CREATE INDEX authorization_codes_subject ON authorization_codes (subject, client_id)",
                // Portal logos, apart from the client JSON that the token path reads.
                "CREATE TABLE client_logos (client_id TEXT PRIMARY KEY, content_type TEXT NOT NULL, data TEXT NOT NULL)",
            ]),
        Migration(
            version: 15, name: "county federation",
            statements: [
                // A sign-in through a county (縣市帳號) in progress: state, nonce and PKCE verifier, bound to the browser.
                "CREATE TABLE federation_states (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)",
                "CREATE INDEX federation_states_expiry ON federation_states (expires_at)",
                // The county that authenticated a federated session, released to apps as `idp`.
                "ALTER TABLE browser_sessions ADD COLUMN idp TEXT",
            ]),
        Migration(
            version: 16, name: "record order within a second, app sign-in methods",
            statements: [
                // Records of one second keep the order they happened in (`seq`: a per-process increasing number
                // from the wall clock in microseconds); the record pages sort by (at, seq).
                "ALTER TABLE login_attempts ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE app_sign_ins ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE account_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
                // How the student signed in to the app: password, totp, or county:<code>.
                "ALTER TABLE app_sign_ins ADD COLUMN method TEXT NOT NULL DEFAULT 'password'",
            ]),
        Migration(
            version: 17, name: "signing keys, secret fingerprints, job leases and rate counts shared by every node",
            statements: [
                // The key ring, one row per key; the private key sealed under signing-key-secret (kid as AAD); `seq`
                // keeps the order keys were added in, which breaks a same-second tie between two new keys.
                """
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY, alg TEXT NOT NULL, created_at BIGINT NOT NULL, activates_at BIGINT,
                    retires_at BIGINT, sealed_private_key TEXT NOT NULL, seq BIGINT NOT NULL)
                """,
                // A keyed fingerprint of each server secret, written by the first node: a node started with a
                // different secret file refuses to start instead of failing requests that another node began.
                "CREATE TABLE secret_fingerprints (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at BIGINT NOT NULL)",
                // Periodic jobs that every node runs but one at a time does the work of (the purge).
                "CREATE TABLE job_leases (job TEXT PRIMARY KEY, holder TEXT NOT NULL, lease_until BIGINT NOT NULL)",
                // Each node's count of its busiest rate-limit keys this minute (keyed hashes, never addresses), so
                // that every node decides on the sum.
                """
                CREATE TABLE rate_counts (
                    minute BIGINT NOT NULL, key TEXT NOT NULL, node TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (minute, key, node))
                """,
            ]),
        Migration(
            version: 18, name: "a refresh rotation in one statement",
            // An interrupted rotation of an early version could leave two successors of one token.
            precondition: Precondition(
                countQuery: """
                    SELECT COUNT(*) AS n FROM (SELECT parent_hash FROM refresh_tokens WHERE parent_hash IS NOT NULL
                    GROUP BY parent_hash HAVING COUNT(*) > 1) AS twins
                    """,
                problem: """
                    refresh tokens have more than one successor. Delete those successors \
                    (DELETE FROM refresh_tokens WHERE parent_hash IN (SELECT parent_hash FROM refresh_tokens \
                    GROUP BY parent_hash HAVING COUNT(*) > 1)); their apps sign in again.
                    """),
            statements: [
                // One successor per parent, so the INSERT that stores a successor is the whole atomic rotation:
                // the writer holds SQLite's lock for one statement instead of four.
                "DROP INDEX refresh_tokens_parent",
                "CREATE UNIQUE INDEX refresh_tokens_successor ON refresh_tokens (parent_hash)",
            ],
            // The same statement still marks the parent rotated, through a trigger: a node one version behind
            // (which reads `rotated_at`) keeps detecting reuse during a rolling upgrade, and the mark outlives a
            // successor that is purged before its parent.
            dialectStatements: [
                "sqlite": [
                    """
                    CREATE TRIGGER refresh_tokens_mark_parent AFTER INSERT ON refresh_tokens
                    WHEN NEW.parent_hash IS NOT NULL
                    BEGIN
                        UPDATE refresh_tokens SET rotated_at = NEW.issued_at
                        WHERE token_hash = NEW.parent_hash AND rotated_at IS NULL;
                    END
                    """
                ],
                "postgresql": [
                    """
                    CREATE FUNCTION refresh_tokens_mark_parent() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        UPDATE refresh_tokens SET rotated_at = NEW.issued_at
                        WHERE token_hash = NEW.parent_hash AND rotated_at IS NULL;
                        RETURN NULL;
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER refresh_tokens_mark_parent AFTER INSERT ON refresh_tokens
                    FOR EACH ROW WHEN (NEW.parent_hash IS NOT NULL) EXECUTE FUNCTION refresh_tokens_mark_parent()
                    """,
                ],
            ]),
        Migration(
            version: 19, name: "indexes for the purge",
            // The purge deletes by these columns in batches; without an index each batch of the record tables
            // (kept 180 days, the largest tables) would scan the table. IF NOT EXISTS: on a large PostgreSQL
            // database an operator can build them first with CREATE INDEX CONCURRENTLY (operator guide).
            statements: [
                "CREATE INDEX IF NOT EXISTS login_attempts_at ON login_attempts (at)",
                "CREATE INDEX IF NOT EXISTS app_sign_ins_at ON app_sign_ins (at)",
                "CREATE INDEX IF NOT EXISTS account_events_at ON account_events (at)",
                "CREATE INDEX IF NOT EXISTS revoked_access_tokens_expiry ON revoked_access_tokens (expires_at)",
                "CREATE INDEX IF NOT EXISTS client_assertions_expiry ON client_assertions (expires_at)",
                "CREATE INDEX IF NOT EXISTS verification_codes_expiry ON verification_codes (expires_at)",
                "CREATE INDEX IF NOT EXISTS outgoing_messages_finished ON outgoing_messages (finished_at)",
            ]),
        Migration(
            version: 20, name: "refresh tokens by grant",
            // The purge's grants rule asks, for each old grant, whether a refresh token still keeps it; revoking
            // a grant's tokens looks them up the same way.
            statements: ["CREATE INDEX IF NOT EXISTS refresh_tokens_grant ON refresh_tokens (grant_id)"]),
    ]
}
