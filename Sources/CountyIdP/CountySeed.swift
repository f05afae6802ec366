import Foundation
import Identity
import OIDC
import Storage

/// Fills a county's account directory from EduSSO's student registry (in development, its generated demo
/// registry), linked by national ID: the same student exists at the county and in the registry, as in real life.
/// Only students without a county account are added, so running it again adds only what is new.
public enum CountySeed {
    public static func seed(
        _ server: CountyServer, registry: SQLStore, password: String, perSchool: Int
    ) async throws -> [Account] {
        let county = server.county
        var passwordHash: String?
        var added: [Account] = []
        for school in server.directory.schools where school.county == county.name {
            let records = try await registry.registryRecords(schoolCode: school.code)
                .filter { $0.status == .enrolled }
                .sorted { ($0.grade, $0.classNo, $0.seatNo) < ($1.grade, $1.classNo, $1.seatNo) }
                .prefix(perSchool)
            for record in records where try await server.store.accounts(nationalID: record.nationalID).isEmpty {
                if passwordHash == nil { passwordHash = try await server.hasher.hash(password) }
                let account = Self.account(for: record, school: school, county: county, passwordHash: passwordHash ?? "")
                do {
                    try await server.store.insertAccount(account)
                    added.append(account)
                } catch is AccountConflict {
                    continue  // an account name two students would share: the second is left out
                }
            }
        }
        return added
    }

    /// The county account of a registry record: Kaohsiung-style counties name it after the seat (school, grade,
    /// class, seat), the others give an opaque name.
    static func account(
        for record: RegistryRecord, school: School, county: CountiesConfig.County, passwordHash: String
    ) -> Account {
        let seat = record.seatNo < 10 ? "0\(record.seatNo)" : String(record.seatNo)
        let username =
            switch county.style {
            case .seat: "\(school.code)\(record.grade)\(record.classNo)\(seat)"
            case .classic: county.code + String(Secrets.hash(record.nationalID).filter(\.isNumber).prefix(6))
            }
        let now = Clock.system.now()
        return Account(
            id: Secrets.randomToken(bytes: 16), username: username, passwordHash: passwordHash, name: record.name,
            nationalID: record.nationalID,
            school: SchoolEnrolment(
                schoolID: school.code, schoolName: school.name, grade: String(record.grade), classNo: record.classNo,
                classTitle: "\(record.grade)年\(record.classNo)班", seatNo: String(record.seatNo),
                academicYear: record.academicYear, semester: record.semester),
            createdAt: now, updatedAt: now)
    }
}
