import Logging
import Foundation
import Identity
import OIDC

/// Development mode's ready-made demo app and demo student, created on first run. Their credentials are kept in
/// `data/demo-credentials.json` (runtime state, never committed) and printed at every start.
public struct DemoSeed: Codable, Sendable {
    public var clientID: String
    public var clientSecret: String
    public var username: String
    public var password: String
    /// This installation's seed for the generated registry and the demo student's ID number (random on first run).
    public var registrySeed: UInt64?

    public static let clientID = "edu-sso-demo"
    public static let username = "demo.student"

    static func path(dataDir: String) -> String { dataDir + "/demo-credentials.json" }

    /// The demo student's own registry record (市立惠來國小, 六年四班, seat 12), with an ID number drawn from the
    /// installation's seed.
    static func demoStudentRecord(seed: UInt64) -> RegistryRecord {
        RegistryRecord(
            nationalID: NationalID.make(letter: "B", sexDigit: 1, serial: Int(seed % 10_000_000)), name: "王小明",
            school: SchoolKey(code: "193662", level: .elementary), grade: 6, classNo: "04", seatNo: 12,
            academicYear: "114", semester: "1", status: .enrolled)
    }

    /// Development's registry: the demo student plus 500 generated students spread over real schools.
    static func demoRegistry(directory: SchoolDirectory, seed: UInt64) -> [RegistryRecord] {
        let student = demoStudentRecord(seed: seed)
        return [student]
            + DemoRegistry.generate(count: 500, directory: directory, seed: seed).filter { $0.nationalID != student.nationalID }
    }

    public static func load(dataDir: String) -> DemoSeed? {
        guard let data = FileManager.default.contents(atPath: path(dataDir: dataDir)) else { return nil }
        return try? JSON.decode(DemoSeed.self, from: data)
    }

    /// Creates whatever part of the demo is missing and returns the credentials.
    static func ensure(config: AppConfig, store: any ServiceStore, hasher: PasswordHasher, clock: OIDC.Clock) async throws -> DemoSeed {
        var seed = load(dataDir: config.dataDir)
            ?? DemoSeed(
                clientID: clientID, clientSecret: Secrets.randomToken(), username: username,
                password: "Demo" + String(Secrets.randomToken(bytes: 6).filter(\.isLetter).prefix(4)) + String(Int.random(in: 1000...9999)))
        let registrySeed = seed.registrySeed ?? UInt64.random(in: .min ... .max)
        seed.registrySeed = registrySeed
        let demoStudent = demoStudentRecord(seed: registrySeed)
        let now = clock.now()
        if try await store.client(id: seed.clientID) == nil {
            var client = Client(
                id: seed.clientID, name: "EduSSO 示範應用服務", secretHash: Secrets.hash(seed.clientSecret),
                redirectURIs: [config.issuer + "/demo/callback"], postLogoutRedirectURIs: [config.issuer + "/demo"],
                allowedScopes: Scope.defaultAllowed, kind: .confidential, authMethod: .clientSecretBasic,
                requirePKCE: true, skipConsent: false, createdAt: now)
            // Listed in the 介接應用服務 portal, so that a newcomer sees the portal filled in.
            client.listing = Client.Listing(
                listed: true, description: "示範如何以教育雲端帳號登入的應用服務", category: "示範", url: config.issuer + "/demo")
            try await store.saveClient(client)
        }
        if try await store.account(username: seed.username) == nil {
            try await store.insertAccount(
                Account(
                    id: Secrets.randomToken(bytes: 16), username: seed.username,
                    passwordHash: try await hasher.hash(seed.password), name: "王小明", email: "demo.parent@example.com",
                    mobile: "0912345678", nationalID: demoStudent.nationalID,
                    school: demoStudent.enrolment(schoolName: "市立惠來國小"),
                    createdAt: now, updatedAt: now))
        } else if let account = try await store.account(username: seed.username),
            await !hasher.verify(seed.password, against: account.passwordHash)
        {
            // The credentials file was lost or edited: reset the demo password so what is printed works.
            try await store.rehashPassword(id: account.id, from: account.passwordHash, to: try await hasher.hash(seed.password))
        }
        if try await store.registryCount() == 0 {
            try await store.importRegistry(
                demoRegistry(directory: try SchoolDirectory.current(dataDir: config.dataDir), seed: registrySeed), at: now)
        }
        try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(
            atPath: path(dataDir: config.dataDir), contents: try JSON.encode(seed), attributes: [.posixPermissions: 0o600])
        seed.clientID = clientID
        return seed
    }
}
