import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC

/// The sign-in form (manual 貳: account, password, captcha, 登入), shared by the sign-in step of an app's
/// authorization and by direct sign-in to the account pages. It renders the form and checks a submission; what
/// happens after a successful sign-in is the caller's.
struct SignInForm: Sendable {
    let services: Services

    /// Where the form posts and where the language switch points.
    struct Target {
        var action: String
        var switchURL: String
        var clientName: String?
        /// The authorization this sign-in is for, if any (the code step of a two-factor sign-in continues it).
        var interactionID: String? = nil
        /// The app accepts only two-factor sign-ins: a bound authenticator is asked for even when not turned on.
        var requireSecondFactor = false
        /// Where a direct sign-in continues (the code step of a two-factor sign-in needs to know).
        var destination: String? = nil
    }

    enum Result {
        case signedIn(Account, BrowserSession, Cookie)
        case page(Response)
    }

    func render(
        _ target: Target, request: Request, language: Language, username: String?, error: String? = nil,
        status: HTTPResponse.Status = .ok, captchaError: Bool = false, disabledAccount: Bool = false
    ) async throws -> Response {
        let (browserID, newCookie) = services.browser.browserID(request)
        let captchaID = try await services.captcha.issue(browserHash: BrowserCookies.hashBrowser(browserID))
        var response = services.pages.render(
            "login",
            [
                "action": target.action, "switch_url": target.switchURL, "client_name": target.clientName ?? "",
                "csrf": services.browser.csrfToken(browserID: browserID), "captcha_id": captchaID,
                "captcha_error": captchaError, "error": error ?? "", "disabled_account": disabledAccount,
                "username": username.map(Account.normalizeUsername) ?? "",
                "county_url": services.config.counties.isEmpty
                    ? "" : URLEncoding.append(
                        (target.interactionID.map { [("interaction", $0)] } ?? []) + [("lang", language.rawValue)], to: "/login/county"),
            ], language: language, status: status, title: Strings.text("login_title", language))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// Checks a submitted form: rate limit, CSRF, captcha, then account and password (with the throttle).
    func submit(_ target: Target, request: Request, context: AppContext, language: Language) async throws -> Result {
        guard !services.failuresExhausted("login", context) else { return .page(services.rateLimitedPage(language, context)) }
        let form = try await services.verifiedForm(request)
        let username = form.first("username") ?? ""
        let password = form.first("password") ?? ""
        func again(_ messageKey: String?, _ status: HTTPResponse.Status, message: String? = nil, captchaError: Bool = false)
            async throws -> Result
        {
            .page(
                try await render(
                    target, request: request, language: language, username: username,
                    error: message ?? messageKey.map { Strings.text($0, language) }, status: status, captchaError: captchaError))
        }
        // 換下一個 without JavaScript: a staged submit that only re-renders the page with a new captcha.
        if form.first("refresh_captcha") != nil { return try await again(nil, .ok) }
        let browserHash = services.browserHash(request) ?? ""
        guard try await services.captcha.verify(
            id: form.first("captcha_id") ?? "", answer: form.first("captcha") ?? "", browserHash: browserHash)
        else {
            // Not counted against the address: the captcha is single-use, and one student posting wrong captchas
            // must not lock the whole school out.
            return try await again("captcha_wrong", .badRequest, captchaError: true)
        }
        guard !username.isEmpty, !password.isEmpty, username.utf8.count <= 128, password.utf8.count <= 128 else {
            services.countFailure("login", context)
            return try await again("login_failed", .badRequest)
        }
        let userAgent = request.headers[.userAgent] ?? ""
        switch try await services.passwordSignIn.attempt(
            username: username, password: password, ip: context.clientIP, userAgent: userAgent)
        {
        case .success(let account):
            switch try await services.afterFirstFactor(
                account, amr: [DiscoveryDocument.AMR.password], idp: nil, interactionID: target.interactionID,
                destination: target.destination, requireSecondFactor: target.requireSecondFactor, browserHash: browserHash,
                context: context, userAgent: userAgent, language: language)
            {
            case .codeStep(let redirect): return .page(redirect)
            case .session(let session, let cookie): return .signedIn(account, session, cookie)
            }
        case .badCredentials:
            services.countFailure("login", context)
            return try await again("login_failed", .unauthorized)
        case .disabled:
            return .page(
                try await render(
                    target, request: request, language: language, username: username,
                    error: Strings.text("login_disabled", language), status: .forbidden, disabledAccount: true))
        case .wait(let seconds):
            let message = Strings.text("login_wait", language, ["seconds": String(seconds)])
            return try await again(nil, .tooManyRequests, message: message)
        case .locked(let until):
            return try await again(nil, .tooManyRequests, message: lockedMessage(until: until, language))
        case .lockedNow(let account, let until):
            try await sendLockNotice(to: account, until: until, ip: context.clientIP)
            return try await again(nil, .tooManyRequests, message: lockedMessage(until: until, language))
        }
    }

    /// Checks a submission and, once signed in, sends the browser to `destination` with the new session cookie.
    func submit(_ target: Target, request: Request, context: AppContext, language: Language, thenGoTo destination: String)
        async throws -> Response
    {
        var target = target
        target.destination = destination
        switch try await submit(target, request: request, context: context, language: language) {
        case .page(let response):
            return response
        case .signedIn(_, _, let cookie):
            var response = Responses.redirect(destination)
            response.setCookie(cookie)
            return response
        }
    }

    private func lockedMessage(until: Int64, _ language: Language) -> String {
        let minutes = max(1, (until - services.clock.now() + 59) / 60)
        return Strings.text("login_locked", language, ["minutes": String(minutes)])
    }

    /// Tells the owner by e-mail that repeated failures locked the account (in Chinese and English: the reader is
    /// not the person at the keyboard).
    func sendLockNotice(to account: Account, until: Int64, ip: String) async throws {
        guard let email = account.email else { return }
        let minutes = String(max(1, (until - services.clock.now() + 59) / 60))
        try await services.send(
            .accountLocked, to: [(.email, email)], values: ["account": account.address, "minutes": minutes, "ip": ip],
            validFor: until - services.clock.now())
    }
}
