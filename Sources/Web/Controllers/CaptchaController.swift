import Foundation
import Hummingbird
import Identity
import Logging
import OIDC

/// Captcha images (`/captcha/{id}.png`), speech (`/captcha/{id}.wav`) and 換下一個 (`POST /captcha/new`). Each
/// challenge belongs to the browser it was issued to; other browsers get 404.
struct CaptchaController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/captcha/:file") { request, context in try await file(request, context) }
        router.post("/captcha/new") { request, context in try await renew(request, context) }
    }

    static let renderingsPerChallenge = 4

    private func browserHash(_ request: Request) -> String? {
        services.browserHash(request)
    }

    private func file(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let name = context.parameters.get("file"), let browser = browserHash(request) else { throw HTTPError(.notFound) }
        // Each rendering is warped anew; many renderings of one challenge would let a script vote the distortion
        // away. A page load, a reload and the speaker are all a person needs.
        guard services.rateLimiter.allow("captcha-render:" + name, limit: Self.renderingsPerChallenge, now: services.clock.now()) else {
            throw HTTPError(.notFound)
        }
        if name.hasSuffix(".png"), let png = try await services.captcha.image(id: String(name.dropLast(4)), browserHash: browser) {
            return Responses.bytes(png, contentType: "image/png", noStore: true)
        }
        if name.hasSuffix(".wav"), let wav = try await services.captcha.speech(id: String(name.dropLast(4)), browserHash: browser) {
            return Responses.bytes(wav, contentType: "audio/wav", noStore: true)
        }
        throw HTTPError(.notFound)
    }

    private func renew(_ request: Request, _ context: AppContext) async throws -> Response {
        _ = try await services.verifiedForm(request)
        guard let browser = browserHash(request) else { throw InvalidCSRFToken() }
        guard services.rateLimiter.allow("captcha:" + context.rateLimitKey, limit: services.config.rateLimitPerMinute, now: services.clock.now()) else {
            return Responses.json(["error": "slow_down"], status: .tooManyRequests, noStore: true)
        }
        return Responses.json(["id": try await services.captcha.issue(browserHash: browser)], noStore: true)
    }
}
