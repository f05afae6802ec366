import Foundation
import JSONText

/// A JSON value of any shape: the claims an ID token, userinfo or eduinfo answer carries are decided at
/// run time by the granted scopes, so they are modelled as data rather than as fixed structs.
public enum JSONValue: Sendable, Hashable, Codable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Strings are by far the most common claim values, so they are tried first: every failed attempt
        // costs an error allocation.
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// The value as compact JSON text with sorted keys — what `JSONEncoder` with `.sortedKeys` and
    /// `.withoutEscapingSlashes` writes, without its containers (a userinfo answer spent a fifth of its CPU in
    /// them). Keys are sorted by their UTF-8 bytes. A number that is not finite throws, as with `JSONEncoder`.
    public func jsonData() throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try write(into: &out)
        return Data(out)
    }

    func write(into out: inout [UInt8]) throws {
        switch self {
        case .string(let value): JSONText.appendString(value, to: &out)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value):
            guard value.isFinite else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number"))
            }
            // Swift's shortest round-trip form, without a trailing ".0" — as JSONEncoder writes doubles: 3.0 is
            // "3", -0.0 "-0", 1e16 "1e+16".
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.append(contentsOf: text.utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try value.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try member.value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// One encoder configuration for every JSON body the server emits: sorted keys keep responses
/// byte-stable (tests and caches like that), and slashes stay unescaped so URLs read naturally.
public enum JSON {
    /// Compact JSON with sorted keys and unescaped slashes. Claims (`[String: JSONValue]`, the userinfo, eduinfo
    /// and introspection answers) are written directly (`JSONValue.write`); everything else goes through
    /// `JSONEncoder`.
    public static func encode<Value: Encodable>(_ value: Value) throws -> Data {
        if Value.self == [String: JSONValue].self, let claims = value as? [String: JSONValue] {
            return try JSONValue.object(claims).jsonData()
        }
        if Value.self == JSONValue.self, let claims = value as? JSONValue {
            return try claims.jsonData()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
