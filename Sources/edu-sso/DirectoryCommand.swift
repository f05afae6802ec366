import ArgumentParser
import Foundation
import Identity
import Web

struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory", abstract: "Inspect or refresh the school directory.", subcommands: [Import.self, Show.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refresh the schools from newer MOE 名錄 CSV files (e1_new, j1_new, high, u1_new formats).",
            discussion: """
                The schools of every level in the files replace the current ones of that level (attached divisions,
                which the 名錄 files do not list, are kept); other levels stay. Any bad row is reported by file and
                line and nothing changes. The result is written to <data_dir>/directory/ and used from the next
                start of the server; the bundled directory stays as the fallback.
                """)

        @OptionGroup var options: ConfigOptions
        @Argument(help: "MOE 名錄 CSV files (UTF-8, with or without BOM).") var files: [String]

        func run() async throws {
            let config = try options.load()
            var inputs: [(name: String, text: String)] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                    throw ValidationError("Cannot read \(file) as UTF-8 text.")
                }
                inputs.append((file, text))
            }
            let current = try SchoolDirectory.current(dataDir: config.dataDir)
            switch DirectoryImport(base: current).read(files: inputs) {
            case .problems(let problems):
                var standardError = FileHandle.standardError
                for problem in problems.prefix(50) { print(problem, to: &standardError) }
                if problems.count > 50 { print("… and \(problems.count - 50) more.", to: &standardError) }
                print("Nothing was changed.", to: &standardError)
                throw ExitCode(65)
            case .directory(let directory):
                let folder = URL(fileURLWithPath: config.dataDir).appendingPathComponent("directory")
                try directory.write(to: folder)
                for level in SchoolLevel.allCases {
                    let before = current.schools.filter { $0.level == level }.count
                    let after = directory.schools.filter { $0.level == level }.count
                    print("\(level.rawValue)\t\(before) → \(after)")
                }
                print("Wrote \(folder.path). Restart the server to use it.")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count the counties, districts and schools in use.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let directory = try SchoolDirectory.current(dataDir: try options.load().dataDir)
            print("counties \(directory.counties.count), districts \(directory.districts.count), schools \(directory.schools.count)")
            for level in SchoolLevel.allCases {
                print("\(level.rawValue)\t\(directory.schools.filter { $0.level == level }.count)")
            }
        }
    }
}
