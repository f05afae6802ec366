import Foundation
import Testing

@testable import Identity

/// The captcha image must be a valid PNG that people read but scripts do not: every rendering different, and a
/// template-matching reader, which reads the former undistorted drawings, defeated.
@Suite struct CaptchaImageTests {
    @Test func checksumsMatchPublishedValues() {
        // The check values of the CRC-32 and Adler-32 specifications, so the PNG checks below rest on known ground.
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(PNGEncoder.crc32(Array("IEND".utf8)) == 0xAE42_6082)
    }

    @Test func imageIsAValidGreyscalePNG() throws {
        let png = try DecodedPNG(CaptchaImage.png(code: "407"))
        #expect(png.width == 264)
        #expect(png.height == 104)
        #expect(png.pixels.count == 264 * 104)
        // Dark strokes on a light box: most of the image is background, and there is ink.
        let light = png.pixels.filter { $0 > 0xA0 }.count
        let dark = png.pixels.filter { $0 < 0x70 }.count
        #expect(light > png.pixels.count / 2)
        #expect(dark > png.pixels.count / 50)
    }

    @Test func largerImagesSpanSeveralStoredBlocksAndReadBackExactly() throws {
        // 300 × 300 needs more than one 64 KB stored block; captchas never do, so this is the only check of the split.
        let pixels = (0..<300 * 300).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 300) }
        let png = try DecodedPNG(PNGEncoder.greyscale(width: 300, height: 300, pixels: pixels))
        #expect(png.width == 300 && png.height == 300)
        #expect(png.pixels == pixels)
    }

    @Test func everyRenderingOfACodeIsDifferent() throws {
        let first = try DecodedPNG(CaptchaImage.png(code: "407")).pixels
        let second = try DecodedPNG(CaptchaImage.png(code: "407")).pixels
        let changed = zip(first, second).filter { abs(Int($0) - Int($1)) > 4 }.count
        #expect(Double(changed) / Double(first.count) > 0.5)
        // Not just different grain: the ink itself lies elsewhere.
        let overlap = Ink(first).intersection(with: Ink(second))
        #expect(overlap < 0.5)
    }

    @Test func digitsStayApartAndInsideTheImage() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let digits = (0..<3).map { _ in Int.random(in: 0...9) }
            let boxes = CaptchaImage.glyphs(for: digits, distortion: .captcha, using: &random).map(\.bounds)
            for (box, next) in zip(boxes, boxes.dropFirst()) {
                #expect(box.maxX <= next.minX + 1e-9)
            }
            for box in boxes {
                #expect(box.minX >= 0 && box.minY >= 0)
                #expect(box.maxX <= Double(CaptchaImage.width) && box.maxY <= Double(CaptchaImage.height))
            }
        }
    }

    @Test func templateMatchingReadsOldStyleDrawings() {
        // The former generator's digits: the same shapes moved, scaled and tilted, but not warped, on a plain box.
        let oldStyle = CaptchaImage.Distortion(
            scale: 4...5, aspect: 0.95...1.05, shear: 0...0, rotation: -0.35...0.35, warp: 0...0, pointJitter: 0.5,
            strokeWidth: 5.2...7.2, strokeVariation: 0, gap: 14...40, drift: 1, clutter: false)
        let rate = TemplateReader.shared.successRate(distortion: oldStyle, codes: 100)
        #expect(rate >= 0.6, "read \(rate) of old-style codes")
    }

    @Test func templateMatchingFailsOnCaptchas() {
        let rate = TemplateReader.shared.successRate(distortion: .captcha, codes: 100)
        #expect(rate < 0.1, "read \(rate) of captchas")
    }
}

/// A CAPTCHA-solving script's first try: binarise, cut into three digits, and match each against the plain digit
/// shapes, tilted every few degrees and scaled to their bounding box, by normalised correlation.
private struct TemplateReader: Sendable {
    static let shared = TemplateReader()
    /// Cells of the grid every digit is resampled to.
    static let columns = 10
    static let rows = 16

    /// Per digit, its plain shape at every tilt tried.
    let templates: [[[Double]]]

    init() {
        let tilts = stride(from: -0.4, through: 0.4, by: 0.08)
        templates = (0...9).map { digit in
            tilts.map { tilt in
                var plain = CaptchaImage.Distortion.plain
                plain.rotation = tilt...tilt
                let ink = Ink(CaptchaImage.pixels(code: "\(digit)", distortion: plain))
                return Self.features(ink, columns: 0..<CaptchaImage.width)
            }
        }
    }

    func successRate(distortion: CaptchaImage.Distortion, codes: Int) -> Double {
        let read = (0..<codes).filter { _ in
            let code = String(format: "%03d", Int.random(in: 0...999))
            return self.read(CaptchaImage.pixels(code: code, distortion: distortion)) == code
        }
        return Double(read.count) / Double(codes)
    }

    func read(_ pixels: [UInt8]) -> String {
        let ink = Ink(pixels)
        return Self.digitColumns(ink).map { columns in
            let features = Self.features(ink, columns: columns)
            let scores = templates.map { tilts in tilts.map { Self.correlation(features, $0) }.max() ?? 0 }
            return String(scores.indices.max { scores[$0] < scores[$1] } ?? 0)
        }.joined()
    }

    /// Three runs of inked columns when blank columns separate the digits, else the image's thirds.
    static func digitColumns(_ ink: Ink) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start: Int?
        for column in 0...ink.width {
            let inked = column < ink.width && (0..<ink.height).contains { ink[column, $0] }
            if inked, start == nil { start = column }
            if !inked, let first = start {
                // Specks are not digits.
                if column - first > 4 { runs.append(first..<column) }
                start = nil
            }
        }
        if runs.count == 3 { return runs }
        let third = ink.width / 3
        return [0..<third, third..<2 * third, 2 * third..<ink.width]
    }

    /// The inked pixels in each cell of the ink's bounding box within `columns`, centred and scaled to unit length.
    static func features(_ ink: Ink, columns: Range<Int>) -> [Double] {
        var (left, right, top, bottom) = (Int.max, Int.min, Int.max, Int.min)
        for row in 0..<ink.height {
            for column in columns where ink[column, row] {
                (left, right) = (min(left, column), max(right, column))
                (top, bottom) = (min(top, row), max(bottom, row))
            }
        }
        var cells = [Double](repeating: 0, count: Self.columns * Self.rows)
        guard left <= right else { return cells }
        for row in top...bottom {
            let cellRow = (row - top) * Self.rows / (bottom - top + 1)
            for column in left...right where ink[column, row] {
                cells[cellRow * Self.columns + (column - left) * Self.columns / (right - left + 1)] += 1
            }
        }
        let mean = cells.reduce(0, +) / Double(cells.count)
        let centred = cells.map { $0 - mean }
        let norm = centred.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? centred.map { $0 / norm } : centred
    }

    static func correlation(_ first: [Double], _ second: [Double]) -> Double {
        var sum = 0.0
        for index in first.indices { sum += first[index] * second[index] }
        return sum
    }
}

/// Which pixels of a rendering are dark enough to be ink.
private struct Ink: Sendable {
    let width = CaptchaImage.width
    let height = CaptchaImage.height
    let dark: [Bool]

    init(_ pixels: [UInt8]) { dark = pixels.map { $0 < 0x80 } }

    subscript(column: Int, row: Int) -> Bool { dark[row * width + column] }

    /// Intersection over union of the two ink masks.
    func intersection(with other: Ink) -> Double {
        let both = zip(dark, other.dark).filter { $0 && $1 }.count
        let either = zip(dark, other.dark).filter { $0 || $1 }.count
        return either == 0 ? 1 : Double(both) / Double(either)
    }
}

/// A PNG read back independently of the encoder: chunk CRCs, the zlib header and Adler-32 checked, stored deflate
/// blocks unpacked and scanline filters removed.
private struct DecodedPNG {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    let width: Int
    let height: Int
    let pixels: [UInt8]

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Invalid(description: "signature")
        }
        var chunks: [(type: String, data: [UInt8])] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(Self.bigEndian(bytes, at: offset))
            guard offset + 12 + length <= bytes.count else { throw Invalid(description: "truncated chunk") }
            let body = Array(bytes[offset + 4..<offset + 8 + length])
            guard PNGEncoder.crc32(body) == Self.bigEndian(bytes, at: offset + 8 + length) else {
                throw Invalid(description: "CRC of chunk at \(offset)")
            }
            chunks.append((String(decoding: body[0..<4], as: UTF8.self), Array(body[4...])))
            offset += 12 + length
        }
        guard offset == bytes.count else { throw Invalid(description: "bytes after the last chunk") }
        guard chunks.first?.type == "IHDR", let header = chunks.first?.data, header.count == 13 else {
            throw Invalid(description: "IHDR")
        }
        guard chunks.last?.type == "IEND", chunks.last?.data.isEmpty == true else { throw Invalid(description: "IEND") }
        // 8-bit greyscale, deflate, standard filters, no interlace.
        guard header[8...] == [8, 0, 0, 0, 0] else { throw Invalid(description: "format \(Array(header[8...]))") }
        width = Int(Self.bigEndian(header, at: 0))
        height = Int(Self.bigEndian(header, at: 4))
        let scanlines = try Self.inflateStored(chunks.filter { $0.type == "IDAT" }.flatMap(\.data))
        guard scanlines.count == (width + 1) * height else { throw Invalid(description: "image data size") }
        var pixels: [UInt8] = []
        for row in 0..<height {
            let line = scanlines[row * (width + 1)..<(row + 1) * (width + 1)]
            guard line.first == 0 else { throw Invalid(description: "filter \(line.first ?? 0) on row \(row)") }
            pixels.append(contentsOf: line.dropFirst())
        }
        self.pixels = pixels
    }

    private static func inflateStored(_ stream: [UInt8]) throws -> [UInt8] {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (Int(stream[0]) << 8 | Int(stream[1])) % 31 == 0,
            stream[1] & 0x20 == 0
        else {
            throw Invalid(description: "zlib header")
        }
        var output: [UInt8] = []
        var offset = 2
        var final = false
        while !final {
            guard offset + 5 <= stream.count, stream[offset] >> 1 & 0b11 == 0 else {
                throw Invalid(description: "not a stored block")
            }
            final = stream[offset] & 1 == 1
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
            guard length ^ complement == 0xFFFF, offset + 5 + length <= stream.count else {
                throw Invalid(description: "block length")
            }
            output.append(contentsOf: stream[offset + 5..<offset + 5 + length])
            offset += 5 + length
        }
        guard offset + 4 == stream.count, bigEndian(stream, at: offset) == PNGEncoder.adler32(output) else {
            throw Invalid(description: "Adler-32")
        }
        return output
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// The spoken captcha must be a valid WAV that people follow but that shares no stretch of bytes with the
/// committed clips or with another rendering, so that matching bytes reads nothing.
@Suite struct CaptchaAudioTests {
    /// The committed clips, read from the source tree: the test target cannot reach Identity's bundle.
    static let clips: [Data] = (0...9).map { digit in
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/Identity/Resources/CaptchaAudio/d\(digit).wav").standardized
        return (try? Data(contentsOf: url)).flatMap(CaptchaAudio.pcm(of:)) ?? Data()
    }
    static let audio = CaptchaAudio(clips: clips)

    @Test func clipsAreThere() {
        #expect(Self.clips.allSatisfy { $0.count > 8_000 })
    }

    @Test func pcmReadsBackWhatHeaderWrites() {
        let body = Data((0..<100).map { UInt8($0) })
        #expect(CaptchaAudio.pcm(of: CaptchaAudio.header(dataSize: UInt32(body.count)) + body) == body)
    }

    @Test func wavHasACanonicalHeaderAndAPlausibleLength() {
        let wav = [UInt8](Self.audio.wav(for: "407"))
        let dataSize = wav.count - 44
        #expect(Array(wav[0..<44]) == Array(CaptchaAudio.header(dataSize: UInt32(dataSize))))
        #expect(dataSize % 2 == 0)
        let seconds = Double(dataSize / 2) / 16_000
        // The three clips without the 0.25 s of silence each ends with, at the fastest and slowest speeds, with the
        // shortest and longest pauses; 10 ms for rounding.
        let speech = [4, 0, 7].map { Double(Self.clips[$0].count / 2) / 16_000 - 0.25 }.reduce(0, +)
        let shortest =
            speech / CaptchaAudio.speed.upperBound + CaptchaAudio.leadIn.lowerBound
            + 2 * CaptchaAudio.pause.lowerBound + CaptchaAudio.tail.lowerBound - 0.01
        let longest =
            speech / CaptchaAudio.speed.lowerBound + CaptchaAudio.leadIn.upperBound
            + 2 * CaptchaAudio.pause.upperBound + CaptchaAudio.tail.upperBound + 0.01
        #expect(seconds >= shortest && seconds <= longest, "\(seconds) s")
    }

    @Test func speechStandsWellAboveTheNoiseThatNeverStops() {
        let frames = Self.frameLevels(Self.audio.wav(for: "407")).sorted()
        let quiet = frames[frames.count / 10]
        let loud = frames[frames.count * 19 / 20]
        // Noise throughout: not a single 20 ms frame of silence a script could cut at.
        #expect(frames[0] > 30)
        let ratio = 20 * log10(loud / quiet)
        #expect(ratio > 10 && ratio < 40, "\(ratio) dB")
    }

    @Test func twoRenderingsShareNoRunOfBytes() {
        let first = [UInt8](Self.audio.wav(for: "407").dropFirst(44))
        let second = [UInt8](Self.audio.wav(for: "407").dropFirst(44))
        #expect(SharedRuns(of: 32, in: [first]).found(in: second) == nil)
    }

    @Test func noRenderingContainsAStretchOfAClip() {
        let clipRuns = SharedRuns(of: 64, in: Self.clips.map { [UInt8]($0) })
        for code in ["012", "345", "678", "999"] {
            let rendering = [UInt8](Self.audio.wav(for: code).dropFirst(44))
            #expect(clipRuns.found(in: rendering) == nil, "\(code)")
        }
    }

    @Test func byteRunChecksCatchClipsJoinedAsTheyWere() {
        // What the former generator did: the clips as they are, between fixed silences. Both checks above must
        // fail on it, or they prove nothing.
        func joined(_ code: [Int]) -> [UInt8] {
            let pause = [UInt8](repeating: 0, count: 8_000)
            return code.reduce(pause) { $0 + [UInt8](Self.clips[$1]) + pause }
        }
        #expect(SharedRuns(of: 64, in: Self.clips.map { [UInt8]($0) }).found(in: joined([4, 0, 7])) != nil)
        #expect(SharedRuns(of: 32, in: [joined([4, 0, 7])]).found(in: joined([4, 0, 7])) != nil)
    }

    /// Root-mean-square sample value of every 20 ms of the WAV's samples.
    static func frameLevels(_ wav: Data) -> [Double] {
        let bytes = [UInt8](wav.dropFirst(44))
        let samples = stride(from: 0, to: bytes.count - 1, by: 2).map {
            Double(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8))
        }
        return stride(from: 0, to: samples.count - 320, by: 320).map { start in
            (samples[start..<start + 320].reduce(0) { $0 + $1 * $1 } / 320).squareRoot()
        }
    }
}

/// Every run of `length` bytes of some byte strings, found again by a rolling hash (and confirmed byte for byte).
private struct SharedRuns {
    let length: Int
    let sources: [[UInt8]]
    /// One place of each run; a second place with the same bytes would add nothing.
    private var runs: [UInt64: (source: Int, offset: Int)] = [:]

    init(of length: Int, in sources: [[UInt8]]) {
        self.length = length
        self.sources = sources
        for (index, source) in sources.enumerated() {
            Self.forEachHash(of: source, length: length) { hash, offset in runs[hash] = (index, offset) }
        }
    }

    /// The offset in `bytes` of a run that also occurs in the sources, if any.
    func found(in bytes: [UInt8]) -> Int? {
        var match: Int?
        Self.forEachHash(of: bytes, length: length) { hash, offset in
            guard match == nil, let run = runs[hash] else { return }
            if sources[run.source][run.offset..<run.offset + length] == bytes[offset..<offset + length] {
                match = offset
            }
        }
        return match
    }

    private static let base: UInt64 = 0x100_0000_01B3

    private static func forEachHash(of bytes: [UInt8], length: Int, _ body: (UInt64, Int) -> Void) {
        guard bytes.count >= length else { return }
        // base^length, to take the byte leaving the window back out; arithmetic wraps modulo 2^64.
        let leaving = (0..<length).reduce(UInt64(1)) { power, _ in power &* base }
        var hash: UInt64 = 0
        for index in bytes.indices {
            hash = hash &* base &+ UInt64(bytes[index])
            if index >= length { hash = hash &- leaving &* UInt64(bytes[index - length]) }
            if index >= length - 1 { body(hash, index - length + 1) }
        }
    }
}
