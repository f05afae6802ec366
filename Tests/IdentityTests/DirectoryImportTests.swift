import Foundation
import Testing

@testable import Identity

@Suite struct DirectoryImportTests {
    static let base = try! SchoolDirectory.bundled()
    static let raw = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../reference-data/schools/raw")

    @Test func rebuildsElementarySchoolsFromTheMOEList() throws {
        let text = try String(contentsOf: Self.raw.appendingPathComponent("fxxxtsao_e1_new_114.csv"), encoding: .utf8)
        guard case .directory(let directory) = DirectoryImport(base: Self.base).read(files: [("e1_new.csv", text)]) else {
            Issue.record("the MOE elementary list should import")
            return
        }
        // The 2,608 schools of the list, plus the 44 attached divisions it never lists, which are kept.
        #expect(directory.schools.filter { $0.level == .elementary }.count == Self.base.schools.filter { $0.level == .elementary }.count)
        #expect(directory.schools.filter { $0.level == .juniorHigh }.count == 735)
        let school = try #require(directory.school(SchoolKey(code: "193662", level: .elementary)))
        #expect(school.county == "臺中市" && school.district == "西屯區" && school.address.hasPrefix("臺中市西屯區"))
    }

    @Test func reportsRowsItCannotPlaceAndChangesNothing() {
        let text = """
            代碼,學校名稱,公/私立,縣市名稱,地址,電話,網址
            193662,市立惠來國小,公立,[66]臺中市,[407]臺中市西屯區文中路168號,(04)23176353,
            19366X,假國小,公立,[66]臺中市,[407]火星市某區,(04)0,
            12,怪碼,公立,[66]臺中市,[407]臺中市西屯區,(04)0,
            """
        guard case .problems(let problems) = DirectoryImport(base: Self.base).read(files: [("bad.csv", text)]) else {
            Issue.record("bad rows should be refused")
            return
        }
        #expect(problems.map(\.line) == [3, 4])
    }

    @Test func levelsFollowTheCodeConvention() {
        #expect(DirectoryImport.level(ofCode: "0001") == .university)
        #expect(DirectoryImport.level(ofCode: "193662") == .elementary)
        #expect(DirectoryImport.level(ofCode: "193516") == .juniorHigh)
        #expect(DirectoryImport.level(ofCode: "010301") == .seniorHigh)
        #expect(DirectoryImport.level(ofCode: "010401") == .vocational)
        #expect(DirectoryImport.level(ofCode: "01") == nil)
    }

    @Test func writtenDirectoryReadsBackTheSame() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-dir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.base.write(to: folder)
        let again = try SchoolDirectory.load(from: folder)
        #expect(again.schools == Self.base.schools)
        #expect(again.districts == Self.base.districts)
    }
}
