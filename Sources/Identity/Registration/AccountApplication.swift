import OIDC

/// The checks and the final step of an account application: matching the registry, the uniqueness rules (one
/// active account per registry record, at most two accounts per mobile number, unique account names), and
/// creating the account.
public struct AccountApplication: Sendable {
    public enum Problem: Error, Sendable, Equatable {
        case noRegistryMatch
        case alreadyHasAccount
        case rule(AccountRules.Violation)
        case usernameTaken
        case mobileLimit
    }

    let accounts: any AccountStore
    let lookup: any AccountLookup
    let registry: any RegistryStore
    let directory: SchoolDirectory
    let clock: Clock

    public init(
        accounts: any AccountStore, lookup: any AccountLookup, registry: any RegistryStore, directory: SchoolDirectory,
        clock: Clock
    ) {
        self.accounts = accounts
        self.lookup = lookup
        self.registry = registry
        self.directory = directory
        self.clock = clock
    }

    /// Step 4-2: the newest registry record for this ID, if it is at the chosen school and the name matches.
    public func match(name: String, nationalID: String, school: SchoolKey) async throws -> Result<RegistryRecord, Problem> {
        let id = nationalID.trimmingSpaces().uppercased()
        guard NationalID.isValid(id),
            let record = try await registry.registryRecords(nationalID: id).first,
            record.school == school, record.name == name.trimmingSpaces(), record.status == .enrolled
        else { return .failure(.noRegistryMatch) }
        if try await lookup.activeAccountExists(nationalID: id) { return .failure(.alreadyHasAccount) }
        return .success(record)
    }

    /// Step 4-1: the county vouched for the student (its national ID); the newest registry record for it, if it is
    /// at the chosen school and the student is enrolled.
    public func match(countyNationalID nationalID: String, school: SchoolKey) async throws -> Result<RegistryRecord, Problem> {
        let id = nationalID.trimmingSpaces().uppercased()
        guard NationalID.isValid(id), let record = try await registry.registryRecords(nationalID: id).first,
            record.school == school, record.status == .enrolled
        else { return .failure(.noRegistryMatch) }
        if try await lookup.activeAccountExists(nationalID: id) { return .failure(.alreadyHasAccount) }
        return .success(record)
    }

    /// Step 7: every rule of the manual, plus uniqueness. Returns the problems per field.
    public func check(username: String, password: String, confirmation: String, email: String, mobile: String) async throws
        -> [String: Problem]
    {
        var problems: [String: Problem] = [:]
        if let violation = AccountRules.checkUsername(username) {
            problems["username"] = .rule(violation)
        } else if try await accounts.account(username: username) != nil {
            problems["username"] = .usernameTaken
        }
        if let violation = AccountRules.checkPassword(password) { problems["password"] = .rule(violation) }
        if let violation = AccountRules.checkConfirmation(password, confirmation) { problems["confirmation"] = .rule(violation) }
        if let violation = AccountRules.checkEmail(email) { problems["email"] = .rule(violation) }
        if let violation = AccountRules.checkMobile(mobile) {
            problems["mobile"] = .rule(violation)
        } else if try await lookup.accountCount(mobile: mobile) >= AccountRules.accountsPerMobile {
            problems["mobile"] = .mobileLimit
        }
        return problems
    }

    /// A free account name to offer: the surname-less romanisation is not available, so suggest from the
    /// school code and a random suffix, which is always valid and almost never taken.
    public func suggestUsername() async throws -> String {
        for _ in 0..<10 {
            let candidate = "s" + String(Int.random(in: 10_000_000...99_999_999))
            if try await accounts.account(username: candidate) == nil { return candidate }
        }
        return "s" + Secrets.randomToken(bytes: 8).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(12)
    }

    /// Step 8 → 9: creates the account. Uniqueness is checked again (time has passed since step 7), and the
    /// database enforces it once more, so two applications racing for one registry record cannot both win.
    public func create(_ registration: Registration) async throws -> Result<Account, Problem> {
        guard registration.canShow(.summary), let record = registration.record, let username = registration.username,
            let passwordHash = registration.passwordHash, let consent = registration.consent,
            let school = directory.school(record.school)
        else { return .failure(.noRegistryMatch) }
        if try await lookup.activeAccountExists(nationalID: record.nationalID) { return .failure(.alreadyHasAccount) }
        if try await accounts.account(username: username) != nil { return .failure(.usernameTaken) }
        if let mobile = registration.mobile,
            try await lookup.accountCount(mobile: mobile) >= AccountRules.accountsPerMobile
        {
            return .failure(.mobileLimit)
        }
        let now = clock.now()
        let account = Account(
            id: Secrets.randomToken(bytes: 16), username: username, passwordHash: passwordHash, name: record.name,
            email: registration.email, mobile: registration.mobile, nationalID: record.nationalID,
            school: record.enrolment(schoolName: school.name), title: "學生", personalDataConsent: consent,
            createdAt: now, updatedAt: now)
        do {
            try await accounts.insertAccount(account)
        } catch AccountConflict.usernameTaken {
            return .failure(.usernameTaken)
        } catch AccountConflict.nationalIDHasActiveAccount {
            return .failure(.alreadyHasAccount)
        }
        return .success(account)
    }
}

/// Questions about accounts as a whole, for the uniqueness rules.
public protocol AccountLookup: Sendable {
    func activeAccountExists(nationalID: String) async throws -> Bool
    /// Every account with this national ID, the active one first, then newest first.
    func accounts(nationalID: String) async throws -> [Account]
    func accountCount(mobile: String) async throws -> Int
}
