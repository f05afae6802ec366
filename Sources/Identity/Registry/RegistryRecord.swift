/// One student's enrolment for one term, as the school's registry (學籍資料) reports it: the "source data" the
/// manual checks identities against when an account is made or updated.
public struct RegistryRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case enrolled = "在學"
        case suspended = "休學"
        case transferred = "轉出"
        case graduated = "畢業"
    }

    /// National ID or residence ID, upper-case.
    public var nationalID: String
    public var name: String
    public var school: SchoolKey
    public var grade: Int
    /// Class number as the school writes it, e.g. "04".
    public var classNo: String
    public var seatNo: Int
    /// 民國 academic year, e.g. "114".
    public var academicYear: String
    /// "1" or "2".
    public var semester: String
    public var status: Status

    public init(
        nationalID: String, name: String, school: SchoolKey, grade: Int, classNo: String, seatNo: Int,
        academicYear: String, semester: String, status: Status
    ) {
        self.nationalID = nationalID
        self.name = name
        self.school = school
        self.grade = grade
        self.classNo = classNo
        self.seatNo = seatNo
        self.academicYear = academicYear
        self.semester = semester
        self.status = status
    }

    /// 六年四班: how classes are named on the pages and in eduinfo's `classtitle`.
    public var classTitle: String {
        let number = Int(classNo).map(ChineseNumerals.text) ?? classNo
        return "\(ChineseNumerals.text(grade))年\(number)班"
    }

    /// The enrolment eduinfo releases for an account made or updated from this record.
    public func enrolment(schoolName: String) -> SchoolEnrolment {
        SchoolEnrolment(
            schoolID: school.code, schoolName: schoolName, grade: String(grade), classNo: classNo, classTitle: classTitle,
            seatNo: String(seatNo), academicYear: academicYear, semester: semester)
    }
}

/// Where the registry lives.
public protocol RegistryStore: Sendable {
    /// Inserts or replaces records (keyed by national ID, academic year and semester) all together, or none.
    func importRegistry(_ records: [RegistryRecord], at: Int64) async throws
    /// Every record of a person, newest term first.
    func registryRecords(nationalID: String) async throws -> [RegistryRecord]
    func registryCount() async throws -> Int
}

enum ChineseNumerals {
    private static let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]

    /// 1…99 in Chinese numerals: 4 → 四, 10 → 十, 12 → 十二, 24 → 二十四.
    static func text(_ number: Int) -> String {
        guard number > 0, number < 100 else { return String(number) }
        if number < 10 { return digits[number] }
        let tens = number / 10
        let ones = number % 10
        return (tens == 1 ? "" : digits[tens]) + "十" + (ones == 0 ? "" : digits[ones])
    }
}
