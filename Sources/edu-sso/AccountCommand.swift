import ArgumentParser
import Foundation
import Identity
import Logging
import Notify
import OIDC
import Storage
import Web

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Create and manage student accounts (for operators and tests).",
        subcommands: [Add.self, Show.self, Disable.self, Enable.self, RemoveTwoFactor.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Account name (the part before @mail.edu.tw).") var username: String
        @Option(help: "Password (read from EDU_SSO_NEW_PASSWORD when omitted).") var password: String?
        @Option(help: "Full name.") var name: String
        @Option(help: "Backup e-mail.") var email: String?
        @Option(help: "Mobile number (09xxxxxxxx).") var mobile: String?
        @Option(name: .customLong("national-id"), help: "National or residence ID.") var nationalID: String?
        @Option(name: .customLong("school-id"), help: "School code.") var schoolID: String?
        @Option(name: .customLong("school-name"), help: "School name.") var schoolName: String = ""
        @Option(help: "Grade.") var grade: String = ""
        @Option(name: .customLong("class-no"), help: "Class number, e.g. 04.") var classNo: String = ""
        @Option(name: .customLong("class-title"), help: "Class title, e.g. 六年四班.") var classTitle: String = ""
        @Option(name: .customLong("seat-no"), help: "Seat number.") var seatNo: String = ""
        @Option(help: "Academic year (民國), e.g. 114.") var year: String = ""
        @Option(help: "Semester, 1 or 2.") var semester: String = ""
        @Option(help: "學生 or 教師.") var title: String = "學生"

        func validate() throws {
            guard username.range(of: "^[a-z][a-z0-9_.]{5,19}$", options: .regularExpression) != nil else {
                throw ValidationError("--username must be 6–20 of a–z, 0–9, '_' and '.', starting with a letter.")
            }
            if let nationalID, !NationalID.isValid(nationalID) {
                throw ValidationError("--national-id fails the checksum.")
            }
            if let mobile, mobile.range(of: "^09[0-9]{8}$", options: .regularExpression) == nil {
                throw ValidationError("--mobile must be 09 followed by 8 digits.")
            }
        }

        func run() async throws {
            guard let password = password ?? ProcessInfo.processInfo.environment["EDU_SSO_NEW_PASSWORD"], password.count >= 8 else {
                throw ValidationError("Give a password of at least 8 characters (--password or EDU_SSO_NEW_PASSWORD).")
            }
            try await withStore(options) { config, store in
                let hasher = PasswordHasher(parameters: config.passwordHashing)
                let now = Clock.system.now()
                let school = schoolID.map {
                    SchoolEnrolment(
                        schoolID: $0, schoolName: schoolName, grade: grade, classNo: classNo, classTitle: classTitle,
                        seatNo: seatNo, academicYear: year, semester: semester)
                }
                let account = Account(
                    id: Secrets.randomToken(bytes: 16), username: username, passwordHash: try await hasher.hash(password),
                    name: name, email: email, mobile: mobile, nationalID: nationalID?.uppercased(), school: school,
                    title: title, createdAt: now, updatedAt: now)
                do {
                    try await store.insertAccount(account)
                } catch AccountConflict.usernameTaken {
                    throw ValidationError("The account name '\(username)' is taken.")
                } catch AccountConflict.nationalIDHasActiveAccount {
                    throw ValidationError("That national ID already has an active account.")
                }
                print("Created \(account.address) (sub \(account.id)).")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account (national ID masked).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Account name.") var username: String

        func run() async throws {
            try await withStore(options) { _, store in
                let account = try await existingAccount(store, username)
                print("account:   \(account.address)")
                print("sub:       \(account.id)")
                print("name:      \(account.name)")
                print("status:    \(account.status.rawValue)")
                print("email:     \(account.email ?? "-")")
                print("mobile:    \(account.mobile ?? "-")")
                print("national:  \(account.nationalID.map(NationalID.masked) ?? "-")")
                if let school = account.school {
                    print("school:    \(school.schoolID) \(school.schoolName) \(school.classTitle) 座號 \(school.seatNo)")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: its sessions end, its tokens are revoked, and it can no longer sign in.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Account name.") var username: String
        @Flag(
            name: .customLong("block-self-activation"),
            help: "The student may not re-activate it with 啟用帳號 (a compromised account); only `account enable` can.")
        var blockSelfActivation = false
        func run() async throws { try await setStatus(options, username, .disabled, blockSelfActivation: blockSelfActivation) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Account name.") var username: String
        func run() async throws { try await setStatus(options, username, .active) }
    }

    struct RemoveTwoFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-2fa",
            abstract: "Remove a student's authenticator binding and recovery codes (phone and codes lost; verify who is asking first).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Account name.") var username: String

        func run() async throws {
            try await withStore(options) { _, store in
                let account = try await existingAccount(store, username)
                guard try await store.twoFactor(accountID: account.id) != nil else {
                    print("\(account.address) has no authenticator bound.")
                    return
                }
                try await store.removeTwoFactor(accountID: account.id)
                try await store.recordEvent(
                    AccountEvent(
                        accountID: account.id, at: Clock.system.now(), kind: .twoFactorRemoved, ip: "operator",
                        userAgent: "edu-sso account remove-2fa"))
                print("\(account.address): authenticator binding and recovery codes removed; sign-in needs the password only.")
            }
        }
    }
}

/// The account named `username` (as the student would type it), or a clear error.
private func existingAccount(_ store: SQLStore, _ username: String) async throws -> Account {
    guard let account = try await store.account(username: Account.normalizeUsername(username)) else {
        throw ValidationError("No account '\(username)'.")
    }
    return account
}

private func setStatus(
    _ options: ConfigOptions, _ username: String, _ status: Account.Status, blockSelfActivation: Bool = false
) async throws {
    try await withStore(options) { config, store in
        let account = try await existingAccount(store, username)
        // Prepared before the account changes, so that a keys folder that is not the servers' refuses the
        // command instead of ending sessions whose apps are then never told.
        let notices = status == .disabled ? try await logoutNoticeQueue(config, store: store) : nil
        let signedOut: [SignedInApp]
        do {
            signedOut = try await store.setAccountStatus(
                id: account.id, status, at: Clock.system.now(), blockSelfActivation: blockSelfActivation)
        } catch AccountConflict.nationalIDHasActiveAccount {
            throw ValidationError("Another active account has the same national ID; disable that one first.")
        }
        guard status == .disabled else {
            print("\(account.address) is now active.")
            return
        }
        print("\(account.address) is now disabled; its sessions ended and its tokens were revoked.")
        guard !signedOut.isEmpty else { return }
        guard let notices else {
            // Only reachable if a session exists although no server ever recorded its secrets.
            print("No back-channel logout was queued (no server has run on this database); apps not told: \(Set(signedOut.map(\.clientID)).sorted().joined(separator: ", ")).")
            return
        }
        var logger = Logger(label: "edu-sso")
        logger.logLevel = .warning
        let result = await BackchannelLogout.queue(signedOut, clients: store, notifier: notices, logger: logger)
        print("\(result.queued) back-channel logout notice(s) queued; a serving node signs and delivers them.")
        if !result.notQueued.isEmpty {
            print("Not queued (the apps are not told): \(result.notQueued.joined(separator: ", ")).")
        }
    }
}

/// The queue back-channel logout notices go to: it seals them with `message-secret`, which must be the servers'.
/// Nil when no server has started on this database (it records the secrets), so no session exists to end.
private func logoutNoticeQueue(_ config: AppConfig, store: SQLStore) async throws -> MessageQueue? {
    let now = Clock.system.now()
    guard try await store.clusterFingerprints(proposing: [:], now: now)["message-secret"] != nil else { return nil }
    try await checkSecretsAgainstCluster(config, store: store, now: now, user: .command, names: ["message-secret"])
    return MessageQueue(
        store: store, secret: try ServerSecret.existing("message-secret", directory: config.keysDir),
        now: { Clock.system.now() })
}
