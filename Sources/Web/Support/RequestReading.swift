import Identity
import Logging
import Foundation
import HTTPTypes
import Hummingbird
import OIDC

/// Reading parameters off a request, with the limits and content-type rules the endpoints share.
public enum RequestReading {
    /// Query parameters, as received (repeats kept).
    public static func query(_ request: Request) -> RequestParameters {
        RequestParameters.parseForm(Substring(request.uri.query ?? ""))
    }

    /// The form body of a POST to a protocol endpoint (token, revocation, introspection, userinfo, authorize,
    /// RP-initiated logout), whose callers prove themselves by client authentication or a bearer token, or need
    /// no proof. Every page form goes through `Services.verifiedForm` instead, which also checks the CSRF token.
    /// Anything other than `application/x-www-form-urlencoded` is `invalid_request`, and a body over the limit is
    /// refused before it is buffered.
    public static func protocolForm(_ request: Request, limit: Int) async throws -> RequestParameters {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw OAuthError.invalidRequest("The body must be application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw BodyTooLarge()
        }
        return RequestParameters.parseForm(Substring(String(buffer: buffer)))
    }

    /// GET reads the query; POST reads the form body (authorize, userinfo and logout accept both).
    public static func parameters(_ request: Request, limit: Int) async throws -> RequestParameters {
        request.method == .post ? try await protocolForm(request, limit: limit) : query(request)
    }
}

public struct BodyTooLarge: Error {}

/// Building responses.
public enum Responses {
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, noStore: Bool = false) -> Response {
        let data = (try? JSON.encode(value)) ?? Data("{}".utf8)
        return bytes(data, contentType: "application/json; charset=utf-8", status: status, noStore: noStore)
    }

    public static func bytes(_ data: Data, contentType: String, status: HTTPResponse.Status = .ok, noStore: Bool = false)
        -> Response
    {
        var headers: HTTPFields = [.contentType: contentType]
        if noStore {
            headers[.cacheControl] = "no-store"
            headers[HeaderNames.pragma] = "no-cache"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    public static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// An OAuth error from the token, revocation or introspection endpoints (RFC 6749 §5.2).
    public static func tokenError(_ error: OAuthError, basicChallenge: Bool) -> Response {
        var response = json(
            ["error": error.code.rawValue, "error_description": error.description],
            status: .init(code: error.tokenEndpointStatus), noStore: true)
        if error.code == .invalidClient && basicChallenge {
            response.headers[.wwwAuthenticate] = "Basic realm=\"edu-sso\", charset=\"UTF-8\""
        } else if error.code == .invalidClient {
            response.headers[.wwwAuthenticate] = "Basic realm=\"edu-sso\""
        }
        return response
    }

    /// A protected-resource error (RFC 6750 §3). A request with no token at all gets a bare challenge and no
    /// error code (§3.1), which is what `OAuthError.missingToken` stands for.
    public static func bearerError(_ error: OAuthError) -> Response {
        if error == .missingToken {
            var response = json(["error": "invalid_request", "error_description": "No access token was sent."], status: .unauthorized, noStore: true)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"edu-sso\""
            return response
        }
        var response = json(
            ["error": error.code.rawValue, "error_description": error.description],
            status: .init(code: error.resourceStatus), noStore: true)
        response.headers[.wwwAuthenticate] =
            "Bearer realm=\"edu-sso\", error=\"\(error.code.rawValue)\", error_description=\"\(error.description)\""
        return response
    }
}

extension OAuthError {
    static let missingToken = OAuthError(.invalidRequest, "")
}

