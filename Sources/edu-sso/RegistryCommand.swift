import ArgumentParser
import Foundation
import Identity
import OIDC
import Storage
import Web

struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Load student registry data (學籍資料).", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a school's roster from CSV. Bad rows are listed by line number and nothing is imported.",
            discussion: """
                Columns (header row required): national_id, name, school_code, school_level, grade, class_no, seat_no,
                academic_year, semester, status. school_level: 國小 國中 高中 高職 進修學校 大專校院.
                status: 在學 休學 轉出 畢業. A record replaces the same student's record for the same term.
                """)

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The roster CSV file (UTF-8).") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("Cannot read \(file) as UTF-8 text.")
            }
            let directory = try SchoolDirectory.current(dataDir: try options.load().dataDir)
            switch RegistryImport(directory: directory).read(csv: text) {
            case .problems(let problems):
                var standardError = FileHandle.standardError
                for problem in problems { print("\(file): \(problem)", to: &standardError) }
                print("Nothing was imported (\(problems.count) problem\(problems.count == 1 ? "" : "s")).", to: &standardError)
                throw ExitCode(65)
            case .records(let records):
                try await withStore(options) { _, store in
                    try await store.importRegistry(records, at: Clock.system.now())
                    print("Imported \(records.count) registry record\(records.count == 1 ? "" : "s") from \(file).")
                }
            }
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) {
        write(Data(string.utf8))
    }
}
