import Identity
import OIDC
import SQLKit

extension SQLStore: AccountStore {
    public func account(id: String) async throws -> Account? {
        try await accountCache.value(id) {
            try await read { db in
                try await db.raw("SELECT * FROM accounts WHERE id = \(bind: id)").first().map(Self.account(from:))
            }
        }
    }

    public func account(username: String) async throws -> Account? {
        try await read { db in
            try await db.raw("SELECT * FROM accounts WHERE username = \(bind: username)").first().map(Self.account(from:))
        }
    }

    public func insertAccount(_ account: Account) async throws {
        let school = try account.school.map(jsonText)
        try await write { db in
            // ON CONFLICT DO NOTHING covers every unique rule (the username, and one active account per national
            // ID) in both SQLite and PostgreSQL; which rule it was is looked up only when nothing was inserted.
            let inserted = try await db.raw(
                """
                INSERT INTO accounts (id, username, password_hash, name, email, email_verified, mobile, mobile_verified,
                                      national_id, school, title, status, consent_text_version, consented_at,
                                      created_at, updated_at)
                VALUES (\(bind: account.id), \(bind: account.username), \(bind: account.passwordHash), \(bind: account.name),
                        \(bind: account.email), \(bind: account.emailVerified ? 1 : 0), \(bind: account.mobile),
                        \(bind: account.mobileVerified ? 1 : 0), \(bind: account.nationalID), \(bind: school), \(bind: account.title),
                        \(bind: account.status.rawValue), \(bind: account.personalDataConsent?.textVersion),
                        \(bind: account.personalDataConsent?.at), \(bind: account.createdAt), \(bind: account.updatedAt))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).first() != nil
            if !inserted {
                let taken = try await db.raw("SELECT 1 AS hit FROM accounts WHERE username = \(bind: account.username)").first()
                throw taken != nil ? AccountConflict.usernameTaken : AccountConflict.nationalIDHasActiveAccount
            }
        }
    }

    public func updateAccount(_ account: Account) async throws {
        let school = try account.school.map(jsonText)
        // The status is not written here (see setAccountStatus): a slow caller holding an old copy, such as a
        // sign-in re-hashing the password, must never switch a just-disabled account back on.
        let updated = try await write { db in
            try await db.raw(
                """
                UPDATE accounts SET name = \(bind: account.name),
                    email = \(bind: account.email), email_verified = \(bind: account.emailVerified ? 1 : 0),
                    mobile = \(bind: account.mobile), mobile_verified = \(bind: account.mobileVerified ? 1 : 0),
                    national_id = \(bind: account.nationalID), school = \(bind: school),
                    title = \(bind: account.title), updated_at = \(bind: account.updatedAt)
                WHERE id = \(bind: account.id)
                  AND NOT EXISTS (
                      SELECT 1 FROM accounts other WHERE accounts.status = 'active'
                        AND other.national_id = \(bind: account.nationalID) AND other.status = 'active'
                        AND other.id <> \(bind: account.id))
                RETURNING id
                """
            ).first() != nil
        }
        accountCache.remove(account.id)
        if !updated, try await self.account(id: account.id) != nil { throw AccountConflict.nationalIDHasActiveAccount }
    }

    public func rehashPassword(id: String, from oldHash: String, to newHash: String) async throws {
        try await write { db in
            try await db.raw(
                "UPDATE accounts SET password_hash = \(bind: newHash) WHERE id = \(bind: id) AND password_hash = \(bind: oldHash)"
            ).run()
        }
        accountCache.remove(id)
    }

    public func applyRecoveredPassword(
        id: String, hash: String, at: Int64, notChangedSince: Int64, activate: Bool
    ) async throws -> [SignedInApp]? {
        let ended = try await transaction { db -> EndedSessions? in
            let activation: SQLQueryString = activate
                ? """
                    , status = 'active' WHERE id = \(bind: id) AND status = 'disabled' AND self_activation_blocked = 0
                      AND NOT EXISTS (SELECT 1 FROM accounts other WHERE other.national_id = accounts.national_id
                                        AND other.status = 'active' AND other.id <> accounts.id) AND
                    """
                : " WHERE id = \(bind: id) AND status = 'active' AND"
            let updated = try await db.raw(
                """
                UPDATE accounts SET password_hash = \(bind: hash), password_changed_at = \(bind: at), updated_at = \(bind: at)
                \(activation) (password_changed_at IS NULL OR password_changed_at <= \(bind: notChangedSince))
                RETURNING id
                """
            ).first() != nil
            guard updated else { return nil }
            // Nothing that opened the account before the reset may open it after.
            try await db.raw("DELETE FROM default_passwords WHERE account_id = \(bind: id)").run()
            try await db.raw("DELETE FROM verification_codes WHERE account_id = \(bind: id)").run()
            return try await Self.endSessionsAndGrants(db, accountID: id, at: at)
        }
        accountCache.remove(id)
        guard let ended else { return nil }
        for grant in ended.grants { grantCache.remove(grant) }
        return ended.apps
    }

    @discardableResult
    public func setAccountStatus(
        id: String, _ status: Account.Status, at: Int64, blockSelfActivation: Bool
    ) async throws -> [SignedInApp] {
        let ended = try await transaction { db -> EndedSessions in
            switch status {
            case .active:
                let enabled = try await db.raw(
                    """
                    UPDATE accounts SET status = 'active', self_activation_blocked = 0, updated_at = \(bind: at)
                    WHERE id = \(bind: id) AND NOT EXISTS (
                        SELECT 1 FROM accounts other WHERE other.national_id = accounts.national_id
                          AND other.status = 'active' AND other.id <> accounts.id)
                    RETURNING id
                    """
                ).first() != nil
                if !enabled, try await db.raw("SELECT 1 AS hit FROM accounts WHERE id = \(bind: id)").first() != nil {
                    throw AccountConflict.nationalIDHasActiveAccount
                }
                return EndedSessions(grants: [], apps: [])
            case .disabled:
                try await db.raw(
                    """
                    UPDATE accounts SET status = 'disabled',
                        self_activation_blocked = CASE WHEN \(bind: blockSelfActivation ? 1 : 0) = 1 THEN 1 ELSE self_activation_blocked END,
                        updated_at = \(bind: at)
                    WHERE id = \(bind: id)
                    """
                ).run()
                // Nothing issued before may come back when the account is enabled again.
                return try await Self.endSessionsAndGrants(db, accountID: id, at: at)
            }
        }
        accountCache.remove(id)
        for grant in ended.grants { grantCache.remove(grant) }
        return ended.apps
    }

    /// Every account, in creation order, up to `limit` (the mock county directories list theirs).
    public func allAccounts(limit: Int) async throws -> [Account] {
        try await read { db in
            try await db.raw("SELECT * FROM accounts ORDER BY created_at, username LIMIT \(bind: limit)").all().map(Self.account(from:))
        }
    }

    @discardableResult
    public func endSessionsAndGrants(accountID: String, at: Int64) async throws -> [SignedInApp] {
        let ended = try await transaction { db in try await Self.endSessionsAndGrants(db, accountID: accountID, at: at) }
        for grant in ended.grants { grantCache.remove(grant) }
        return ended.apps
    }

    private struct EndedSessions: Sendable {
        /// The revoked grants' ids (for the cache).
        var grants: [String]
        /// The apps signed in to the ended sessions (for back-channel logout).
        var apps: [SignedInApp]
    }

    /// Deletes the account's browser sessions and revokes its grants (their refresh tokens go with them).
    private static func endSessionsAndGrants(_ db: any SQLDatabase, accountID: String, at: Int64) async throws -> EndedSessions {
        try await endSessions(db, accountID: accountID, except: nil, at: at)
    }

    /// Ends the account's browser sessions, all or all but `keptID`, and revokes the grants not made in the kept
    /// session, with their refresh tokens. Unredeemed codes are spent first (all of the account's: one lives a
    /// minute, and the student keeping a session is not redeeming one while changing the account), so that a
    /// code issued just before cannot become a live grant after; on PostgreSQL this waits for a redemption in
    /// flight, whose grant the UPDATE below then sees. The apps to tell are those of the ended sessions: from
    /// the grants this revokes (RETURNING, so a grant committed meanwhile is not missed) and from grants revoked
    /// earlier in those sessions (the app may still hold its own session).
    private static func endSessions(
        _ db: any SQLDatabase, accountID: String, except keptID: String?, at: Int64
    ) async throws -> EndedSessions {
        try await db.raw(
            "UPDATE authorization_codes SET redeemed_at = \(bind: at) WHERE subject = \(bind: accountID) AND redeemed_at IS NULL"
        ).run()
        let notKept: SQLQueryString = keptID.map { " AND id <> \(bind: $0)" } ?? ""
        let notFromKept: SQLQueryString = keptID.map { " AND (session_id IS NULL OR session_id <> \(bind: $0))" } ?? ""
        var apps = Set(
            try await db.raw(
                """
                SELECT DISTINCT session_id, client_id, subject FROM grants
                WHERE revoked_at IS NOT NULL AND session_id IN
                    (SELECT id FROM browser_sessions WHERE account_id = \(bind: accountID)\(notKept))
                """
            ).all().map(Self.signedInApp(from:)))
        let ended = Set(
            try await db.raw("DELETE FROM browser_sessions WHERE account_id = \(bind: accountID)\(notKept) RETURNING id")
                .all().map { try $0.string("id") })
        let revoked = try await db.raw(
            """
            UPDATE grants SET revoked_at = \(bind: at) WHERE subject = \(bind: accountID) AND revoked_at IS NULL\(notFromKept)
            RETURNING id, session_id, client_id, subject
            """
        ).all()
        for row in revoked {
            guard let sessionID = try row.optionalString("session_id"), ended.contains(sessionID) else { continue }
            apps.insert(try Self.signedInApp(from: row))
        }
        try await db.raw(
            """
            DELETE FROM refresh_tokens WHERE grant_id IN
                (SELECT id FROM grants WHERE subject = \(bind: accountID) AND revoked_at IS NOT NULL)
            """
        ).run()
        return EndedSessions(grants: try revoked.map { try $0.string("id") }, apps: Array(apps))
    }

    static func account(from row: any SQLRow) throws -> Account {
        var account = Account(
            id: try row.string("id"), username: try row.string("username"), passwordHash: try row.string("password_hash"),
            name: try row.string("name"), email: try row.optionalString("email"),
            emailVerified: try row.int64("email_verified") != 0, mobile: try row.optionalString("mobile"),
            mobileVerified: try row.int64("mobile_verified") != 0,
            nationalID: try row.optionalString("national_id"),
            school: try row.optionalString("school").map { try JSON.decode(SchoolEnrolment.self, from: Data($0.utf8)) },
            title: try row.string("title"), status: Account.Status(rawValue: try row.string("status")) ?? .disabled,
            personalDataConsent: try row.optionalString("consent_text_version").map {
                PersonalDataConsent(textVersion: $0, at: try row.optionalInt64("consented_at") ?? 0)
            },
            createdAt: try row.int64("created_at"), updatedAt: try row.int64("updated_at"))
        account.passwordChangedAt = try row.optionalInt64("password_changed_at")
        account.selfActivationBlocked = try row.int64("self_activation_blocked") != 0
        return account
    }
}

extension SQLStore: LoginRecordStore {
    public func recordAttempt(_ attempt: LoginAttempt) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO login_attempts (username, account_id, at, ip, method, outcome, user_agent, seq)
                VALUES (\(bind: attempt.username), \(bind: attempt.accountID), \(bind: attempt.at), \(bind: attempt.ip),
                        \(bind: attempt.method), \(bind: attempt.outcome.rawValue), \(bind: attempt.userAgent),
                        \(bind: RecordOrder.next()))
                """
            ).run()
        }
    }

    public func recentFailures(username: String, since: Int64) async throws -> [Int64] {
        try await failures(column: "username", value: username, since: since, resetBySuccess: true)
    }

    public func recentFailures(ip: String, since: Int64) async throws -> [Int64] {
        // An address's failures are not forgiven by a success from it: otherwise one valid account would let a
        // guesser reset the address's count between rounds.
        try await failures(column: "ip", value: ip, since: since, resetBySuccess: false)
    }

    /// Failed password checks since `since` (and, for an account, after its last success). Throttled and locked
    /// attempts are not counted, so waiting out a delay is enough to try again.
    private func failures(column: String, value: String, since: Int64, resetBySuccess: Bool) async throws -> [Int64] {
        try await read { db in
            let key = SQLIdentifier(column)
            let lastSuccess =
                resetBySuccess
                ? try await db.raw(
                    "SELECT MAX(at) AS at FROM login_attempts WHERE \(key) = \(bind: value) AND outcome = 'success' AND at >= \(bind: since)"
                ).first()?.decode(column: "at", as: Int64?.self) ?? (since - 1) : (since - 1)
            return try await db.raw(
                """
                SELECT at FROM login_attempts
                WHERE \(key) = \(bind: value) AND outcome = 'bad_credentials' AND at >= \(bind: since) AND at > \(bind: lastSuccess)
                ORDER BY at DESC LIMIT 100
                """
            ).all().map { try $0.int64("at") }
        }
    }

    public func attempts(accountID: String, limit: Int) async throws -> [LoginAttempt] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM login_attempts WHERE account_id = \(bind: accountID) ORDER BY at DESC, seq DESC LIMIT \(bind: limit)"
            ).all().map { row in
                LoginAttempt(
                    username: try row.string("username"), accountID: try row.optionalString("account_id"),
                    at: try row.int64("at"), ip: try row.string("ip"), method: try row.string("method"),
                    outcome: LoginAttempt.Outcome(rawValue: try row.string("outcome")) ?? .badCredentials,
                    userAgent: try row.string("user_agent"))
            }
        }
    }

    public func recordAppSignIns(_ signIns: [AppSignIn]) async throws {
        guard !signIns.isEmpty else { return }
        try await write { db in
            // One multi-row INSERT: one statement, committed whole.
            var insert = db.insert(into: "app_sign_ins").columns(
                "account_id", "client_id", "at", "ip", "user_agent", "method", "seq")
            for signIn in signIns {
                insert = insert.values(
                    SQLBind(signIn.accountID), SQLBind(signIn.clientID), SQLBind(signIn.at), SQLBind(signIn.ip),
                    SQLBind(signIn.userAgent), SQLBind(signIn.method), SQLBind(RecordOrder.next()))
            }
            try await insert.run()
        }
    }

    public func appSignIns(accountID: String, limit: Int) async throws -> [AppSignIn] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM app_sign_ins WHERE account_id = \(bind: accountID) ORDER BY at DESC, seq DESC LIMIT \(bind: limit)"
            ).all().map { row in
                AppSignIn(
                    accountID: try row.string("account_id"), clientID: try row.string("client_id"), at: try row.int64("at"),
                    ip: try row.string("ip"), userAgent: try row.string("user_agent"), method: try row.string("method"))
            }
        }
    }
}

extension SQLStore: ConsentStore {
    public func consentedScopes(accountID: String, clientID: String) async throws -> Set<String> {
        try await read { db in
            let scopes = try await db.raw(
                "SELECT scopes FROM consents WHERE account_id = \(bind: accountID) AND client_id = \(bind: clientID)"
            ).first()?.string("scopes")
            return Set(scopes.map(Scope.parse) ?? [])
        }
    }

    public func saveConsent(accountID: String, clientID: String, scopes: Set<String>, at: Int64) async throws {
        let text = scopes.sorted().joined(separator: " ")
        try await write { db in
            try await db.raw(
                """
                INSERT INTO consents (account_id, client_id, scopes, granted_at, first_granted_at)
                VALUES (\(bind: accountID), \(bind: clientID), \(bind: text), \(bind: at), \(bind: at))
                ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at
                """
            ).run()
        }
    }
}

extension SQLStore {
    public func consents(accountID: String) async throws -> [Consent] {
        try await read { db in
            var listed = try await db.raw(
                """
                SELECT c.client_id, c.scopes, COALESCE(c.first_granted_at, c.granted_at) AS first_granted_at,
                       (SELECT MAX(s.at) FROM app_sign_ins s WHERE s.account_id = c.account_id AND s.client_id = c.client_id) AS last_used_at
                FROM consents c WHERE c.account_id = \(bind: accountID)
                """
            ).all().map { row in
                Consent(
                    clientID: try row.string("client_id"), scopes: Set(Scope.parse(try row.string("scopes"))),
                    firstGrantedAt: try row.int64("first_granted_at"), lastUsedAt: try row.optionalInt64("last_used_at"))
            }
            // Apps holding live grants without a consent (a first-party app that skips the consent page, or a
            // code saved in the very moment of a revocation): listed too, so that the student can revoke them.
            let consented = Set(listed.map(\.clientID))
            let granted = try await db.raw(
                """
                SELECT g.client_id, MIN(g.created_at) AS first_granted_at, MAX(g.data) AS data,
                       (SELECT MAX(s.at) FROM app_sign_ins s WHERE s.account_id = g.subject AND s.client_id = g.client_id) AS last_used_at
                FROM grants g WHERE g.subject = \(bind: accountID) AND g.revoked_at IS NULL GROUP BY g.client_id, g.subject
                """
            ).all()
            for row in granted where !consented.contains(try row.string("client_id")) {
                let scopes = (try? row.json("data", as: Grant.self).scopes) ?? []
                listed.append(
                    Consent(
                        clientID: try row.string("client_id"), scopes: Set(scopes),
                        firstGrantedAt: try row.int64("first_granted_at"), lastUsedAt: try row.optionalInt64("last_used_at")))
            }
            return listed.sorted { ($0.lastUsedAt ?? $0.firstGrantedAt) > ($1.lastUsedAt ?? $1.firstGrantedAt) }
        }
    }

    public func revokeConsents(accountID: String, clientIDs: [String], at: Int64) async throws -> [String] {
        guard !clientIDs.isEmpty else { return [] }
        let (removed, grants) = try await transaction { db in
            var removed: [String] = []
            var grants: [String] = []
            for clientID in Set(clientIDs) {
                // Codes first: one issued just before (or being redeemed during) this transaction cannot become a
                // live grant afterwards. On PostgreSQL this waits for a redemption in flight, whose grant the
                // UPDATE below then sees.
                try await db.raw(
                    """
                    UPDATE authorization_codes SET redeemed_at = \(bind: at)
                    WHERE subject = \(bind: accountID) AND client_id = \(bind: clientID) AND redeemed_at IS NULL
                    """
                ).run()
                let hadConsent = try await db.raw(
                    "DELETE FROM consents WHERE account_id = \(bind: accountID) AND client_id = \(bind: clientID) RETURNING client_id"
                ).first() != nil
                // Revoked even without a consent row: the student asked that this app lose access.
                let revoked = try await db.raw(
                    """
                    UPDATE grants SET revoked_at = \(bind: at)
                    WHERE subject = \(bind: accountID) AND client_id = \(bind: clientID) AND revoked_at IS NULL RETURNING id
                    """
                ).all().map { try $0.string("id") }
                try await db.raw(
                    """
                    DELETE FROM refresh_tokens WHERE grant_id IN
                        (SELECT id FROM grants WHERE subject = \(bind: accountID) AND client_id = \(bind: clientID))
                    """
                ).run()
                if hadConsent || !revoked.isEmpty { removed.append(clientID) }
                grants += revoked
            }
            return (removed, grants)
        }
        for id in grants { grantCache.remove(id) }
        return removed
    }
}

extension SQLStore: SessionStore {
    public func saveSession(_ session: BrowserSession) async throws {
        let amr = session.amr.joined(separator: " ")
        try await write { db in
            try await db.raw(
                """
                INSERT INTO browser_sessions (id, token_hash, account_id, auth_time, amr, created_at, expires_at, ip, user_agent, idp)
                VALUES (\(bind: session.id), \(bind: session.tokenHash), \(bind: session.accountID), \(bind: session.authTime),
                        \(bind: amr), \(bind: session.createdAt), \(bind: session.expiresAt), \(bind: session.ip), \(bind: session.userAgent),
                        \(bind: session.idp))
                ON CONFLICT (id) DO UPDATE SET auth_time = excluded.auth_time, amr = excluded.amr, expires_at = excluded.expires_at
                """
            ).run()
        }
    }

    public func session(tokenHash: String) async throws -> BrowserSession? {
        try await read { db in
            try await db.raw("SELECT * FROM browser_sessions WHERE token_hash = \(bind: tokenHash)").first().map { row in
                BrowserSession(
                    id: try row.string("id"), tokenHash: try row.string("token_hash"), accountID: try row.string("account_id"),
                    authTime: try row.int64("auth_time"), amr: Scope.parse(try row.string("amr")),
                    createdAt: try row.int64("created_at"), expiresAt: try row.int64("expires_at"), ip: try row.string("ip"),
                    userAgent: try row.string("user_agent"), idp: try row.optionalString("idp"))
            }
        }
    }

    public func deleteSession(id: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM browser_sessions WHERE id = \(bind: id)").run()
        }
    }

    public func endOtherSessions(accountID: String, except keptID: String, at: Int64) async throws -> [SignedInApp] {
        let ended = try await transaction { db in try await Self.endSessions(db, accountID: accountID, except: keptID, at: at) }
        for grant in ended.grants { grantCache.remove(grant) }
        return ended.apps
    }
}

import Foundation

extension SQLStore: AccountEventStore {
    public func recordEvent(_ event: AccountEvent) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO account_events (account_id, at, kind, ip, user_agent, seq)
                VALUES (\(bind: event.accountID), \(bind: event.at), \(bind: event.kind.rawValue), \(bind: event.ip),
                        \(bind: event.userAgent), \(bind: RecordOrder.next()))
                """
            ).run()
        }
    }

    public func eventCount(accountID: String, kind: AccountEvent.Kind, since: Int64, ip: String?) async throws -> Int {
        let fromIP: SQLQueryString = ip.map { " AND ip = \(bind: $0)" } ?? ""
        return try await read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS n FROM account_events
                WHERE account_id = \(bind: accountID) AND kind = \(bind: kind.rawValue) AND at > \(bind: since)\(fromIP)
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func events(accountID: String, limit: Int) async throws -> [AccountEvent] {
        try await read { db in
            try await db.raw(
                "SELECT * FROM account_events WHERE account_id = \(bind: accountID) ORDER BY at DESC, seq DESC LIMIT \(bind: limit)"
            ).all().compactMap { row in
                guard let kind = AccountEvent.Kind(rawValue: try row.string("kind")) else { return nil }
                return AccountEvent(
                    accountID: try row.string("account_id"), at: try row.int64("at"), kind: kind, ip: try row.string("ip"),
                    userAgent: try row.string("user_agent"))
            }
        }
    }
}
