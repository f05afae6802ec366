import Identity
import SQLKit

extension SQLStore: RegistryStore {
    public func importRegistry(_ records: [RegistryRecord], at: Int64) async throws {
        // One transaction: a roster is imported whole or not at all.
        try await transaction { db in
            for record in records {
                try await db.raw(
                    """
                    INSERT INTO registry_records (national_id, academic_year, semester, name, school_code, school_level,
                                                  grade, class_no, seat_no, status, imported_at)
                    VALUES (\(bind: record.nationalID), \(bind: record.academicYear), \(bind: record.semester), \(bind: record.name),
                            \(bind: record.school.code), \(bind: record.school.level.rawValue), \(bind: record.grade),
                            \(bind: record.classNo), \(bind: record.seatNo), \(bind: record.status.rawValue), \(bind: at))
                    ON CONFLICT (national_id, academic_year, semester) DO UPDATE SET
                        name = excluded.name, school_code = excluded.school_code, school_level = excluded.school_level,
                        grade = excluded.grade, class_no = excluded.class_no, seat_no = excluded.seat_no,
                        status = excluded.status, imported_at = excluded.imported_at
                    """
                ).run()
            }
        }
    }

    public func registryRecords(nationalID: String) async throws -> [RegistryRecord] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM registry_records WHERE national_id = \(bind: nationalID.uppercased())
                ORDER BY academic_year DESC, semester DESC
                """
            ).all().compactMap(Self.registryRecord)
        }
    }

    /// The students a school's registry lists now: each ID's newest record, where that record is at this school.
    public func registryRecords(schoolCode: String) async throws -> [RegistryRecord] {
        let rows = try await read { db in
            try await db.raw(
                """
                SELECT r.* FROM registry_records r
                WHERE r.school_code = \(bind: schoolCode) AND NOT EXISTS (
                    SELECT 1 FROM registry_records newer WHERE newer.national_id = r.national_id
                      AND (newer.academic_year > r.academic_year
                           OR (newer.academic_year = r.academic_year AND newer.semester > r.semester)))
                ORDER BY r.grade, r.class_no, r.seat_no
                """
            ).all().compactMap(Self.registryRecord)
        }
        return rows
    }

    private static func registryRecord(_ row: any SQLRow) throws -> RegistryRecord? {
        guard let level = SchoolLevel(rawValue: try row.string("school_level")),
            let status = RegistryRecord.Status(rawValue: try row.string("status"))
        else { return nil }
        return RegistryRecord(
            nationalID: try row.string("national_id"), name: try row.string("name"),
            school: SchoolKey(code: try row.string("school_code"), level: level),
            grade: Int(try row.int64("grade")), classNo: try row.string("class_no"),
            seatNo: Int(try row.int64("seat_no")), academicYear: try row.string("academic_year"),
            semester: try row.string("semester"), status: status)
    }

    public func registryCount() async throws -> Int {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM registry_records").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }
}
