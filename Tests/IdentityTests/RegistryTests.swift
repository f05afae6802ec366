import Testing

@testable import Identity

@Suite struct RegistryTests {
    static let directory = try! SchoolDirectory.bundled()
    let header = "national_id,name,school_code,school_level,grade,class_no,seat_no,academic_year,semester,status\n"

    @Test func readsAValidRoster() throws {
        let csv = header + "A123456789,林小華,193662,國小,6,04,7,114,1,在學\nb123456780,陳大同,193662,國小,5,01,12,114,1,在學\n"
        guard case .records(let records) = RegistryImport(directory: Self.directory).read(csv: csv) else {
            Issue.record("a valid roster was refused")
            return
        }
        #expect(records.count == 2)
        #expect(records[1].nationalID == "B123456780")
        #expect(records[0].classTitle == "六年四班")
        #expect(records[0].enrolment(schoolName: "市立惠來國小").seatNo == "7")
    }

    @Test func reportsEveryBadRowByLineAndReturnsNothing() {
        let csv = header
            + "A123456789,林小華,193662,國小,6,04,7,114,1,在學\n"  // line 2: fine
            + "A123456788,壞校驗,193662,國小,6,04,7,114,1,在學\n"  // line 3: checksum
            + "B123456780,沒學校,999999,國小,6,04,7,114,1,在學\n"  // line 4: unknown school
            + "B123456780,錯年級,193662,國小,13,04,7,114,1,在學\n"  // line 5: grade
            + "A123456789,重複,193662,國小,6,04,8,114,1,在學\n"  // line 6: duplicate of line 2
            + "B123456780,少欄位,193662\n"  // line 7: field count
        guard case .problems(let problems) = RegistryImport(directory: Self.directory).read(csv: csv) else {
            Issue.record("a roster with bad rows was accepted")
            return
        }
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7])
        #expect(problems.allSatisfy { !$0.message.contains("A123456788") })
    }

    @Test func refusesAFileWithoutTheColumns() {
        guard case .problems(let problems) = RegistryImport(directory: Self.directory).read(csv: "id,name\n1,x\n") else {
            Issue.record("expected problems")
            return
        }
        #expect(problems.first?.line == 1)
    }

    @Test func demoRegistryIsPlausibleAndDeterministic() {
        let records = DemoRegistry.generate(count: 300, directory: Self.directory, seed: 42)
        #expect(records.count == 300)
        #expect(Set(records.map(\.nationalID)).count == 300)
        let letters = Dictionary(Self.directory.counties.map { ($0.name, $0.letter) }, uniquingKeysWith: { a, _ in a })
        for record in records {
            #expect(NationalID.isValid(record.nationalID))
            let school = Self.directory.school(record.school)
            #expect(school != nil)
            #expect(letters[school?.county ?? ""] == String(record.nationalID.prefix(1)))
            #expect(record.name.count == 3)
        }
        #expect(DemoRegistry.generate(count: 300, directory: Self.directory, seed: 42) == records)
        // Each installation draws its own seed: another seed gives other students.
        #expect(Set(DemoRegistry.generate(count: 300, directory: Self.directory, seed: 43).map(\.nationalID)).isDisjoint(with: records.map(\.nationalID)))
    }

    @Test func chineseNumerals() {
        #expect([1, 4, 10, 12, 20, 24].map(ChineseNumerals.text) == ["一", "四", "十", "十二", "二十", "二十四"])
    }
}
