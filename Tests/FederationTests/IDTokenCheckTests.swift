import OIDC
import Testing

@testable import Federation

/// The relying party's checks of a county's ID token (OIDC Core §3.1.3.7), one failure at a time.
@Suite struct IDTokenCheckTests {
    let now: Int64 = 1_800_000_000

    func claims(_ changes: [String: JSONValue?] = [:]) -> ClaimSet {
        var values: [String: JSONValue] = [
            "iss": "https://kh.example", "aud": "edu-sso", "azp": "edu-sso", "sub": "s1", "nonce": "n-1",
            "iat": .int(now - 10), "exp": .int(now + 300),
        ]
        for (name, value) in changes { values[name] = value }
        return ClaimSet(values)
    }

    func check(_ claims: ClaimSet) -> FederationError? {
        do {
            try IDTokenCheck.validate(claims, issuer: "https://kh.example", clientID: "edu-sso", nonce: "n-1", now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodTokenPasses() {
        #expect(check(claims()) == nil)
        // Within the leeway either way.
        #expect(check(claims(["exp": .int(now - 30), "iat": .int(now + 30)])) == nil)
        #expect(check(claims(["aud": .array(["edu-sso"]), "azp": nil])) == nil)
    }

    @Test func eachBrokenClaimIsRefused() {
        let broken: [String: [String: JSONValue?]] = [
            "issuer": ["iss": "https://impostor.example"],
            "audience": ["aud": "someone-else", "azp": nil],
            "azp": ["azp": "someone-else"],
            "several audiences without azp": ["aud": .array(["edu-sso", "other"]), "azp": nil],
            "expired": ["exp": .int(now - 61)],
            "from the future": ["iat": .int(now + 61)],
            "no exp": ["exp": nil],
            "nonce": ["nonce": "n-2"],
            "no nonce": ["nonce": nil],
            "no sub": ["sub": nil],
        ]
        for (name, change) in broken {
            guard case .invalidToken = check(claims(change)) else {
                Issue.record("\(name) was accepted")
                continue
            }
        }
    }
}
