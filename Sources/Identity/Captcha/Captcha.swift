import Foundation
import OIDC

/// A captcha challenge as stored. The code is kept as is: it is three digits that live a few minutes and can be
/// used once, so hashing it would protect nothing.
public struct CaptchaChallenge: Sendable, Codable, Equatable {
    public var id: String
    public var browserHash: String
    public var code: String
    public var expiresAt: Int64

    public init(id: String, browserHash: String, code: String, expiresAt: Int64) {
        self.id = id
        self.browserHash = browserHash
        self.code = code
        self.expiresAt = expiresAt
    }
}

public protocol CaptchaStore: Sendable {
    func saveCaptcha(_ challenge: CaptchaChallenge) async throws
    func captcha(id: String) async throws -> CaptchaChallenge?
    /// Deletes and returns the challenge: whatever the answer, a challenge is checked at most once.
    func takeCaptcha(id: String) async throws -> CaptchaChallenge?
}

public enum CaptchaError: Error, Equatable {
    case missingAudio(Int)
}

/// The 3-digit captcha of every form the manual puts it on (sign-in, apply, forgot account/password, …):
/// a PNG image in a grey box with every digit warped anew, 換下一個 for a new one, and the digits spoken in
/// Mandarin over noise, each rendering different.
public struct Captcha: Sendable {
    public static let lifetime: Int64 = 300

    private let store: any CaptchaStore
    private let clock: Clock
    private let audio: CaptchaAudio
    /// A fixed code for tests and development (`captcha_test_code`); never allowed behind https.
    private let testCode: String?

    public init(store: any CaptchaStore, clock: Clock, testCode: String?) throws {
        self.store = store
        self.clock = clock
        self.audio = CaptchaAudio(
            clips: try (0...9).map { digit in
                guard let url = Bundle.module.url(forResource: "d\(digit)", withExtension: "wav", subdirectory: "CaptchaAudio"),
                    let file = try? Data(contentsOf: url), let pcm = CaptchaAudio.pcm(of: file)
                else { throw CaptchaError.missingAudio(digit) }
                return pcm
            })
        self.testCode = testCode
    }

    /// A new challenge bound to the browser whose cookie hashes to `browserHash`; returns its id.
    public func issue(browserHash: String) async throws -> String {
        let code = testCode ?? String(format: "%03d", Int.random(in: 0...999))
        let challenge = CaptchaChallenge(
            id: Secrets.randomToken(bytes: 16), browserHash: browserHash, code: code, expiresAt: clock.now() + Self.lifetime)
        try await store.saveCaptcha(challenge)
        return challenge.id
    }

    /// Checks an answer; the challenge is spent either way.
    public func verify(id: String, answer: String, browserHash: String) async throws -> Bool {
        guard !id.isEmpty, id.utf8.count <= 64, let challenge = try await store.takeCaptcha(id: id) else { return false }
        let trimmed = answer.trimmingSpaces()
        return challenge.expiresAt > clock.now()
            && Secrets.constantTimeEquals(challenge.browserHash, browserHash)
            && Secrets.constantTimeEquals(trimmed, challenge.code)
    }

    private func live(_ id: String, browserHash: String) async throws -> CaptchaChallenge? {
        guard id.utf8.count <= 64, let challenge = try await store.captcha(id: id), challenge.expiresAt > clock.now(),
            Secrets.constantTimeEquals(challenge.browserHash, browserHash)
        else { return nil }
        return challenge
    }

    /// The image (PNG), only for the browser the challenge belongs to.
    public func image(id: String, browserHash: String) async throws -> Data? {
        try await live(id, browserHash: browserHash).map { CaptchaImage.png(code: $0.code) }
    }

    /// The spoken digits as a WAV file.
    public func speech(id: String, browserHash: String) async throws -> Data? {
        try await live(id, browserHash: browserHash).map { audio.wav(for: $0.code) }
    }
}
