import Identity
import OIDC

/// The dependent lists 縣市 → 行政區 → 學制 → 學校, shared by 申請帳號 and 更新個人資料: reading a submitted
/// choice (each level kept only if valid under its parent) and the values the `school_lists` partial shows.
struct SchoolChoice: Sendable, Equatable {
    var county: String?
    var district: String?
    var level: SchoolLevel?
    var schoolCode: String?

    var key: SchoolKey? {
        guard let schoolCode, let level else { return nil }
        return SchoolKey(code: schoolCode, level: level)
    }

    init(county: String? = nil, district: String? = nil, level: SchoolLevel? = nil, schoolCode: String? = nil) {
        self.county = county
        self.district = district
        self.level = level
        self.schoolCode = schoolCode
    }

    /// Reads the form; a changed parent clears the children that no longer fit.
    init(form: RequestParameters, directory: SchoolDirectory) {
        county = form.first("county").flatMap { name in directory.counties.first { $0.name == name }?.name }
        district = county.flatMap { county in
            form.first("district").flatMap { name in directory.districts(in: county).first { $0.name == name }?.name }
        }
        level = district == nil ? nil : form.first("level").flatMap(SchoolLevel.init(rawValue:))
        if let county, let district, let level, let code = form.first("school") {
            schoolCode = directory.schools(county: county, district: district, level: level).first { $0.code == code }?.code
        }
    }

    func listValues(_ directory: SchoolDirectory) -> [String: Any] {
        var values: [String: Any] = [
            "counties": directory.counties.map { ["name": $0.name, "selected": $0.name == county] }
        ]
        guard let county else { return values }
        values["show_districts"] = true
        values["districts"] = directory.districts(in: county).map { ["name": $0.name, "selected": $0.name == district] }
        guard let district else { return values }
        values["show_levels"] = true
        values["levels"] = directory.levels(county: county, district: district).map {
            ["name": $0.rawValue, "selected": $0 == level]
        }
        guard let level else { return values }
        values["show_schools"] = true
        values["schools"] = directory.schools(county: county, district: district, level: level).map {
            ["code": $0.code, "name": $0.name, "selected": $0.code == schoolCode]
        }
        return values
    }
}
