import Foundation
import Testing

@testable import Identity

@Suite struct TOTPTests {
    /// RFC 6238 Appendix B (SHA-1 key "12345678901234567890"); the last six of its eight digits are the 6-digit code.
    @Test func matchesTheRFC6238TestVectors() {
        let secret = Data("12345678901234567890".utf8)
        let vectors: [(Int64, String)] = [
            (59, "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
            (2_000_000_000, "279037"), (20_000_000_000, "353130"),
        ]
        for (time, code) in vectors {
            #expect(TOTP.code(secret: secret, step: TOTP.step(at: time)) == code, "t=\(time)")
        }
    }

    @Test func acceptsOneStepOfDriftEitherWayAndNoMore() {
        let secret = TOTP.newSecret()
        let now: Int64 = 1_800_000_000
        let step = TOTP.step(at: now)
        for offset: Int64 in -1...1 {
            #expect(TOTP.matchingStep(secret: secret, code: TOTP.code(secret: secret, step: step + offset), at: now) == step + offset)
        }
        for offset: Int64 in [-3, -2, 2, 3] {
            let code = TOTP.code(secret: secret, step: step + offset)
            // A code two steps away could coincide with a nearer one by chance (one in a million); that is not drift.
            let nearby = (-1...1).map { TOTP.code(secret: secret, step: step + $0) }
            if !nearby.contains(code) { #expect(TOTP.matchingStep(secret: secret, code: code, at: now) == nil) }
        }
        #expect(TOTP.matchingStep(secret: secret, code: "12345", at: now) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "１２３４５６", at: now) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "abcdef", at: now) == nil)
    }

    @Test func base32MatchesRFC4648AndRoundTrips() {
        let vectors = [("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Data(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Data(plain.utf8))
        }
        let secret = TOTP.newSecret()
        #expect(Base32.decode(Base32.encode(secret).lowercased()) == secret)
        #expect(Base32.decode("MZXW 6YTB OI======") == Data("foobar".utf8))
        #expect(Base32.decode("MZ1W") == nil)
    }

    @Test func theURIFollowsTheKeyURIFormat() {
        let secret = Data("12345678901234567890".utf8)
        #expect(
            TOTP.uri(secret: secret, account: "student@edu.tw")
                == "otpauth://totp/EduSSO%3Astudent@edu.tw?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=EduSSO&algorithm=SHA1&digits=6&period=30")
        #expect(TOTP.uri(secret: secret, account: "林小華").hasPrefix("otpauth://totp/EduSSO%3A%E6%9E%97%E5%B0%8F%E8%8F%AF?"))
    }

    @Test func recoveryCodesAreTenCharactersFromAnUnambiguousAlphabet() {
        let codes = (0..<50).map { _ in TwoFactor.newRecoveryCode() }
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(code.count == 11 && code.dropFirst(5).first == "-")
            #expect(!code.contains { "01ilo".contains($0) })
        }
    }
}

@Suite struct UserAgentSummaryTests {
    @Test func namesBrowserAndSystemCoarsely() {
        let cases = [
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari · iOS"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36", "Chrome · Android"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0", "Edge · Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox · macOS"),
            ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Chrome · ChromeOS"),
            ("", "—"), ("something else", "?"),
        ]
        for (ua, summary) in cases { #expect(UserAgentSummary.describe(ua) == summary, "\(ua)") }
    }
}

/// The QR codes are decoded by an independent reader (zbarimg, from Debian's zbar-tools, which `scripts/test`
/// installs): the bytes read back must be exactly the bytes encoded, over several QR versions and for UTF-8 text.
@Suite struct QRCodeTests {
    static let zbarimg = "/usr/bin/zbarimg"

    func decode(_ svg: String) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).svg")
        try svg.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.zbarimg)
        // Raw binary output: no charset guessing, so the bytes can be compared exactly.
        process.arguments = ["-q", "--raw", "-Sbinary", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "zbarimg found no code")
        return data
    }

    @Test(arguments: [
        "otpauth://totp/EduSSO%3Astudent@edu.tw?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=EduSSO&algorithm=SHA1&digits=6&period=30",
        "EduSSO:林小華 — 教育雲端帳號",
        "A",
        String(repeating: "0123456789abcdef", count: 40),
        "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2",
    ])
    func decodesByteForByte(_ text: String) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.zbarimg), "install zbar-tools (scripts/test does)")
        let code = try #require(QRCode(text: text))
        var decoded = try decode(code.svg(title: "test"))
        // zbarimg ends its output with a newline.
        if decoded.last == 0x0A { decoded.removeLast() }
        #expect(decoded == Data(text.utf8), "version \(code.version)")
    }

    @Test func choosesLargerVersionsForLongerData() throws {
        let small = try #require(QRCode(text: "A"))
        let large = try #require(QRCode(text: String(repeating: "0123456789abcdef", count: 40)))
        #expect(small.version == 1 && small.width == 21)
        #expect(large.version > 10 && large.width == 17 + 4 * large.version)
        #expect(QRCode(bytes: Array(repeating: 0x41, count: 4000)) == nil)
    }

    @Test func theTitleIsEscaped() throws {
        let svg = try #require(QRCode(text: "x")).svg(title: "<script>&")
        #expect(svg.contains("<title>&lt;script&gt;&amp;</title>"))
    }
}
