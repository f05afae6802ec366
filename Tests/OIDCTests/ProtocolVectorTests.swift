import Foundation
import Testing

@testable import OIDC

@Suite struct ProtocolVectorTests {
    @Test func pkceMatchesRFC7636AppendixB() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.verify(verifier: verifier + "x", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.isWellFormed("short"))
    }

    @Test func thumbprintMatchesRFC7638Section3_1() throws {
        let jwk = [
            "kty": "RSA", "e": "AQAB",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        ]
        #expect(try JWKThumbprint.compute(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test func generatedKeysAreNamedByThumbprint() throws {
        for alg in SigningKey.Algorithm.allCases {
            let key = try SigningKey.generate(alg, now: 0)
            #expect(key.kid == (try JWKThumbprint.compute(try key.publicJWK())))
        }
    }

    /// RFC 6749 §3.3: space-delimited, order kept, a repeated name once; short lists and long ones alike.
    @Test func scopesAreParsedInOrderWithoutRepeats() {
        #expect(Scope.parse("openid  profile openid eduinfo ") == ["openid", "profile", "eduinfo"])
        #expect(Scope.parse("") == [])
        let long = (0..<40).map { "s\($0 % 20)" }.joined(separator: " ")
        #expect(Scope.parse(long) == (0..<20).map { "s\($0)" })
    }

    @Test func trimmingSpacesDropsOnlyOuterSpacesAndTabs() {
        #expect(" \t教育 雲\t ".trimmingSpaces() == "教育 雲")
        #expect("token".trimmingSpaces() == "token")
        #expect("   ".trimmingSpaces() == "")
        #expect("a ".trimmingSpaces() == "a" && " a".trimmingSpaces() == "a")
        #expect("\na\n".trimmingSpaces() == "\na\n")
    }

    @Test func repeatedParameterIsInvalidRequest() throws {
        let parameters = RequestParameters.parseForm("scope=openid&scope=profile&state=a%20b")
        #expect(throws: OAuthError.self) { try parameters.single("scope") }
        #expect(try parameters.single("state") == "a b")
        #expect(parameters.repeatedNames == ["scope"])
    }

    @Test func constantTimeEquals() {
        #expect(Secrets.constantTimeEquals("abc", "abc"))
        #expect(!Secrets.constantTimeEquals("abc", "abd"))
        #expect(!Secrets.constantTimeEquals("abc", "abcd"))
    }
}

@Suite struct AuthorizationRequestValidatorTests {
    let client = Client(
        id: "app", name: "App", secretHash: nil, redirectURIs: ["https://app.example/cb"], kind: .confidential,
        requirePKCE: true, createdAt: 0)
    let legacy = Client(
        id: "legacy", name: "Legacy", secretHash: nil, redirectURIs: ["https://legacy.example/cb"], kind: .confidential,
        requirePKCE: false, createdAt: 0)

    var validator: AuthorizationRequestValidator {
        let clients = [client.id: client, legacy.id: legacy]
        return AuthorizationRequestValidator(findClient: { clients[$0] }, verifyHint: { _, _ in nil })
    }

    func parameters(_ overrides: [String: String?], client: String = "app") -> RequestParameters {
        var base: [String: String?] = [
            "response_type": "code", "client_id": client,
            "redirect_uri": client == "app" ? "https://app.example/cb" : "https://legacy.example/cb",
            "scope": "openid profile", "state": "s", "code_challenge": PKCE.challenge(for: String(repeating: "a", count: 43)),
            "code_challenge_method": "S256",
        ]
        for (key, value) in overrides { base[key] = value }
        return RequestParameters(base.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.name < $1.name })
    }

    func failure(_ parameters: RequestParameters) async -> AuthorizationFailure? {
        do {
            _ = try await validator.validate(parameters)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsAWellFormedRequest() async throws {
        let request = try await validator.validate(parameters([:]))
        #expect(request.scopes == ["openid", "profile"])
        #expect(request.state == "s")
    }

    @Test func unknownClientAndRedirectMismatchAreShownNotRedirected() async {
        guard case .showToUser(let unknown) = await failure(parameters(["client_id": "nobody"])) else {
            Issue.record("unknown client must not redirect")
            return
        }
        #expect(unknown.code == .invalidClient)
        guard case .showToUser = await failure(parameters(["redirect_uri": "https://app.example/cb/"])) else {
            Issue.record("a redirect URI that differs by one character must not redirect")
            return
        }
    }

    @Test func protocolErrorsAreRedirectedWithState() async {
        let cases: [([String: String?], OAuthError.Code)] = [
            (["response_type": "token"], .unsupportedResponseType),
            (["code_challenge_method": "plain"], .invalidRequest),
            (["code_challenge": nil, "code_challenge_method": nil], .invalidRequest),
            (["scope": "nonsense"], .invalidScope),
            (["prompt": "none login"], .invalidRequest),
            (["max_age": "-1"], .invalidRequest),
            (["request": "eyJ"], .requestNotSupported),
            (["id_token_hint": "garbage"], .invalidRequest),
        ]
        for (overrides, expected) in cases {
            guard case .redirect(let error, let redirect) = await failure(parameters(overrides)) else {
                Issue.record("\(overrides) should redirect an error")
                continue
            }
            #expect(error.code == expected, "\(overrides)")
            #expect(redirect.state == "s")
            #expect(redirect.uri == "https://app.example/cb")
        }
    }

    @Test func legacyConfidentialClientsMaySkipPKCE() async throws {
        let request = try await validator.validate(
            parameters(["code_challenge": nil, "code_challenge_method": nil], client: "legacy"))
        #expect(request.codeChallenge == nil)
    }
}
