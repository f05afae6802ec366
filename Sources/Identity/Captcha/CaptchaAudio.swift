import Foundation

/// Speaks a captcha: the committed clips of the Mandarin digits (generated offline by
/// `scripts/generate-captcha-audio`), joined into one WAV with short pauses.
struct CaptchaAudio: Sendable {
    /// 16 kHz, mono, 16-bit PCM samples of each digit.
    private let clips: [Data]
    static let sampleRate: UInt32 = 16_000

    init() throws {
        var clips: [Data] = []
        for digit in 0...9 {
            guard let url = Bundle.module.url(forResource: "d\(digit)", withExtension: "wav", subdirectory: "CaptchaAudio"),
                let file = try? Data(contentsOf: url), let pcm = Self.pcm(of: file)
            else { throw CaptchaError.missingAudio(digit) }
            clips.append(pcm)
        }
        self.clips = clips
    }

    func wav(for code: String) -> Data {
        let pause = Data(count: Int(Self.sampleRate) / 4 * 2)  // 0.25 s of silence, 2 bytes a sample
        var pcm = Data(pause)
        for character in code {
            guard let digit = character.wholeNumberValue else { continue }
            pcm.append(clips[digit])
            pcm.append(pause)
        }
        return Self.header(dataSize: UInt32(pcm.count)) + pcm
    }

    /// The samples of a PCM WAV file: the body of its `data` chunk.
    static func pcm(of file: Data) -> Data? {
        let bytes = [UInt8](file)
        guard bytes.count > 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x41, 0x56, 0x45] else {
            return nil
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
                | Int(bytes[offset + 7]) << 24
            if bytes[offset..<offset + 4] == [0x64, 0x61, 0x74, 0x61] {
                let end = min(bytes.count, offset + 8 + size)
                return Data(bytes[(offset + 8)..<end])
            }
            offset += 8 + size + (size % 2)
        }
        return nil
    }

    /// The 44-byte canonical header of a 16 kHz mono 16-bit PCM WAV file.
    static func header(dataSize: UInt32) -> Data {
        var header = Data()
        func append(_ text: String) { header.append(contentsOf: Array(text.utf8)) }
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        append("RIFF")
        append32(36 + dataSize)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(sampleRate)
        append32(sampleRate * 2)  // byte rate
        append16(2)  // block align
        append16(16)  // bits per sample
        append("data")
        append32(dataSize)
        return header
    }
}
