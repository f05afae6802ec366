import Foundation

/// Turns an `OutgoingMessage` into the bytes of an Internet message (RFC 5322): UTF-8 headers as RFC 2047
/// encoded words, a UTF-8 text body sent as 8-bit when the server announced 8BITMIME and as base64 otherwise,
/// CRLF line ends, and dot-stuffing for the SMTP DATA phase (RFC 5321 §4.5.2).
public enum MailFormat {
    public static func data(
        from: MailAddress, to: String, subject: String, body: String, eightBitMIME: Bool, date: Date = Date(),
        messageID: String
    ) -> String {
        var lines = [
            "From: \(from.header)",
            "To: <\(to)>",
            "Subject: \(encodedWords(subject, prefixLength: "Subject: ".count))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
        ]
        let text = normalizedLines(body)
        // 8-bit lines must stay within SMTP's 998 octets; anything longer travels as base64.
        if eightBitMIME && text.allSatisfy({ $0.utf8.count <= 998 }) {
            lines.append("Content-Transfer-Encoding: 8bit")
            lines.append("")
            lines.append(contentsOf: text.map { $0.hasPrefix(".") ? "." + $0 : $0 })
        } else {
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            let encoded = Data(text.joined(separator: "\r\n").utf8).base64EncodedString()
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
                lines.append(String(encoded[index..<end]))
                index = end
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n.\r\n"
    }

    /// The body's lines, whatever line ends it came with.
    static func normalizedLines(_ body: String) -> [String] {
        body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// ASCII text stays as it is; anything else becomes `=?UTF-8?B?…?=` words of at most 75 characters, folded
    /// onto continuation lines, each word holding whole characters only (RFC 2047 §5).
    public static func encodedWords(_ text: String, prefixLength: Int = 0) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) && clean.utf8.count + prefixLength <= 78 { return clean }
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters = 45 bytes of UTF-8 at most per word.
        var words: [String] = []
        var chunk = Data()
        for character in clean {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Taipei")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

/// A sender's address and display name: `教育體系單一簽入服務 <no-reply@sso.edu.tw>`.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String

    public init(address: String, name: String = "") {
        self.address = address
        self.name = name
    }

    var header: String {
        name.isEmpty ? "<\(address)>" : "\(MailFormat.encodedWords(name, prefixLength: 80)) <\(address)>"
    }

    /// Whether the address is safe to put on an SMTP command line: one '@', no spaces, brackets or line breaks.
    public static func isSafe(_ address: String) -> Bool {
        let forbidden = CharacterSet(charactersIn: " <>\r\n\t\"(),;:\\[]")
        return address.utf8.count <= 254 && address.split(separator: "@", omittingEmptySubsequences: false).count == 2
            && address.rangeOfCharacter(from: forbidden) == nil && address.unicodeScalars.allSatisfy { $0.isASCII }
    }
}
