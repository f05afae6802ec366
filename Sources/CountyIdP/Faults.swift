import Foundation
import Hummingbird
import OIDC

/// The faults a test can switch on at a running mock county (`POST /_test/fault`, loopback only, like the whole
/// mock): a slow provider, a garbled token response, and ID tokens that fail one check each. A real provider
/// behaves like this on a bad day; the relying party must turn each into a clear page.
actor Faults {
    enum Mode: String, Sendable, CaseIterable {
        case none
        /// Every answer waits `delayMs` first.
        case slow
        /// Only the token endpoint waits `delayMs`: the student has signed in at the county, and the code
        /// exchange hangs.
        case slowToken = "slow_token"
        /// The token endpoint answers HTML instead of JSON.
        case garbage
        /// ID tokens whose signature does not verify.
        case badSignature = "bad_signature"
        case wrongAudience = "wrong_audience"
        case expired
        case nonceMismatch = "nonce_mismatch"
        case wrongIssuer = "wrong_issuer"
    }

    private(set) var mode: Mode = .none
    private(set) var delayMs = 0

    func set(_ mode: Mode, delayMs: Int) {
        self.mode = mode
        self.delayMs = delayMs
    }
}

/// Applies the `slow` fault to every request.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let faults: Faults

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let mode = await faults.mode
        if (mode == .slow && request.uri.path != "/_test/fault")
            || (mode == .slowToken && request.uri.path == DiscoveryDocument.Path.token)
        {
            try await Task.sleep(for: .milliseconds(await faults.delayMs))
        }
        return try await next(request, context)
    }
}

extension CountyServer {
    /// The ID token of a token response, spoiled as the current fault asks.
    func spoil(_ idToken: String) async throws -> String {
        let mode = await faults.mode
        switch mode {
        case .none, .slow, .slowToken, .garbage:
            return idToken
        case .badSignature:
            // The same header and claims, with the signature's bytes changed.
            var parts = idToken.split(separator: ".").map(String.init)
            parts[2] = String(parts[2].reversed())
            return parts.joined(separator: ".")
        case .wrongAudience, .expired, .nonceMismatch, .wrongIssuer:
            guard var claims = await keys.verify(idToken, as: ClaimSet.self) else { return idToken }
            let now = Clock.system.now()
            switch mode {
            case .wrongAudience: claims["aud"] = "someone-else"
            case .expired: claims["iat"] = .int(now - 7200); claims["exp"] = .int(now - 3600)
            case .nonceMismatch: claims["nonce"] = "not-the-nonce"
            default: claims["iss"] = "http://127.0.0.1:9/impostor"
            }
            return try await keys.sign(claims, alg: .rs256)
        }
    }
}
