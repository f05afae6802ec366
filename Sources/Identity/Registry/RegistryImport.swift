import CSV
import Foundation

/// Reads a school's roster (CSV) into registry records, checking every row. A file with any bad row yields no
/// records at all, and every problem is reported with its line number, so that nothing partial is committed.
///
/// Columns (header row required, any order): `national_id,name,school_code,school_level,grade,class_no,seat_no,
/// academic_year,semester,status`. `school_level` is one of 國小 國中 高中 高職 進修學校 大專校院; `status` one of
/// 在學 休學 轉出 畢業.
public struct RegistryImport: Sendable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public enum Outcome: Sendable {
        case records([RegistryRecord])
        case problems([Problem])
    }

    static let columns = [
        "national_id", "name", "school_code", "school_level", "grade", "class_no", "seat_no", "academic_year", "semester",
        "status",
    ]

    let directory: SchoolDirectory

    public init(directory: SchoolDirectory) {
        self.directory = directory
    }

    public func read(csv text: String) -> Outcome {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            return .problems([Problem(line: 1, message: "not a CSV file")])
        }
        let header = reader.headerRow ?? []
        let missing = Self.columns.filter { !header.contains($0) }
        guard missing.isEmpty else {
            return .problems([Problem(line: 1, message: "missing columns: \(missing.joined(separator: ", "))")])
        }
        let index = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        var records: [RegistryRecord] = []
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        var line = 1
        while let row = reader.next() {
            line += 1
            if row.allSatisfy(\.isEmpty) { continue }
            guard row.count == header.count else {
                problems.append(Problem(line: line, message: "expected \(header.count) fields, found \(row.count)"))
                continue
            }
            let field = { (name: String) in row[index[name]!] }
            switch parse(field) {
            case .success(let record):
                let term = "\(record.nationalID)/\(record.academicYear)/\(record.semester)"
                if let first = seen[term] {
                    problems.append(Problem(line: line, message: "same student and term as line \(first)"))
                } else {
                    seen[term] = line
                    records.append(record)
                }
            case .failure(let message):
                problems.append(Problem(line: line, message: message.text))
            }
        }
        if !problems.isEmpty { return .problems(problems) }
        if records.isEmpty { return .problems([Problem(line: line, message: "no records")]) }
        return .records(records)
    }

    struct Message: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// Row-level checks. Problems never quote the national ID: import output ends up in terminals and logs.
    private func parse(_ field: (String) -> String) -> Result<RegistryRecord, Message> {
        let nationalID = field("national_id").uppercased()
        guard NationalID.isValid(nationalID) else { return .failure(Message("national_id fails the checksum")) }
        let name = field("name")
        guard !name.isEmpty, name.count <= 50 else { return .failure(Message("name must be 1–50 characters")) }
        guard let level = SchoolLevel(rawValue: field("school_level")) else {
            return .failure(Message("school_level must be one of \(SchoolLevel.allCases.map(\.rawValue).joined(separator: " "))"))
        }
        let key = SchoolKey(code: field("school_code"), level: level)
        guard directory.school(key) != nil else {
            return .failure(Message("no \(level.rawValue) with code \(key.code) in the school directory"))
        }
        guard let grade = Int(field("grade")), (1...12).contains(grade) else {
            return .failure(Message("grade must be 1–12"))
        }
        let classNo = field("class_no")
        guard !classNo.isEmpty, classNo.count <= 4, classNo.allSatisfy(\.isASCII), Int(classNo) != nil else {
            return .failure(Message("class_no must be a number of up to 4 digits"))
        }
        guard let seatNo = Int(field("seat_no")), (1...99).contains(seatNo) else {
            return .failure(Message("seat_no must be 1–99"))
        }
        let year = field("academic_year")
        guard year.count == 3, Int(year) != nil else { return .failure(Message("academic_year must be 3 digits (民國)")) }
        let semester = field("semester")
        guard semester == "1" || semester == "2" else { return .failure(Message("semester must be 1 or 2")) }
        guard let status = RegistryRecord.Status(rawValue: field("status")) else {
            return .failure(Message("status must be one of \(RegistryRecord.Status.allCases.map(\.rawValue).joined(separator: " "))"))
        }
        return .success(
            RegistryRecord(
                nationalID: nationalID, name: name, school: key, grade: grade, classNo: classNo, seatNo: seatNo,
                academicYear: year, semester: semester, status: status))
    }
}
