import Federation
import Foundation
import Hummingbird
import Identity
import OIDC

/// 帳號管理 pages about the student's sign-ins: 應用服務授權清單 and 應用服務登入紀錄 (manual 捌) and IP登入紀錄
/// (manual 玖).
struct SecurityRecordsController: Sendable {
    let services: Services
    /// The counts the record pages offer (manual 捌.2 step 2, 玖 step 2).
    static let counts = [10, 20, 50, 100]
    /// At most this many apps in one 取消授權.
    static let maxRevokedAtOnce = 100

    func addRoutes(to router: Router<AppContext>) {
        router.get("/account/apps") { request, context in try await authorizations(request, context) }
        router.post("/account/apps/revoke") { request, context in try await confirmRevoke(request, context) }
        router.post("/account/apps/revoke/confirm") { request, context in try await revoke(request, context) }
        router.get("/account/app-records") { request, context in try await appRecords(request, context) }
        router.get("/account/ip-records") { request, context in try await ipRecords(request, context) }
    }

    private func signInFirst(_ lang: Language) -> Response { services.signInFirst(lang) }

    // MARK: 應用服務授權清單 (捌.1)

    func authorizations(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        return try await renderAuthorizations(account, request, lang)
    }

    private func renderAuthorizations(
        _ account: Account, _ request: Request, _ lang: Language, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var apps: [[String: Any]] = []
        for consent in try await services.store.consents(accountID: account.id) {
            let client = try await services.store.client(id: consent.clientID)
            // In the order the consent page lists them (openid first), not alphabetically.
            let scopes = Scope.supported.filter(consent.scopes.contains).map { scope in
                client.map { InteractionController.consentText(scope, $0, lang) } ?? Strings.text("scope_\(scope)", lang)
            }
            apps.append([
                "client_id": consent.clientID, "name": client?.name ?? consent.clientID, "scopes": scopes,
                "first_granted": TaipeiTime.string(consent.firstGrantedAt),
                "last_used": consent.lastUsedAt.map { TaipeiTime.string($0) } ?? Strings.text("apps_never_used", lang),
            ])
        }
        return try await services.formPage(
            "apps_authorized", ["apps": apps, "has_apps": !apps.isEmpty, "error": error ?? ""], request: request, language: lang,
            title: Strings.text("apps_title", lang), switchURL: "/account/apps?lang=\(lang.other.rawValue)", status: status)
    }

    /// The apps a submission selected, limited to ones the student has authorized.
    private func selected(_ form: RequestParameters, account: Account) async throws -> [(id: String, name: String)] {
        let chosen = Set(form.all("client_id").prefix(Self.maxRevokedAtOnce))
        var apps: [(id: String, name: String)] = []
        for consent in try await services.store.consents(accountID: account.id) where chosen.contains(consent.clientID) {
            apps.append((consent.clientID, try await services.store.client(id: consent.clientID)?.name ?? consent.clientID))
        }
        return apps
    }

    /// Step 4–5: 取消授權 asks again, naming the selected apps and how many they are.
    func confirmRevoke(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        let apps = try await selected(form, account: account)
        guard !apps.isEmpty else {
            return try await renderAuthorizations(
                account, request, lang, error: Strings.text("apps_none_selected", lang), status: .unprocessableContent)
        }
        let question = Strings.text("apps_revoke_question", lang, ["count": String(apps.count)])
        return try await services.formPage(
            "apps_revoke_confirm",
            ["apps": apps.map { ["client_id": $0.id, "name": $0.name] }, "question": question], request: request,
            language: lang, title: Strings.text("apps_revoke", lang), switchURL: "/account/apps?lang=\(lang.other.rawValue)")
    }

    /// Step 6: the consent goes, and with it every token the app holds for this student.
    func revoke(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let form = try await services.verifiedForm(request)
        let apps = try await selected(form, account: account)
        let removed = Set(
            try await services.store.revokeConsents(accountID: account.id, clientIDs: apps.map(\.id), at: services.clock.now()))
        let names = apps.filter { removed.contains($0.id) }.map(\.name)
        return services.pages.render(
            "apps_revoked", ["names": names, "has_names": !names.isEmpty], language: lang,
            title: Strings.text("apps_revoked", lang))
    }

    // MARK: 應用服務登入紀錄 (捌.2) and IP登入紀錄 (玖)

    private func count(_ request: Request) -> Int {
        let asked = Int(RequestReading.query(request).first("count") ?? "") ?? Self.counts[0]
        return Self.counts.contains(asked) ? asked : Self.counts[0]
    }

    private func countOptions(_ chosen: Int) -> [[String: Any]] {
        Self.counts.map { ["value": String($0), "selected": $0 == chosen] }
    }

    func appRecords(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let count = count(request)
        var names: [String: String] = [:]
        var rows: [[String: String]] = []
        for record in try await services.store.appSignIns(accountID: account.id, limit: count) {
            if names[record.clientID] == nil {
                names[record.clientID] = try await services.store.client(id: record.clientID)?.name ?? record.clientID
            }
            rows.append([
                "app": names[record.clientID] ?? record.clientID, "time": TaipeiTime.string(record.at, seconds: true),
                "ip": record.ip, "method": methodLabel(record.method, lang),
            ])
        }
        return services.pages.render(
            "records_apps",
            ["rows": rows, "has_rows": !rows.isEmpty, "counts": countOptions(count),
             "switch_url": "/account/app-records?count=\(count)&lang=\(lang.other.rawValue)"],
            language: lang, title: Strings.text("records_apps_title", lang))
    }

    /// 密碼, 雙因子驗證碼, … or 縣市帳號（高雄市） for a county sign-in.
    private func methodLabel(_ method: String, _ lang: Language) -> String {
        guard method.hasPrefix("county:") else { return Strings.text("method_\(method)", lang) }
        let code = method.dropFirst("county:".count)
        let county = services.config.counties.first { $0.code == code }?.name ?? String(code)
        return Strings.text("method_county", lang, ["county": county])
    }

    func ipRecords(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let (account, _) = try await services.signedIn(request) else { return signInFirst(lang) }
        let count = count(request)
        let rows = try await services.store.attempts(accountID: account.id, limit: count).map { attempt -> [String: Any] in
            [
                "time": TaipeiTime.string(attempt.at, seconds: true), "ip": attempt.ip,
                "method": methodLabel(attempt.method, lang),
                "outcome": Strings.text("outcome_\(attempt.outcome.rawValue)", lang),
                "failed": attempt.outcome != .success,
                "device": UserAgentSummary.describe(attempt.userAgent),
            ]
        }
        return services.pages.render(
            "records_ip",
            ["rows": rows, "has_rows": !rows.isEmpty, "counts": countOptions(count),
             "switch_url": "/account/ip-records?count=\(count)&lang=\(lang.other.rawValue)"],
            language: lang, title: Strings.text("records_ip_title", lang))
    }
}
