import Foundation
import Hummingbird
import Identity
import Logging
import OIDC

/// 更新個人資料 (manual 肆): after signing in again, the student names the school and ID number, sees 目前資料
/// beside 來源資料 from the registry, and 更新 moves the account (and so eduinfo) to the registry's enrolment.
struct ProfileUpdateController: Sendable {
    let services: Services
    /// How recent a sign-in must be for this page.
    static let freshness: Int64 = 600

    func addRoutes(to router: Router<AppContext>) {
        router.get("/profile/update") { request, context in try await show(request, context) }
        router.get("/profile/update/school") { request, context in try await formPage(request, context) }
        router.post("/profile/update/login") { request, context in try await signIn(request, context) }
        router.post("/profile/update") { request, context in try await lookup(request, context) }
        router.post("/profile/update/apply") { request, context in try await apply(request, context) }
        router.get("/profile/update/done") { request, _ in
            let lang = Language.of(request)
            return services.pages.render("profile_update_done", [:], language: lang, title: Strings.text("update_done", lang))
        }
    }

    private var signInTarget: (Language) -> SignInForm.Target {
        { lang in
            SignInForm.Target(
                action: "/profile/update/login?lang=\(lang.rawValue)", switchURL: "/profile/update?lang=\(lang.other.rawValue)",
                clientName: nil)
        }
    }

    /// The account, if its sign-in is recent enough for changing school data.
    private func freshAccount(_ request: Request) async throws -> Account? {
        guard let session = try await services.browser.session(request),
            services.clock.now() - session.authTime <= Self.freshness,
            let account = try await services.store.account(id: session.accountID), account.status == .active
        else { return nil }
        return account
    }

    private func render(_ template: String, _ values: [String: Any], _ request: Request, _ lang: Language,
        status: HTTPResponse.Status = .ok) -> Response
    {
        let (browserID, newCookie) = services.browser.browserID(request)
        var context = values
        context["csrf"] = services.browser.csrfToken(browserID: browserID)
        context["switch_url"] = "/profile/update?lang=\(lang.other.rawValue)"
        var response = services.pages.render(template, context, language: lang, status: status, title: Strings.text("update_title", lang))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// Step 1 always asks the student to sign in again (account, password, captcha), as the manual does.
    func show(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        return try await SignInForm(services: services).render(
            signInTarget(lang), request: request, language: lang, username: nil,
            error: Strings.text("update_sign_in_again", lang))
    }

    func formPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard try await freshAccount(request) != nil else { return Responses.redirect("/profile/update?lang=\(lang.rawValue)") }
        return render("profile_update", SchoolChoice().listValues(services.directory), request, lang)
    }

    func signIn(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        return try await SignInForm(services: services).submit(
            signInTarget(lang), request: request, context: context, language: lang,
            thenGoTo: "/profile/update/school?lang=\(lang.rawValue)")
    }

    /// Staged list choices, then the registry lookup.
    func lookup(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard let account = try await freshAccount(request) else { return Responses.redirect("/profile/update?lang=\(lang.rawValue)") }
        let form = try await services.verifiedForm(request)
        let choice = SchoolChoice(form: form, directory: services.directory)
        let nationalID = String((form.first("national_id") ?? "").trimmingSpaces().uppercased().prefix(10))
        var values = choice.listValues(services.directory)
        values["national_id"] = nationalID
        guard form.first("lookup") != nil else { return render("profile_update", values, request, lang) }
        guard let key = choice.key, let record = try await matchingRecord(account: account, nationalID: nationalID, school: key),
            let school = services.directory.school(key)
        else {
            values["error"] = Strings.text("update_no_match", lang)
            return render("profile_update", values, request, lang, status: .unprocessableContent)
        }
        return render(
            "profile_update_compare",
            [
                "current_school": account.school?.schoolName ?? "—", "current_class": account.school?.classTitle ?? "—",
                "source_school": school.name, "source_class": "\(record.classTitle)（\(Strings.text("profile_seat", lang)) \(record.seatNo)）",
                "school_code": key.code, "school_level": key.level.rawValue,
            ], request, lang)
    }

    /// The newest enrolled record for the account's own ID at the chosen school.
    private func matchingRecord(account: Account, nationalID: String, school: SchoolKey) async throws -> RegistryRecord? {
        guard let own = account.nationalID, NationalID.isValid(nationalID), Secrets.constantTimeEquals(own, nationalID),
            let record = try await services.store.registryRecords(nationalID: nationalID).first,
            record.school == school, record.status == .enrolled
        else { return nil }
        return record
    }

    func apply(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = Language.of(request)
        guard var account = try await freshAccount(request) else { return Responses.redirect("/profile/update?lang=\(lang.rawValue)") }
        let form = try await services.verifiedForm(request)
        // Looked up again: the form only says which school; the data come from the registry.
        guard let code = form.first("school"), let level = form.first("level").flatMap(SchoolLevel.init(rawValue:)),
            let nationalID = account.nationalID,
            let record = try await matchingRecord(account: account, nationalID: nationalID, school: SchoolKey(code: code, level: level)),
            let school = services.directory.school(record.school)
        else {
            var values = SchoolChoice().listValues(services.directory)
            values["error"] = Strings.text("update_no_match", lang)
            return render("profile_update", values, request, lang, status: .unprocessableContent)
        }
        account.school = record.enrolment(schoolName: school.name)
        account.updatedAt = services.clock.now()
        try await services.store.updateAccount(account)
        return Responses.redirect("/profile/update/done?lang=\(lang.rawValue)")
    }
}
