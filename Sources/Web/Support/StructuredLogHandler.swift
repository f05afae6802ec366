import Foundation
import JSONText
import Logging
import OIDC
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Log lines for machines: one JSON object or one logfmt line per event, on standard error, each in a single
/// write so that lines from concurrent requests never interleave. `log_format: text` keeps swift-log's own
/// readable format instead.
///
/// Every value is escaped (quotes, backslashes, control characters), so nothing a client sends can start a forged
/// line. What goes into the metadata is the callers' business: they never log a secret, a token, a password or a
/// national ID (`test_zz_log_hygiene.py` reads the log of a whole test run to hold them to it).
public struct StructuredLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case json, logfmt
    }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format

    public init(label: String, format: Format, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let header: [(String, Logger.Metadata.Value)] = [
            ("time", .string(Self.timestamp())), ("level", .string(event.level.rawValue)), ("logger", .string(label)),
            ("msg", .string(event.message.description)), ("source", .string(event.source)),
        ]
        let pairs = header + fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let line = Self.render(pairs, as: format) + "\n"
        Self.write(line)
    }

    static func render(_ pairs: [(String, Logger.Metadata.Value)], as format: Format) -> String {
        switch format {
        case .json:
            return "{" + pairs.map { "\(jsonString($0.0)):\(jsonValue($0.1))" }.joined(separator: ",") + "}"
        case .logfmt:
            return pairs.map { "\(logfmtKey($0.0))=\(logfmtValue(flat($0.1)))" }.joined(separator: " ")
        }
    }

    /// A metadata value as JSON, written by the server's one JSON writer (it holds only strings, so it cannot fail).
    private static func jsonValue(_ value: Logger.Metadata.Value) -> String {
        String(decoding: (try? JSONValue(value).jsonData()) ?? Data("null".utf8), as: UTF8.self)
    }

    static func jsonString(_ text: String) -> String {
        var out: [UInt8] = []
        JSONText.appendString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func flat(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(flat).joined(separator: ",")
        case .dictionary(let entries): entries.sorted { $0.key < $1.key }.map { "\($0.key):\(flat($0.value))" }.joined(separator: ",")
        }
    }

    /// Keys are the code's own names; anything outside [A-Za-z0-9_.-] is replaced, so a key can never break a line.
    private static func logfmtKey(_ key: String) -> String {
        String(key.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0) ? Character($0) : "_" })
    }

    /// Bare when the value is a plain word; otherwise quoted, with quotes, backslashes and control characters escaped.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "=" && scalar != "\\"
                && !CharacterSet.whitespacesAndNewlines.contains(scalar)
        }
        return plain ? value : jsonString(value)
    }

    private static let formatter: Mutex<ISO8601DateFormatter> = Mutex({
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }())

    private static func timestamp() -> String {
        formatter.withLock { $0.string(from: Date()) }
    }

    /// One write(2) per line: the kernel keeps each whole against other writers to the same descriptor.
    private static func write(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                systemWrite(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
        bytes.removeAll()
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

/// The `log_format` setting: swift-log's readable lines, or one of the structured formats.
public enum LogFormat {
    /// A handler factory for `LoggingSystem.bootstrap`.
    public static func handler(format: String, level: Logger.Level) -> @Sendable (String) -> any LogHandler {
        { label in
            if let structured = StructuredLogHandler.Format(rawValue: format) {
                var handler = StructuredLogHandler(label: label, format: structured)
                handler.logLevel = level
                return handler
            }
            var handler = ReadableLogHandler(lines: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
    }
}

/// swift-log's readable lines, with the metadata kept aside until a line is written: `StreamLogHandler` formats
/// its whole metadata again each time a key is set, and every request sets its id — a cost paid per request
/// (7 % of a userinfo answer) even when nothing is logged. The lines are the same, but for one precedence: a
/// metadata provider's value now yields to the handler's own under the same key (EduSSO sets no provider).
struct ReadableLogHandler: LogHandler {
    var lines: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    var logLevel: Logger.Level {
        get { lines.logLevel }
        set { lines.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { lines.metadataProvider }
        set { lines.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata.map { metadata.merging($0) { _, explicit in explicit } } ?? metadata
        lines.log(event: event)
    }
}

extension JSONValue {
    /// A log metadata value: strings, arrays and dictionaries of them.
    init(_ metadata: Logger.Metadata.Value) {
        switch metadata {
        case .string(let text): self = .string(text)
        case .stringConvertible(let convertible): self = .string(convertible.description)
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .dictionary(let entries): self = .object(entries.mapValues(JSONValue.init))
        }
    }
}
