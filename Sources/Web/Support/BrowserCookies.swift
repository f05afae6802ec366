import Logging
import Foundation
import Hummingbird
import Identity
import OIDC

/// The two cookies EduSSO sets, and what they mean:
/// - the *browser* cookie: a random id given to every browser that sees a form. CSRF tokens are an HMAC of it,
///   and interactions are bound to its hash, so a stolen interaction URL is useless in another browser;
/// - the *session* cookie: a random token whose hash names a signed-in `BrowserSession` row.
/// Both are HttpOnly and SameSite=Lax; behind https they are Secure and use the `__Host-` prefix.
struct BrowserCookies: Sendable {
    let secret: Data
    let https: Bool
    let sessions: any SessionStore
    let clock: OIDC.Clock
    let sessionTTL: Int64

    var browserCookieName: String { https ? "__Host-edu_sso_b" : "edu_sso_b" }
    var sessionCookieName: String { https ? "__Host-edu_sso_s" : "edu_sso_s" }

    /// The browser id, and the cookie to set when the browser had none.
    func browserID(_ request: Request) -> (id: String, newCookie: Cookie?) {
        if let existing = request.cookies[browserCookieName]?.value, existing.utf8.count == 43 {
            return (existing, nil)
        }
        let id = Secrets.randomToken()
        return (id, cookie(browserCookieName, id, maxAge: 365 * 86400))
    }

    func csrfToken(browserID: String) -> String {
        Secrets.hmac("csrf:" + browserID, key: secret)
    }

    func checkCSRF(_ form: RequestParameters, request: Request) -> Bool {
        guard let browserID = request.cookies[browserCookieName]?.value,
            let sent = form.first("csrf_token")
        else { return false }
        return Secrets.constantTimeEquals(sent, csrfToken(browserID: browserID))
    }

    static func hashBrowser(_ id: String) -> String { Secrets.hash("browser:" + id) }

    /// The signed-in session, if the cookie names one that has not expired.
    func session(_ request: Request) async throws -> BrowserSession? {
        guard let token = request.cookies[sessionCookieName]?.value else { return nil }
        guard let session = try await sessions.session(tokenHash: Secrets.hash(token)),
            session.expiresAt > clock.now()
        else { return nil }
        return session
    }

    /// Starts a new session (a new id on every sign-in prevents session fixation) and returns its cookie.
    func startSession(accountID: String, amr: [String], ip: String, userAgent: String, idp: String? = nil) async throws
        -> (BrowserSession, Cookie)
    {
        let token = Secrets.randomToken()
        let now = clock.now()
        let session = BrowserSession(
            id: Secrets.randomToken(bytes: 16), tokenHash: Secrets.hash(token), accountID: accountID, authTime: now,
            amr: amr, createdAt: now, expiresAt: now + sessionTTL, ip: ip, userAgent: String(userAgent.prefix(256)), idp: idp)
        try await sessions.saveSession(session)
        return (session, cookie(sessionCookieName, token, maxAge: Int(sessionTTL)))
    }

    func clearSessionCookie() -> Cookie {
        cookie(sessionCookieName, "", maxAge: 0)
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: https, httpOnly: true, sameSite: .lax)
    }
}
