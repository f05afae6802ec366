/// The parameters of one request, as received: a name may legitimately arrive more than once on the wire,
/// and RFC 6749 §3.1 says such a request is invalid, so they are kept as a list rather than a dictionary.
public struct RequestParameters: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    public static func == (lhs: RequestParameters, rhs: RequestParameters) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public mutating func append(_ name: String, _ value: String) {
        pairs.append((name, value))
    }

    /// The single value of `name`; a repeated parameter is `invalid_request`. Empty values count as absent
    /// (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted").
    public func single(_ name: String) throws(OAuthError) -> String? {
        var found: String?
        for pair in pairs where pair.name == name {
            guard found == nil else { throw .invalidRequest("The \(name) parameter is repeated.") }
            found = pair.value
        }
        guard let found, !found.isEmpty else { return nil }
        return found
    }

    /// Like `single`, but missing is `invalid_request` too.
    public func required(_ name: String) throws(OAuthError) -> String {
        guard let value = try single(name) else { throw .invalidRequest("The \(name) parameter is missing.") }
        return value
    }

    /// The first value, ignoring repetition: for places where a duplicate must not hide a useful error.
    public func first(_ name: String) -> String? {
        pairs.first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every non-empty value of `name`, in order (a list of checkboxes).
    public func all(_ name: String) -> [String] {
        pairs.filter { $0.name == name && !$0.value.isEmpty }.map(\.value)
    }

    /// The names that appear more than once.
    public var repeatedNames: [String] {
        var counts: [String: Int] = [:]
        for pair in pairs { counts[pair.name, default: 0] += 1 }
        return counts.filter { $0.value > 1 }.map(\.key).sorted()
    }

    /// Parses `application/x-www-form-urlencoded` text (also used for query strings).
    public static func parseForm(_ text: Substring) -> RequestParameters {
        var result = RequestParameters()
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(parts[0])
            let value = parts.count > 1 ? decodeComponent(parts[1]) : ""
            result.append(name, value)
        }
        return result
    }

    private static func decodeComponent(_ text: Substring) -> String {
        // Most values (codes, tokens, grant types) contain neither '+' nor '%': skip Foundation's slower path.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(text)
        }
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

import Foundation

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs. Works on UTF-8 directly: Foundation's
    /// `trimmingCharacters(in:)` goes through UTF-16 and showed up in profiles of the bearer-token path.
    public func trimmingSpaces() -> String {
        let string = String(self)  // free for a String, the common case
        let bytes = string.utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        // Nothing to trim (a bearer token, a typical form value): the string itself, not a copy.
        if first == bytes.startIndex && bytes.index(after: last) == bytes.endIndex { return string }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
