import Foundation
import JSONText
import OIDC
import Testing

/// `JSONValue.jsonData` writes JSON itself; Foundation's `JSONEncoder` and `JSONSerialization` are the
/// independent implementations it is checked against, on random values (a failure prints the text it wrote).
@Suite struct JSONTextTests {
    static let awkwardStrings = [
        "", "a", "教育雲端帳號", "quote\"back\\slash/", "line\nfeed\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}\u{2029}", "nel\u{85}c1\u{9F}\u{A0}",
        "emoji 👩🏽‍🎓", "é (precomposed) e\u{301} (combining)", "</script>", "\u{FEFF}bom", "臺北市\\n",
    ]
    static let plainStrings = ["", "a", "教育雲端帳號", "quote\"back\\slash/", "emoji 👩🏽‍🎓", "https://example.edu.tw/x?y=1&z"]

    static func value(_ generator: inout some RandomNumberGenerator, depth: Int, strings: [String], keys: [String], doubles: Bool) -> JSONValue {
        let kinds = depth > 0 ? 7 : 5
        switch generator.next() % UInt64(kinds) {
        case 0: return .string(strings.randomElement(using: &generator)!)
        case 1: return .int([0, 1, -1, 42, Int64.max, Int64.min, 1_700_000_000].randomElement(using: &generator)!)
        case 2:
            guard doubles else { return .bool(generator.next() % 2 == 0) }
            return .double([0.5, -1.25, 1e-5, 3.0, 1e20, 123_456.789].randomElement(using: &generator)!)
        case 3: return .bool(generator.next() % 2 == 0)
        case 4: return .null
        case 5:
            return .array((0..<Int(generator.next() % 4)).map { _ in
                value(&generator, depth: depth - 1, strings: strings, keys: keys, doubles: doubles)
            })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(generator.next() % 6) {
                members[keys.randomElement(using: &generator)!] = value(&generator, depth: depth - 1, strings: strings, keys: keys, doubles: doubles)
            }
            return .object(members)
        }
    }

    /// 400 values up to three levels deep.
    static func randomValues(strings: [String], keys: [String], doubles: Bool) -> [JSONValue] {
        var generator = SystemRandomNumberGenerator()
        return (0..<400).map { _ in value(&generator, depth: 3, strings: strings, keys: keys, doubles: doubles) }
    }

    static func foundationEncoded(_ value: JSONValue) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Whether two parsed JSON documents are the same document.
    static func same(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        case let (a as [Any], b as [Any]): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case let (a as String, b as String): return a == b
        case let (a as NSNumber, b as NSNumber): return a == b
        case (is NSNull, is NSNull): return true
        default: return false
        }
    }

    /// Any value, awkward strings and keys included: the text parses (with JSONSerialization) to the same thing
    /// as JSONEncoder's, and JSONDecoder reads the value back.
    @Test func everyValueMeansWhatJSONEncoderWrites() throws {
        let keys = ["sub", "eduinfo", "Z", "a10", "a9", "教育", "key\"q", "\u{2028}", "line\nkey", ""]
        for value in Self.randomValues(strings: Self.awkwardStrings, keys: keys, doubles: true) {
            let ours = try value.jsonData()
            let parsed = try JSONSerialization.jsonObject(with: ours, options: [.fragmentsAllowed])
            let theirs = try JSONSerialization.jsonObject(with: Self.foundationEncoded(value), options: [.fragmentsAllowed])
            #expect(Self.same(parsed, theirs), "\(String(decoding: ours, as: UTF8.self))")
            // Read back: the same text again (whole doubles read back as integers, written the same; -0 is not in
            // this pool, since it reads back as the integer 0: `doublesAreWrittenAsJSONEncoderWritesThem` has it).
            let back = try JSONDecoder().decode(JSONValue.self, from: ours)
            #expect(try back.jsonData() == ours, "\(String(decoding: ours, as: UTF8.self))")
        }
    }

    /// Claims as the server writes them (ASCII keys, ordinary strings, no doubles): byte for byte what JSONEncoder
    /// with `.sortedKeys` and `.withoutEscapingSlashes` writes.
    @Test func ordinaryClaimsAreByteForByteJSONEncoders() throws {
        let keys = ["sub", "name", "email", "eduinfo", "schoolid", "titles", "classinfo", "guid", "personid", "iss"]
        for value in Self.randomValues(strings: Self.plainStrings, keys: keys, doubles: false) {
            let ours = try value.jsonData()
            #expect(try ours == Self.foundationEncoded(value), "\(String(decoding: ours, as: UTF8.self))")
        }
    }

    /// Doubles as JSONEncoder writes them, the edge cases included (a whole double, -0, past 2^53, tiny).
    @Test func doublesAreWrittenAsJSONEncoderWritesThem() throws {
        for value in [0.5, -1.25, 1e-5, 3.0, -0.0, 1e15, 1e16, 1e20, 9_007_199_254_740_993.0, 123_456.789, 0.1, 1.0 / 3] {
            let ours = try JSONValue.double(value).jsonData()
            #expect(try ours == Self.foundationEncoded(.double(value)), "\(value): \(String(decoding: ours, as: UTF8.self))")
        }
    }

    @Test func escapes() throws {
        #expect(JSONText.escaped("a\"b\\c/d") == #"a\"b\\c/d"#)
        #expect(JSONText.escaped("\n\r\t\u{0}\u{1F}") == #"\n\r\t\u0000\u001f"#)
        #expect(JSONText.escaped("x\u{2028}y\u{2029}z") == #"x\u2028y\u2029z"#)
        // C1 controls (NEL is a line break to Python's splitlines) are escaped; U+00A0 and beyond are not.
        #expect(JSONText.escaped("a\u{85}b\u{80}\u{9F}\u{A0}é") == #"a\u0085b\u0080\u009f"# + "\u{A0}é")
        #expect(JSONText.escaped("教育 👩🏽‍🎓 \u{7F}") == "教育 👩🏽‍🎓 \u{7F}")
        // A lone E2 lead byte sequence that is not U+2028/2029 passes through untouched.
        #expect(JSONText.escaped("\u{2026}\u{20AC}") == "\u{2026}\u{20AC}")
        #expect(throws: EncodingError.self) { try JSONValue.double(.infinity).jsonData() }
        #expect(throws: EncodingError.self) { try JSONValue.array([.double(.nan)]).jsonData() }
    }

    /// `JSON.encode` of claims takes the direct writer, and still writes everything else through JSONEncoder.
    @Test func jsonEncodeTakesTheDirectWriterForClaims() throws {
        let claims: [String: JSONValue] = ["sub": .string("x\u{2028}"), "n": .int(1)]
        #expect(try JSON.encode(claims) == JSONValue.object(claims).jsonData())
        #expect(String(decoding: try JSON.encode(claims), as: UTF8.self).contains(#"\u2028"#))
        #expect(try JSON.encode(["k": "v/w"]) == Data(#"{"k":"v/w"}"#.utf8))
        let single: JSONValue = .array([.string("x\u{2028}")])
        #expect(try JSON.encode(single) == single.jsonData())
        #expect(String(decoding: try JSON.encode(single), as: UTF8.self) == #"["x\u2028"]"#)
    }
}
