import Foundation
import Testing

@testable import Notify

@Suite struct MailFormatTests {
    @Test func chineseSubjectsBecomeEncodedWordsOfWholeCharacters() throws {
        let subject = "教育雲端帳號重設密碼驗證碼 / Code to reset your education cloud account password"
        let encoded = MailFormat.encodedWords(subject, prefixLength: 9)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var decoded = Data()
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            // Each word decodes on its own: no character is split between two words.
            #expect(String(data: payload, encoding: .utf8) != nil)
            decoded.append(payload)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
        #expect(MailFormat.encodedWords("Plain ASCII") == "Plain ASCII")
    }

    @Test func eightBitBodiesAreDotStuffedAndBase64IsTheFallback() throws {
        let from = MailAddress(address: "no-reply@sso.example.edu.tw", name: "教育體系單一簽入服務")
        let body = "第一行\n.以點開頭\n最後"
        let eight = MailFormat.data(from: from, to: "a@example.com", subject: "主旨", body: body, eightBitMIME: true, messageID: "x@y")
        #expect(eight.contains("Content-Transfer-Encoding: 8bit\r\n"))
        #expect(eight.contains("\r\n..以點開頭\r\n"))
        #expect(eight.hasSuffix("\r\n.\r\n"))
        #expect(!eight.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(eight.contains("From: =?UTF-8?B?"))
        let seven = MailFormat.data(from: from, to: "a@example.com", subject: "主旨", body: body, eightBitMIME: false, messageID: "x@y")
        #expect(seven.contains("Content-Transfer-Encoding: base64\r\n"))
        #expect(seven.utf8.allSatisfy { $0 < 0x80 })
        let encodedBody = seven.components(separatedBy: "\r\n\r\n")[1].replacingOccurrences(of: "\r\n.\r\n", with: "")
            .replacingOccurrences(of: "\r\n", with: "")
        #expect(String(decoding: try #require(Data(base64Encoded: encodedBody)), as: UTF8.self) == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func addressesThatCouldInjectCommandsAreRefused() {
        #expect(MailAddress.isSafe("student@example.com"))
        for bad in ["a@b.c>\r\nRCPT TO:<x@y.z", "a b@c.d", "no-at-sign", "a@b@c", "學生@example.com"] {
            #expect(!MailAddress.isSafe(bad), "\(bad)")
        }
    }

    @Test func smsBodiesAreEscapedForTheirContentType() throws {
        let json = try SMSGatewaySender(SMSGatewayConfiguration(url: "https://sms.example/send"))
        let body = json.body(to: "0912345678", text: "驗證碼 \"123456\"\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
        #expect(parsed == ["to": "0912345678", "text": "驗證碼 \"123456\"\n"])
        let form = try SMSGatewaySender(
            SMSGatewayConfiguration(
                url: "https://sms.example/send", contentType: "application/x-www-form-urlencoded",
                bodyTemplate: "dst={{to}}&msg={{text}}"))
        #expect(form.body(to: "0912345678", text: "碼 1&2") == "dst=0912345678&msg=%E7%A2%BC%201%262")
    }

    @Test func summariesMaskCodesAndRecipients() {
        let message = OutgoingMessage(channel: .sms, to: "0912345678", subject: "", body: "驗證碼 483920，60 分鐘內有效")
        #expect(message.maskedRecipient == "0912***678")
        #expect(!message.summary.contains("483920"))
        #expect(OutgoingMessage(channel: .email, to: "student@example.com", subject: "", body: "").maskedRecipient == "st***@example.com")
    }
}
