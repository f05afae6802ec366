import Foundation
import Hummingbird
import Identity
import OIDC
import Storage

/// The county's student login screens, one choice per page as the manual shows them: 學生登入 → 區域 → 學校 →
/// 班級資訊 → 縣市帳號 → 密碼 (classic), or 年級 → 班級 → 座號 filling in the account (Kaohsiung style). Each
/// choice is a link carrying the earlier ones, so the pages work without JavaScript.
struct LoginScreens {
    let server: CountyServer

    func render(id: String, query: RequestParameters, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let county = server.county
        let base = "/login/\(id)"
        var chosen: [(String, String)] = [("student", "1")]
        func link(_ extra: (String, String)) -> String { URLEncoding.append(chosen + [extra], to: base) }
        var values: [String: Any] = ["action": base, "error": error ?? ""]

        guard query.first("student") != nil else {
            values["start_url"] = URLEncoding.append(chosen, to: base)
            return server.pages.render("county_login", values, county: county, status: status)
        }
        guard let district = query.first("district") else {
            values["step_title"] = "請選擇學校所在區域"
            values["choices"] = server.directory.districts(in: county.name).map { ["label": $0.name, "url": link(("district", $0.name))] }
            return server.pages.render("county_login", values, county: county, status: status)
        }
        chosen.append(("district", district))
        let schools = server.directory.schools.filter { $0.county == county.name && $0.district == district }
        guard let schoolCode = query.first("school"), let school = schools.first(where: { $0.code == schoolCode }) else {
            values["step_title"] = "請選擇您的學校（\(district)）"
            values["choices"] = schools.map { ["label": $0.name, "url": link(("school", $0.code))] }
            return server.pages.render("county_login", values, county: county, status: status)
        }
        chosen.append(("school", school.code))
        let students = try await server.store.allAccounts(limit: 100_000).filter { $0.school?.schoolID == school.code }
        values["school"] = school.name

        switch county.style {
        case .classic:
            guard let classKey = query.first("class") else {
                let classes = Set(students.compactMap { $0.school.map { "\($0.grade)-\($0.classNo)" } }).sorted()
                values["step_title"] = "請選擇班級資訊"
                values["choices"] = classes.map { key -> [String: String] in
                    let title = students.first { $0.school.map { "\($0.grade)-\($0.classNo)" } == key }?.school?.classTitle ?? key
                    return ["label": title.isEmpty ? key : title, "url": link(("class", key))]
                }
                return server.pages.render("county_login", values, county: county, status: status)
            }
            chosen.append(("class", classKey))
            values["credentials"] = true
            values["username"] = query.first("username") ?? ""
        case .seat:
            guard let grade = query.first("grade") else {
                values["step_title"] = "請選擇年級"
                values["choices"] = Set(students.compactMap { $0.school?.grade }).sorted { Int($0) ?? 0 < Int($1) ?? 0 }
                    .map { ["label": "\($0) 年級", "url": link(("grade", $0))] }
                return server.pages.render("county_login", values, county: county, status: status)
            }
            chosen.append(("grade", grade))
            let inGrade = students.filter { $0.school?.grade == grade }
            guard let classNo = query.first("class_no") else {
                values["step_title"] = "請選擇班級"
                values["choices"] = Set(inGrade.compactMap { $0.school?.classNo }).sorted()
                    .map { ["label": "\($0) 班", "url": link(("class_no", $0))] }
                return server.pages.render("county_login", values, county: county, status: status)
            }
            chosen.append(("class_no", classNo))
            let inClass = inGrade.filter { $0.school?.classNo == classNo }
            guard let seat = query.first("seat"), let student = inClass.first(where: { $0.school?.seatNo == seat }) else {
                values["step_title"] = "請選擇座號"
                values["choices"] = inClass.compactMap { $0.school?.seatNo }.sorted { Int($0) ?? 0 < Int($1) ?? 0 }
                    .map { ["label": "\($0) 號", "url": link(("seat", $0))] }
                return server.pages.render("county_login", values, county: county, status: status)
            }
            chosen.append(("seat", seat))
            // Grade, class and seat fill in the account.
            values["credentials"] = true
            values["username"] = student.username
            values["username_filled"] = true
        }
        values["hidden"] = chosen.map { ["name": $0.0, "value": $0.1] }
        values["step_title"] = "請輸入縣市帳號與密碼"
        return server.pages.render("county_login", values, county: county, status: status)
    }
}
