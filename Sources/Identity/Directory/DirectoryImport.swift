import CSV
import Foundation

/// Refreshes the school directory from newer MOE 名錄 CSV files (國民小學名錄 e1_new.csv, 國民中學名錄
/// j1_new.csv, 一般高級中等學校名錄 high.csv, 大專校院名錄 u1_new.csv), the formats the bundled directory was built
/// from (see reference-data/schools/SOURCES.md). Counties and districts stay; the schools of every level present in
/// the files are replaced (except attached divisions, which those files never list), and other levels are kept.
///
/// The level follows the MOE code convention: four-digit codes are 大專校院; otherwise the fourth character is
/// 6/7/8 for 國小, 5 for 國中, 3 for 高中, 4 for 高職, and anything else a 進修學校. The district comes from the
/// address (`[zip]縣市鄉鎮市區…`, the longest district name of the county that prefixes it).
public struct DirectoryImport: Sendable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file) line \(line): \(message)" }
    }

    public enum Outcome: Sendable {
        case directory(SchoolDirectory)
        case problems([Problem])
    }

    let base: SchoolDirectory

    public init(base: SchoolDirectory) {
        self.base = base
    }

    /// Reads every file; any problem anywhere means no directory.
    public func read(files: [(name: String, text: String)]) -> Outcome {
        var problems: [Problem] = []
        var imported: [School] = []
        for file in files {
            let (schools, found) = schools(in: file.text, name: file.name)
            imported += schools
            problems += found
        }
        guard problems.isEmpty else { return .problems(problems) }
        guard !imported.isEmpty else { return .problems([Problem(file: files.first?.name ?? "-", line: 1, message: "no schools")]) }
        let levels = Set(imported.map(\.level))
        let importedKeys = Set(imported.map(\.key))
        // Kept: schools of other levels, and attached divisions (附設國小部 …), which the 名錄 files do not list:
        // their code belongs to a school of another level.
        let kept = base.schools.filter { school in
            !importedKeys.contains(school.key)
                && (!levels.contains(school.level) || Self.level(ofCode: school.code) != school.level)
        }
        do {
            return .directory(try SchoolDirectory(counties: base.counties, districts: base.districts, schools: kept + imported))
        } catch {
            return .problems([Problem(file: files.first?.name ?? "-", line: 1, message: "\(error)")])
        }
    }

    /// The schools of one file, and its problems.
    private func schools(in text: String, name: String) -> ([School], [Problem]) {
        // MOE files often start with a byte-order mark.
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        guard let reader = try? CSVReader(string: body, hasHeaderRow: true, trimFields: true) else {
            return ([], [Problem(file: name, line: 1, message: "not a CSV file")])
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"\u{FEFF}")) }
        func column(_ names: String...) -> Int? { names.lazy.compactMap { header.firstIndex(of: $0) }.first }
        guard let code = column("代碼"), let schoolName = column("學校名稱"), let ownership = column("公/私立", "公私立"),
            let county = column("縣市名稱"), let address = column("地址"), let phone = column("電話")
        else {
            return ([], [Problem(file: name, line: 1, message: "expected the MOE 名錄 columns 代碼, 學校名稱, 公/私立, 縣市名稱, 地址, 電話")])
        }
        let year = column("學年度")
        var schools: [School] = []
        var problems: [Problem] = []
        var line = 1
        while let row = reader.next() {
            line += 1
            if row.allSatisfy(\.isEmpty) { continue }
            guard row.count >= header.count else {
                problems.append(Problem(file: name, line: line, message: "expected \(header.count) fields"))
                continue
            }
            let schoolCode = row[code]
            guard let level = Self.level(ofCode: schoolCode) else {
                problems.append(Problem(file: name, line: line, message: "code \(schoolCode) does not follow the MOE convention"))
                continue
            }
            guard let (street, countyName, district) = locate(address: row[address], listedCounty: row[county]) else {
                problems.append(Problem(file: name, line: line, message: "no known county and district in the address of \(schoolCode)"))
                continue
            }
            schools.append(
                School(
                    code: schoolCode, name: row[schoolName], county: countyName, district: district, level: level,
                    isPublic: row[ownership] == "公立", address: street, phone: row[phone],
                    academicYear: year.map { row[$0] } ?? ""))
        }
        return (schools, problems)
    }

    static func level(ofCode code: String) -> SchoolLevel? {
        let characters = Array(code)
        if characters.count == 4, characters.allSatisfy(\.isNumber) { return .university }
        guard characters.count == 6 else { return nil }
        switch characters[3] {
        case "6", "7", "8": return .elementary
        case "5": return .juniorHigh
        case "3": return .seniorHigh
        case "4": return .vocational
        default: return characters[3].isLetter || characters[3].isNumber ? .continuing : nil
        }
    }

    /// (address without the [zip] prefix, county, district), by the address text.
    func locate(address raw: String, listedCounty: String) -> (String, String, String)? {
        var address = raw.trimmingCharacters(in: .whitespaces)
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            address = String(address[address.index(after: close)...]).trimmingCharacters(in: .whitespaces)
        }
        let normalized = address.replacingOccurrences(of: "台", with: "臺")
        guard let county = base.counties.map(\.name).first(where: { normalized.hasPrefix($0) }) else { return nil }
        let rest = normalized.dropFirst(county.count)
        let districts = base.districts(in: county).map(\.name).sorted { $0.count > $1.count }
        guard let district = districts.first(where: { rest.hasPrefix($0) }) else { return nil }
        return (address, county, district)
    }
}

extension SchoolDirectory {
    /// The directory in use: an imported one under `<data_dir>/directory/` if there is one, else the bundled one.
    public static func current(dataDir: String) throws -> SchoolDirectory {
        let folder = URL(fileURLWithPath: dataDir).appendingPathComponent("directory")
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("schools.csv").path) {
            return try load(from: folder)
        }
        return try bundled()
    }

    /// Writes the three CSV files (the bundled format) into `folder`, replacing what is there.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.writeCSV(
            folder.appendingPathComponent("counties.csv"), ["code", "name", "name_en", "letter"],
            counties.map { [$0.code, $0.name, $0.nameEN, $0.letter] })
        try Self.writeCSV(
            folder.appendingPathComponent("districts.csv"), ["county", "name", "zip", "town_code", "name_en"],
            districts.map { [$0.county, $0.name, $0.zip, $0.townCode, $0.nameEN] })
        try Self.writeCSV(
            folder.appendingPathComponent("schools.csv"),
            ["code", "name", "county", "district", "level", "public_private", "address", "phone", "academic_year", "source"],
            schools.map {
                [$0.code, $0.name, $0.county, $0.district, $0.level.rawValue, $0.isPublic ? "公立" : "私立", $0.address, $0.phone,
                 $0.academicYear, ""]
            })
    }

    private static func writeCSV(_ url: URL, _ header: [String], _ rows: [[String]]) throws {
        let temporary = url.appendingPathExtension("tmp")
        guard let stream = OutputStream(toFileAtPath: temporary.path, append: false) else {
            throw DirectoryError.missingFile(url.lastPathComponent)
        }
        stream.open()
        let writer = try CSVWriter(stream: stream)
        for row in [header] + rows {
            try writer.write(row: row, quotedAtIndex: { index in
                row[index].contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            })
        }
        writer.stream.close()
        // rename(2) swaps the file in atomically: a reader sees the old directory or the new one.
        guard rename(temporary.path, url.path) == 0 else { throw DirectoryError.missingFile(url.lastPathComponent) }
    }
}
