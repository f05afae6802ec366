import Testing

@testable import Identity

@Suite struct SchoolDirectoryTests {
    @Test func bundledDirectoryHasEveryCountyDistrictAndSchool() throws {
        let directory = try SchoolDirectory.bundled()
        #expect(directory.counties.count == 22)
        #expect(directory.districts.count == 368)
        #expect(directory.schools.count == 4052)
        #expect(Set(directory.schools.map(\.level)) == Set(SchoolLevel.allCases))
        // Every school sits in a district that exists.
        let districts = Set(directory.districts.map { "\($0.county)/\($0.name)" })
        #expect(directory.schools.allSatisfy { districts.contains("\($0.county)/\($0.district)") })
    }

    @Test func attachedDivisionsShareTheirParentsCode() throws {
        let directory = try SchoolDirectory.bundled()
        let elementary = try #require(directory.school(SchoolKey(code: "021310", level: .elementary)))
        let senior = try #require(directory.school(SchoolKey(code: "021310", level: .seniorHigh)))
        #expect(elementary.name.contains("國小部"))
        #expect(elementary.name != senior.name)
    }

    @Test func dependentListsNarrowStepByStep() throws {
        let directory = try SchoolDirectory.bundled()
        let taichung = directory.districts(in: "臺中市")
        #expect(taichung.contains { $0.name == "西屯區" })
        let levels = directory.levels(county: "臺中市", district: "西屯區")
        #expect(levels.first == .elementary)
        let schools = directory.schools(county: "臺中市", district: "西屯區", level: .elementary)
        #expect(schools.contains { $0.code == "193662" && $0.name == "市立惠來國小" })
        #expect(directory.schools(county: "臺中市", district: "西屯區", level: .university).allSatisfy { $0.level == .university })
    }
}
