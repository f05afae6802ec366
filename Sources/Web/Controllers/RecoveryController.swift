import Foundation
import Hummingbird
import Identity
import OIDC

/// 帳號管理 → 忘記帳號 (manual 伍.2): the student's ID number and a captcha give back the education cloud
/// account. The lookup reveals whether an ID has an account, as the manual's flow does, so it comes only after the
/// captcha and under hard limits per address and per ID; each lookup is written to the account's records
/// without the ID.
struct RecoveryController: Sendable {
    let services: Services
    /// Lookups per minute from one address, and of one ID number from anywhere (on all nodes together).
    static let lookupsPerAddress = 30
    static let lookupsPerID = 3

    func addRoutes(to router: Router<AppContext>) {
        router.get("/account/forgot-account") { request, _ in try await forgotAccountPage(request, values: [:]) }
        router.post("/account/forgot-account") { request, context in try await forgotAccount(request, context) }
    }

    private func forgotAccountPage(_ request: Request, values: [String: Any], status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let language = Language.of(request)
        return try await services.formPage(
            "forgot_account", values, request: request, language: language, title: Strings.text("forgot_account_title", language),
            switchURL: "/account/forgot-account?lang=\(language.other.rawValue)", captcha: true, status: status)
    }

    func forgotAccount(_ request: Request, _ context: AppContext) async throws -> Response {
        let language = Language.of(request)
        let form = try await services.verifiedForm(request)
        let nationalID = String((form.first("national_id") ?? "").trimmingSpaces().uppercased().prefix(10))
        let kept: [String: Any] = ["national_id": nationalID]
        if form.first("refresh_captcha") != nil { return try await forgotAccountPage(request, values: kept) }
        let browserHash = services.browserHash(request) ?? ""
        guard try await services.captcha.verify(
            id: form.first("captcha_id") ?? "", answer: form.first("captcha") ?? "", browserHash: browserHash)
        else {
            return try await forgotAccountPage(
                request, values: kept.merging(["error": Strings.text("captcha_wrong", language), "captcha_error": true]) { a, _ in a },
                status: .badRequest)
        }
        guard NationalID.isValid(nationalID) else {
            return try await forgotAccountPage(
                request, values: kept.merging(["error": Strings.text("forgot_id_invalid", language), "id_error": true]) { a, _ in a },
                status: .unprocessableContent)
        }
        let now = services.clock.now()
        guard services.rateLimiter.allow("forgot-account:" + context.rateLimitKey, limit: Self.lookupsPerAddress, now: now),
            services.rateLimiter.allow("forgot-account-id:" + Secrets.hash(nationalID), limit: Self.lookupsPerID, now: now)
        else { return services.rateLimitedPage(language, context) }
        let accounts = try await services.store.accounts(nationalID: nationalID)
        for account in accounts {
            try await services.store.recordEvent(
                AccountEvent(
                    accountID: account.id, at: now, kind: .accountLookedUp, ip: context.clientIP,
                    userAgent: request.headers[.userAgent] ?? ""))
        }
        return Self.resultPage(services, accounts: accounts, language: language)
    }

    /// The accounts found (by ID number, or through a county sign-in), or the page that says there are none.
    static func resultPage(_ services: Services, accounts: [Account], language: Language) -> Response {
        let list = accounts.map { ["address": $0.address, "disabled": $0.status == .disabled] as [String: Any] }
        return services.pages.render(
            "forgot_account_result",
            ["accounts": list.isEmpty ? false : ["list": list] as Any, "switch_url": "/account/forgot-account?lang=\(language.other.rawValue)"],
            language: language, title: Strings.text("forgot_account_title", language))
    }
}
