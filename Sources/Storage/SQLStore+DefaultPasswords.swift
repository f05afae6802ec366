import Identity
import OIDC
import SQLKit

extension SQLStore: DefaultPasswordStore {
    public func saveDefaultPassword(_ password: DefaultPassword) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO default_passwords (account_id, password_hash, created_at, expires_at)
                VALUES (\(bind: password.accountID), \(bind: password.passwordHash), \(bind: password.createdAt),
                        \(bind: password.expiresAt))
                ON CONFLICT (account_id) DO UPDATE SET password_hash = excluded.password_hash,
                    created_at = excluded.created_at, expires_at = excluded.expires_at
                """
            ).run()
        }
    }

    public func consumeDefaultPassword(accountID: String, passwordHash: String, now: Int64) async throws -> Bool {
        // One DELETE decides: of several concurrent right answers exactly one gets the row. The hash is compared
        // by the database; it is a keyed hash of a random password, so its timing reveals nothing useful.
        try await write { db in
            try await db.raw(
                """
                DELETE FROM default_passwords
                WHERE account_id = \(bind: accountID) AND password_hash = \(bind: passwordHash) AND expires_at > \(bind: now)
                RETURNING account_id
                """
            ).first() != nil
        }
    }

    public func accountsForDefaultPasswords(schoolCode: String, classNo: String?, nationalID: String?) async throws
        -> [(Account, RegistryRecord)]
    {
        let records = try await registryRecords(schoolCode: schoolCode).filter { record in
            (classNo == nil || record.classNo == classNo) && (nationalID == nil || record.nationalID == nationalID?.uppercased())
        }
        // One query for every account of the school's students (not one per student): the active one per ID first.
        let accounts = try await read { db in
            try await db.raw(
                """
                SELECT * FROM accounts WHERE national_id IN (
                    SELECT national_id FROM registry_records WHERE school_code = \(bind: schoolCode))
                ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, created_at DESC
                """
            ).all().map(Self.account(from:))
        }
        var byID: [String: Account] = [:]
        for account in accounts {
            if let id = account.nationalID, byID[id] == nil { byID[id] = account }
        }
        return records.compactMap { record in byID[record.nationalID].map { ($0, record) } }
    }
}
