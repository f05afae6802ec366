import ArgumentParser
import CountyIdP
import Foundation
import Hummingbird
import Identity
import Logging
import OIDC
import ServiceLifecycle
import UnixSignals
import Storage

/// `county-idp`: the mock county OpenID providers (縣市帳號) for development and tests.
@main
struct CountyIdPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county-idp",
        abstract: "Mock county OpenID providers (縣市帳號) for development and tests. Loopback only.",
        subcommands: [Serve.self, Accounts.self, AccountCommand.self],
        defaultSubcommand: Serve.self)
}

struct ConfigOption: ParsableArguments {
    @Option(help: "The counties' configuration.") var config = "config/counties.yaml"
}

/// Opens one county's server for a CLI command and closes it afterwards.
func withCounty<T>(_ options: ConfigOption, _ code: String, _ body: (CountiesConfig, CountyServer) async throws -> T)
    async throws -> T
{
    let config = try CountiesConfig.load(options.config)
    var logger = Logger(label: "county-idp")
    logger.logLevel = .warning
    let server = try await CountyServer.open(config, county: try config.county(code), logger: logger)
    do {
        let result = try await body(config, server)
        try await server.store.shutdown()
        return result
    } catch {
        try? await server.store.shutdown()
        throw error
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run every configured county, each on its own port.")
    @OptionGroup var options: ConfigOption
    @Option(help: "Run only these counties (repeatable).") var county: [String] = []

    func run() async throws {
        let config = try CountiesConfig.load(options.config)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "county-idp")
        var services: [any Service] = []
        var servers: [CountyServer] = []
        // Every opened store is shut down however this ends (a port in use, a failed open): a pool dropped without
        // shutdown traps instead of reporting the error.
        do {
            for county in config.counties where county.isSelected(by: self.county) {
                let server = try await CountyServer.open(config, county: county, logger: logger)
                servers.append(server)
                services.append(server.application(host: config.host))
                print("county-idp: \(county.name) (\(county.code)) at \(config.issuer(of: county))")
            }
            services.append(RegistrySync(config: config, servers: servers, logger: logger))
            try await ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            ).run()
        } catch {
            for server in servers { try? await server.store.shutdown() }
            throw error
        }
        for server in servers { try? await server.store.shutdown() }
    }
}

extension CountiesConfig.County {
    func isSelected(by codes: [String]) -> Bool { codes.isEmpty || codes.contains(code) }
}

/// Seeds the counties from EduSSO's registry at start and then every 15 seconds (EduSSO may create its demo
/// registry after the counties started).
struct RegistrySync: Service {
    let config: CountiesConfig
    let servers: [CountyServer]
    let logger: Logger

    func run() async throws {
        guard let location = config.registryDatabase else { return }
        // A database URL (postgres://…, sqlite:…) or the path of EduSSO's SQLite file, which may not exist yet.
        let isURL = location.contains(":")
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if isURL || FileManager.default.fileExists(atPath: location) {
                do {
                    let registry = try SQLStore.open(url: isURL ? location : "sqlite:" + location, logger: logger)
                    // The pool is shut down on every path: EduSSO may still be migrating the file, so a failed
                    // seed is routine, and a pool dropped without shutdown ends the process.
                    do {
                        try await seedEveryCounty(from: registry)
                    } catch {
                        logger.warning("registry sync failed: \(type(of: error))")
                    }
                    try await registry.shutdown()
                } catch {
                    logger.warning("registry sync failed: \(type(of: error))")
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(15)) }
        }
    }

    private func seedEveryCounty(from registry: SQLStore) async throws {
        for server in servers {
            let added = try await CountySeed.seed(
                server, registry: registry, password: config.seedPassword, perSchool: config.seedPerSchool)
            if !added.isEmpty { logger.info("seeded \(added.count) accounts at \(server.county.code)") }
        }
    }
}

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a county's accounts with their development passwords.")
    @OptionGroup var options: ConfigOption
    @Option(help: "County code (e.g. kh).") var county: String

    func run() async throws {
        try await withCounty(options, county) { config, server in
            let accounts = try await server.store.allAccounts(limit: 100_000)
            if accounts.isEmpty { print("No accounts yet (they are seeded from EduSSO's registry while county-idp serves).") }
            for account in accounts {
                let school = account.school.map { "\($0.schoolName) \($0.grade)年\($0.classNo)班 \($0.seatNo)號" } ?? ""
                print("\(account.username)\t\(config.seedPassword)\t\(account.name)\t\(school)\t\(account.status.rawValue)")
            }
            print("(Seeded accounts have the password \(config.seedPassword); accounts added with `account add` have their own.)")
        }
    }
}

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Add or disable a county account.", subcommands: [Add.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a county account for a known registry record.")
        @OptionGroup var options: ConfigOption
        @Option var county: String
        @Option var username: String
        @Option var password: String
        @Option(name: .customLong("national-id")) var nationalID: String
        @Option var name: String = "縣市學生"
        @Option(name: .customLong("school-id")) var schoolID: String = ""
        @Option var grade: String = ""
        @Option(name: .customLong("class-no")) var classNo: String = ""
        @Option(name: .customLong("seat-no")) var seatNo: String = ""

        func run() async throws {
            try await withCounty(options, county) { _, server in
                let now = Clock.system.now()
                let school = try SchoolDirectory.bundled().schools.first { $0.code == schoolID }
                try await server.store.insertAccount(
                    Account(
                        id: Secrets.randomToken(bytes: 16), username: username.lowercased(),
                        passwordHash: try await PasswordHasher(parameters: .init(memoryKiB: 8 * 1024, iterations: 1, parallelism: 1))
                            .hash(password),
                        name: name, nationalID: nationalID.uppercased(),
                        school: schoolID.isEmpty
                            ? nil
                            : SchoolEnrolment(
                                schoolID: schoolID, schoolName: school?.name ?? "", grade: grade, classNo: classNo,
                                classTitle: grade.isEmpty ? "" : "\(grade)年\(classNo)班", seatNo: seatNo, academicYear: "114",
                                semester: "1"),
                        createdAt: now, updatedAt: now))
                print("Added \(username) at \(county).")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a county account (its sign-in is refused).")
        @OptionGroup var options: ConfigOption
        @Option var county: String
        @Argument var username: String

        func run() async throws {
            try await withCounty(options, county) { _, server in
                guard let account = try await server.store.account(username: username.lowercased()) else {
                    throw ValidationError("No account '\(username)' at \(county).")
                }
                try await server.store.setAccountStatus(id: account.id, .disabled, at: Clock.system.now())
                print("Disabled \(username) at \(county).")
            }
        }
    }
}
