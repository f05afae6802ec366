import CSV
import Foundation

/// 學制: the school levels of the directory, in the order the registration page offers them.
public enum SchoolLevel: String, Sendable, Codable, CaseIterable {
    case elementary = "國小"
    case juniorHigh = "國中"
    case seniorHigh = "高中"
    case vocational = "高職"
    case continuing = "進修學校"
    case university = "大專校院"
}

public struct County: Sendable, Codable, Equatable {
    /// MOI county code, e.g. 63000 for 臺北市.
    public var code: String
    public var name: String
    public var nameEN: String
    /// The MOI one-letter county id (also the first letter of national IDs first registered there).
    public var letter: String
}

public struct District: Sendable, Codable, Equatable {
    public var county: String
    public var name: String
    public var zip: String
    public var townCode: String
    public var nameEN: String
}

public struct School: Sendable, Codable, Equatable {
    /// MOE school code. An attached division (附設國小部 …) shares its parent's code, so a school is identified
    /// by (code, level), never by code alone.
    public var code: String
    public var name: String
    public var county: String
    public var district: String
    public var level: SchoolLevel
    public var isPublic: Bool
    public var address: String
    public var phone: String
    public var academicYear: String

    public var key: SchoolKey { SchoolKey(code: code, level: level) }
}

public struct SchoolKey: Sendable, Hashable, Codable {
    public var code: String
    public var level: SchoolLevel

    public init(code: String, level: SchoolLevel) {
        self.code = code
        self.level = level
    }
}

/// Taiwan's school directory: counties → districts → levels → schools, for the dependent lists of the
/// registration and profile pages, and school lookups for the registry.
public struct SchoolDirectory: Sendable {
    public let counties: [County]
    public let districts: [District]
    public let schools: [School]
    private let byKey: [SchoolKey: School]
    /// The counties each school code is found in (a code names one school, at one or more levels).
    private let countiesByCode: [String: Set<String>]

    public init(counties: [County], districts: [District], schools: [School]) throws {
        self.counties = counties
        self.districts = districts
        self.schools = schools
        var byKey: [SchoolKey: School] = [:]
        var countiesByCode: [String: Set<String>] = [:]
        for school in schools {
            guard byKey.updateValue(school, forKey: school.key) == nil else {
                throw DirectoryError.duplicateSchool(school.code, school.level.rawValue)
            }
            countiesByCode[school.code, default: []].insert(school.county)
        }
        self.byKey = byKey
        self.countiesByCode = countiesByCode
    }

    /// The directory shipped with EduSSO (see Resources/SchoolDirectory/NOTICE.md for sources and licence).
    public static func bundled() throws -> SchoolDirectory {
        guard let folder = Bundle.module.url(forResource: "SchoolDirectory", withExtension: nil) else {
            throw DirectoryError.missingFile("SchoolDirectory")
        }
        return try load(from: folder)
    }

    /// Reads `counties.csv`, `districts.csv` and `schools.csv` from `folder`.
    public static func load(from folder: URL) throws -> SchoolDirectory {
        let counties = try rows(folder.appendingPathComponent("counties.csv"), ["code", "name", "name_en", "letter"]).map {
            County(code: $0[0], name: $0[1], nameEN: $0[2], letter: $0[3])
        }
        let districts = try rows(folder.appendingPathComponent("districts.csv"), ["county", "name", "zip", "town_code", "name_en"])
            .map { District(county: $0[0], name: $0[1], zip: $0[2], townCode: $0[3], nameEN: $0[4]) }
        let schoolColumns = ["code", "name", "county", "district", "level", "public_private", "address", "phone", "academic_year"]
        var schools: [School] = []
        for (line, row) in try rows(folder.appendingPathComponent("schools.csv"), schoolColumns).enumerated() {
            guard let level = SchoolLevel(rawValue: row[4]) else {
                throw DirectoryError.badRow(file: "schools.csv", line: line + 2, reason: "unknown level \(row[4])")
            }
            schools.append(
                School(
                    code: row[0], name: row[1], county: row[2], district: row[3], level: level, isPublic: row[5] == "公立",
                    address: row[6], phone: row[7], academicYear: row[8]))
        }
        return try SchoolDirectory(counties: counties, districts: districts, schools: schools)
    }

    /// The named columns of every data row of a CSV file with a header row.
    private static func rows(_ url: URL, _ columns: [String]) throws -> [[String]] {
        guard let stream = InputStream(url: url) else { throw DirectoryError.missingFile(url.lastPathComponent) }
        let reader = try CSVReader(stream: stream, hasHeaderRow: true)
        let header = reader.headerRow ?? []
        let indices = try columns.map { column in
            guard let index = header.firstIndex(of: column) else {
                throw DirectoryError.badRow(file: url.lastPathComponent, line: 1, reason: "missing column \(column)")
            }
            return index
        }
        var result: [[String]] = []
        while let row = reader.next() {
            guard row.count >= header.count else {
                throw DirectoryError.badRow(
                    file: url.lastPathComponent, line: result.count + 2, reason: "expected \(header.count) fields")
            }
            result.append(indices.map { row[$0] })
        }
        return result
    }

    // MARK: Queries for the dependent lists (縣市 → 行政區 → 學制 → 學校)

    public func districts(in county: String) -> [District] {
        districts.filter { $0.county == county }
    }

    /// The levels that have at least one school in the district, in `SchoolLevel` order.
    public func levels(county: String, district: String) -> [SchoolLevel] {
        let present = Set(schools.lazy.filter { $0.county == county && $0.district == district }.map(\.level))
        return SchoolLevel.allCases.filter(present.contains)
    }

    public func schools(county: String, district: String, level: SchoolLevel) -> [School] {
        schools.filter { $0.county == county && $0.district == district && $0.level == level }
            .sorted { $0.code < $1.code }
    }

    public func school(_ key: SchoolKey) -> School? { byKey[key] }

    /// Whether the school with this code is in the county (by its name, e.g. 高雄市): a county provider vouches
    /// only for its own schools' students.
    public func isSchool(_ code: String, in county: String) -> Bool {
        countiesByCode[code]?.contains(county) ?? false
    }
}

public enum DirectoryError: Error, Equatable, CustomStringConvertible {
    case missingFile(String)
    case badRow(file: String, line: Int, reason: String)
    case duplicateSchool(String, String)

    public var description: String {
        switch self {
        case .missingFile(let name): "The directory file \(name) is missing."
        case .badRow(let file, let line, let reason): "\(file) line \(line): \(reason)"
        case .duplicateSchool(let code, let level): "School \(code) (\(level)) appears twice."
        }
    }
}
