import Foundation

/// Times as students and the support desk read them: Asia/Taipei, `2026-11-25 16:30`. One formatter for pages,
/// messages and the CLI.
public enum TaipeiTime {
    public static func string(_ epoch: Int64, seconds: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Taipei")
        formatter.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}
