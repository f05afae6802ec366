/// JSON text written directly as UTF-8, for the places where Foundation's `JSONEncoder` costs more than the work
/// it does (a userinfo answer spent a fifth of its CPU in the encoder's containers) and for the log lines. One
/// string escaper for the whole server: what RFC 8259 requires (`"`, `\` and the C0 control characters), plus the
/// C1 control characters (U+0080–U+009F, NEL among them) and U+2028 and U+2029, which are valid JSON but which some
/// readers take for line breaks (Python's `splitlines` does for all three), so that no value can start a log line
/// of its own. `/` is not escaped, like `JSONEncoder` with `.withoutEscapingSlashes`.
public enum JSONText {
    /// Appends `value` as a JSON string literal, quotes included.
    public static func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendEscaped(value, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// The inside of a JSON string literal for `value`, without the quotes.
    public static func escaped(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        appendEscaped(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        let bytes = value.utf8
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case UInt8(ascii: "\n"): out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20: appendUnicodeEscape(UInt16(byte), to: &out)
            case 0xC2:
                // U+0080–U+009F are C2 80 … C2 9F in UTF-8.
                let next = bytes.index(after: index)
                if next != bytes.endIndex, (0x80...0x9F).contains(bytes[next]) {
                    appendUnicodeEscape(UInt16(bytes[next]), to: &out)
                    index = bytes.index(after: next)
                    continue
                }
                out.append(byte)
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
                let next = bytes.index(after: index)
                if next != bytes.endIndex, bytes[next] == 0x80, bytes.index(after: next) != bytes.endIndex {
                    let last = bytes[bytes.index(after: next)]
                    if last == 0xA8 || last == 0xA9 {
                        appendUnicodeEscape(last == 0xA8 ? 0x2028 : 0x2029, to: &out)
                        index = bytes.index(after: bytes.index(after: next))
                        continue
                    }
                }
                out.append(byte)
            default: out.append(byte)
            }
            index = bytes.index(after: index)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendUnicodeEscape(_ code: UInt16, to out: inout [UInt8]) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((code >> UInt16(shift)) & 0xF)])
        }
    }
}
