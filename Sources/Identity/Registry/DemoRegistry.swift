/// A generated registry for development and tests: plausible names, valid-checksum national IDs whose letter
/// matches the school's county, spread over real schools of the directory. Deterministic for a given seed.
/// None of it describes real people (the IDs are drawn at random and the names are common combinations).
public enum DemoRegistry {
    static let surnames = Array("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高")
    static let givenFirst = Array("家宇承冠柏品彥宥子怡欣雅思佳語詩婉宜俊志庭")
    static let givenSecond = Array("翔豪恩宏廷軒睿瑜涵婷萱妤安蓁琪柔恩瑄均")

    /// The seed is the installation's own (random, stored with the demo credentials): records derived from a seed
    /// in the source could be claimed by anyone who read it.
    public static func generate(count: Int, directory: SchoolDirectory, academicYear: String = "114",
        semester: String = "1", seed: UInt64) -> [RegistryRecord]
    {
        var random = SplitMix64(seed: seed)
        let letters = Dictionary(directory.counties.map { ($0.name, Character($0.letter)) }, uniquingKeysWith: { a, _ in a })
        let schools = directory.schools.filter { [.elementary, .juniorHigh, .seniorHigh].contains($0.level) }
        var usedIDs = Set<String>()
        var records: [RegistryRecord] = []
        while records.count < count, !schools.isEmpty {
            let school = schools[Int(random.next() % UInt64(schools.count))]
            let letter = letters[school.county] ?? "A"
            let id = NationalID.make(
                letter: letter, sexDigit: Int(random.next() % 2) + 1, serial: Int(random.next() % 10_000_000))
            guard usedIDs.insert(id).inserted else { continue }
            let name = String(surnames[Int(random.next() % UInt64(surnames.count))])
                + String(givenFirst[Int(random.next() % UInt64(givenFirst.count))])
                + String(givenSecond[Int(random.next() % UInt64(givenSecond.count))])
            let grades: ClosedRange<Int> =
                switch school.level {
                case .elementary: 1...6
                case .juniorHigh: 7...9
                default: 10...12
                }
            let grade = grades.lowerBound + Int(random.next() % UInt64(grades.count))
            let classNumber = Int(random.next() % 12) + 1
            records.append(
                RegistryRecord(
                    nationalID: id, name: name, school: school.key, grade: grade,
                    classNo: classNumber < 10 ? "0\(classNumber)" : String(classNumber),
                    seatNo: Int(random.next() % 30) + 1, academicYear: academicYear, semester: semester, status: .enrolled))
        }
        return records
    }
}

/// A small, well-known deterministic generator (Steele, Lea & Flood 2014), so demo data is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
