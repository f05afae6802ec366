import Foundation

/// Speaks a captcha in Mandarin from the committed digit clips (generated offline by
/// `scripts/generate-captcha-audio`), performed afresh for every request: each digit at its own speed and pitch,
/// loudness and swell, after random pauses, all under continuous background noise and a faint babble of other
/// digits. No stretch of the result repeats the clips or another rendering, so a script cannot read the code by
/// matching bytes as it could when the clips were joined as they are, while a person still hears the digits clearly.
struct CaptchaAudio: Sendable {
    static let sampleRate: UInt32 = 16_000

    /// Playback speed of a digit; it changes pitch and length together, like a different voice.
    static let speed = 0.88...1.15
    /// Loudness of a digit, relative to its clip.
    static let gain = 0.55...1.0
    /// Seconds of pause before the first digit, between digits and after the last.
    static let leadIn = 0.15...0.5
    static let pause = 0.2...0.6
    static let tail = 0.2...0.45
    /// Speech over background noise, in decibels: far enough above to stay easy to follow.
    static let signalToNoise = 13.0...19.0
    /// Speech over the babble of scrambled digits, in decibels: a murmur, not a competing voice.
    static let signalToBabble = 20.0...26.0

    /// Samples of each digit, without the silence the clips end with, so that the random pauses alone set the rhythm.
    private let digits: [[Float]]

    /// `clips` are the PCM bodies (see `pcm(of:)`) of the digits 0 to 9, in order.
    init(clips: [Data]) {
        precondition(clips.count == 10, "one clip per digit, 0 to 9")
        digits = clips.map { Self.withoutTrailingSilence(Self.samples(of: $0)) }
    }

    /// A 16 kHz mono 16-bit PCM WAV file speaking the digits of `code`; other characters are skipped.
    func wav(for code: String) -> Data {
        var random = SystemRandomNumberGenerator()
        func seconds(_ range: ClosedRange<Double>) -> Int {
            Int(Double.random(in: range, using: &random) * Double(Self.sampleRate))
        }
        let spoken = code.compactMap(\.wholeNumberValue).map { perform(digits[$0], using: &random) }
        var starts: [Int] = []
        var length = seconds(Self.leadIn)
        for (index, digit) in spoken.enumerated() {
            starts.append(length)
            length += digit.count + seconds(index == spoken.count - 1 ? Self.tail : Self.pause)
        }
        var mix = [Float](repeating: 0, count: length)
        for (digit, start) in zip(spoken, starts) {
            mix.add(digit, at: start)
        }
        // Levels are set against the speech itself, so every rendering is equally easy to hear whatever the gains.
        let speechLevel = Self.rootMeanSquare(spoken.flatMap { $0 })
        let noiseLevel = speechLevel / Self.decibels(Self.signalToNoise, using: &random)
        let babbleLevel = speechLevel / Self.decibels(Self.signalToBabble, using: &random)
        mix.add(backgroundNoise(count: length, level: noiseLevel, using: &random), at: 0)
        mix.add(babble(count: length, level: babbleLevel, using: &random), at: 0)

        let samples = mix.map { Int16(max(Float(Int16.min), min(Float(Int16.max), $0.rounded()))).littleEndian }
        let pcm = samples.withUnsafeBytes { Data($0) }
        return Self.header(dataSize: UInt32(pcm.count)) + pcm
    }

    /// One digit resampled to a random speed, with a random gain that swells a little while it is spoken.
    private func perform(_ clip: [Float], using random: inout SystemRandomNumberGenerator) -> [Float] {
        let speed = Double.random(in: Self.speed, using: &random)
        let gain = Double.random(in: Self.gain, using: &random)
        let swellDepth = Double.random(in: 0...0.15, using: &random)
        let swellRate = Double.random(in: 1.5...4, using: &random) / Double(Self.sampleRate)
        let swellPhase = Double.random(in: 0...2 * .pi, using: &random)
        let resampled = Self.resampled(clip, speed: speed)
        // 8 ms fades: a clip cut mid-wave would click, and a click marks where a digit starts for a script too.
        let fade = Double(Self.sampleRate) * 0.008
        return resampled.indices.map { index in
            let edge = min(1, Double(index) / fade, Double(resampled.count - 1 - index) / fade)
            let swell = 1 + swellDepth * sin(2 * .pi * swellRate * Double(index) + swellPhase)
            return resampled[index] * Float(gain * swell * edge)
        }
    }

    /// Filtered noise whose colour and loudness drift: a steady hiss could be subtracted by its spectrum.
    private func backgroundNoise(count: Int, level: Double, using random: inout SystemRandomNumberGenerator) -> [Float]
    {
        // A one-pole low-pass with a random corner between about 700 Hz and 4 kHz.
        let smoothing = Float.random(in: 0.2...0.75, using: &random)
        let driftRate = Double.random(in: 0.2...0.8, using: &random) / Double(Self.sampleRate)
        let driftPhase = Double.random(in: 0...2 * .pi, using: &random)
        var filtered: Float = 0
        var noise = [Float](repeating: 0, count: count)
        var bits: UInt64 = 0
        for index in 0..<count {
            // One system random call gives two samples' worth: two 16-bit uniforms each, whose sum is near enough
            // to Gaussian for a hiss.
            if index % 2 == 0 { bits = random.next() }
            let white = Float(bits & 0xFFFF) / 32_768 + Float(bits >> 16 & 0xFFFF) / 32_768 - 2
            bits >>= 32
            filtered = smoothing * filtered + (1 - smoothing) * white
            noise[index] = filtered * Float(0.8 + 0.2 * sin(2 * .pi * driftRate * Double(index) + driftPhase))
        }
        return Self.scaled(noise, toLevel: level)
    }

    /// Digits played backwards or slowed down and scattered over the whole file: speech-like sound that is no
    /// digit, so that finding where speech is does not find the digits.
    private func babble(count: Int, level: Double, using random: inout SystemRandomNumberGenerator) -> [Float] {
        var babble = [Float](repeating: 0, count: count)
        for _ in 0..<Int.random(in: 3...5, using: &random) {
            let clip = digits.randomElement(using: &random) ?? []
            let scrambled =
                Bool.random(using: &random)
                ? Array(Self.resampled(clip, speed: Double.random(in: 0.85...1.15, using: &random)).reversed())
                : Self.resampled(clip, speed: Double.random(in: 0.5...0.65, using: &random))
            babble.add(
                scrambled,
                at: Int.random(in: -scrambled.count / 2...max(0, count - scrambled.count / 2), using: &random))
        }
        return Self.scaled(babble, toLevel: level)
    }

    /// The clip played `speed` times as fast, by linear interpolation between neighbouring samples.
    private static func resampled(_ clip: [Float], speed: Double) -> [Float] {
        guard clip.count > 1 else { return clip }
        let count = Int(Double(clip.count - 1) / speed) + 1
        return (0..<count).map { index in
            let position = Double(index) * speed
            let before = min(Int(position), clip.count - 2)
            let fraction = Float(position - Double(before))
            return clip[before] + (clip[before + 1] - clip[before]) * fraction
        }
    }

    private static func withoutTrailingSilence(_ samples: [Float]) -> [Float] {
        let peak = samples.map(abs).max() ?? 0
        guard let last = samples.lastIndex(where: { abs($0) > peak * 0.02 }) else { return samples }
        return Array(samples[...last])
    }

    private static func scaled(_ samples: [Float], toLevel level: Double) -> [Float] {
        let current = rootMeanSquare(samples)
        guard current > 0 else { return samples }
        let factor = Float(level / current)
        return samples.map { $0 * factor }
    }

    private static func rootMeanSquare(_ samples: [Float]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }

    /// A random amplitude ratio from a range of decibels.
    private static func decibels(_ range: ClosedRange<Double>, using random: inout SystemRandomNumberGenerator)
        -> Double
    {
        pow(10, Double.random(in: range, using: &random) / 20)
    }

    /// 16-bit little-endian samples as floating point, in the same units.
    private static func samples(of pcm: Data) -> [Float] {
        let bytes = [UInt8](pcm)
        return stride(from: 0, to: bytes.count - 1, by: 2).map {
            Float(Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8))
        }
    }

    /// The samples of a PCM WAV file: the body of its `data` chunk.
    static func pcm(of file: Data) -> Data? {
        let bytes = [UInt8](file)
        guard bytes.count > 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x41, 0x56, 0x45]
        else {
            return nil
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let size =
                Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
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

extension [Float] {
    /// Mixes `other` in from `start` on; whatever falls outside is dropped.
    fileprivate mutating func add(_ other: [Float], at start: Int) {
        let first = Swift.max(0, -start)
        let end = Swift.min(other.count, count - start)
        guard first < end else { return }
        for index in first..<end {
            self[start + index] += other[index]
        }
    }
}
