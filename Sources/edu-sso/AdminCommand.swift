import ArgumentParser
import Foundation
import Identity
import OIDC
import Storage
import Web

/// The school data-management platform's side of 忘記密碼 way 4 (manual 陸.4).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "School administration: one-time default passwords.",
        subcommands: [DefaultPasswordCommand.self])
}

/// `edu-sso admin default-password --school CODE [--class NO | --student ID]`: a one-time default password for
/// each student of the school (class, or one student) the registry lists and who has an account. Prints a CSV
/// (or writes it, mode 0600) for the school to hand out; only keyed hashes are stored, each works once, and it
/// expires. A new default password replaces the student's earlier one.
struct DefaultPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default-password", abstract: "Issue one-time default passwords for a school's students (CSV).")
    @OptionGroup var options: ConfigOptions
    @Option(help: "School code (學校代碼).") var school: String
    @Option(name: .customLong("class"), help: "Only this class number, e.g. 04.") var classNo: String?
    @Option(name: .customLong("student"), help: "Only this student (national or residence ID).") var student: String?
    @Option(name: .customLong("expires-days"), help: "Days until the passwords expire.") var expiresDays = 14
    @Option(help: "Write the CSV to this file (mode 0600) instead of printing it.") var output: String?

    func validate() throws {
        if classNo != nil && student != nil { throw ValidationError("Give --class or --student, not both.") }
        if let student, !NationalID.isValid(student.uppercased()) { throw ValidationError("--student fails the ID checksum.") }
        guard (1...90).contains(expiresDays) else { throw ValidationError("--expires-days must be between 1 and 90.") }
    }

    func run() async throws {
        try await withStore(options) { config, store in
            // The servers' own code-secret: passwords hashed under another would never verify.
            try await checkSecretsAgainstCluster(config, store: store, now: Clock.system.now(), user: .command)
            let key = try ServerSecret.existing("code-secret", directory: config.keysDir)
            let pairs = try await store.accountsForDefaultPasswords(schoolCode: school, classNo: classNo, nationalID: student)
            guard !pairs.isEmpty else {
                throw ValidationError("No student of school \(school) with an education cloud account matches.")
            }
            let now = Clock.system.now()
            let expires = now + Int64(expiresDays) * 86400
            var lines = ["學校代碼,班級,座號,姓名,教育雲端帳號,預設密碼,有效期限"]
            for (account, record) in pairs {
                let password = AccountRecovery.makeDefaultPassword()
                try await store.saveDefaultPassword(
                    DefaultPassword(
                        accountID: account.id,
                        passwordHash: AccountRecovery.defaultPasswordHash(password, accountID: account.id, key: key),
                        createdAt: now, expiresAt: expires))
                try await store.recordEvent(
                    AccountEvent(accountID: account.id, at: now, kind: .defaultPasswordIssued, ip: "cli", userAgent: "edu-sso admin"))
                lines.append(
                    [record.school.code, record.classTitle, String(record.seatNo), record.name, account.address, password,
                     TaipeiTime.string(expires)]
                        .map(Self.csvField).joined(separator: ","))
            }
            let csv = lines.joined(separator: "\n") + "\n"
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(csv.utf8), attributes: [.posixPermissions: 0o600])
                else { throw ValidationError("Cannot write \(output).") }
                print("Wrote \(pairs.count) default passwords to \(output); they expire in \(expiresDays) days.")
            } else {
                print(csv, terminator: "")
            }
        }
    }

    static func csvField(_ value: String) -> String {
        value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}
