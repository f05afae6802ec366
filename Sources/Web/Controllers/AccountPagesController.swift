import Foundation
import Hummingbird
import Identity
import Logging
import OIDC
import Storage

/// The student's own pages: direct sign-in (`/login`) and 查閱個人資料 (`/profile`, manual 參).
struct AccountPagesController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/login") { request, context in try await loginPage(request, context) }
        router.post("/login") { request, context in try await login(request, context) }
        router.get("/profile") { request, context in try await profile(request, context) }
    }

    private func language(_ request: Request) -> Language {
        Language.pick([RequestReading.query(request).first("lang") ?? ""])
    }

    private func target(_ language: Language) -> SignInForm.Target {
        SignInForm.Target(action: "/login?lang=\(language.rawValue)", switchURL: "/login?lang=\(language.other.rawValue)")
    }

    func loginPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = language(request)
        if try await services.browser.session(request) != nil {
            return Responses.redirect("/profile?lang=\(lang.rawValue)")
        }
        return try await SignInForm(services: services).render(target(lang), request: request, language: lang, username: nil)
    }

    func login(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = language(request)
        switch try await SignInForm(services: services).submit(target(lang), request: request, context: context, language: lang) {
        case .page(let response):
            return response
        case .signedIn(_, _, let cookie):
            // A student who came directly lands on 查閱個人資料 (manual 貳.2 step 4).
            var response = Responses.redirect("/profile?lang=\(lang.rawValue)")
            response.setCookie(cookie)
            return response
        }
    }

    func profile(_ request: Request, _ context: AppContext) async throws -> Response {
        let lang = language(request)
        guard let session = try await services.browser.session(request),
            let account = try await services.store.account(id: session.accountID), account.status == .active
        else { return Responses.redirect("/login?lang=\(lang.rawValue)") }
        let apps = try await services.store.allClients().map(\.name).sorted()
        let (browserID, newCookie) = services.browser.browserID(request)
        var values: [String: Any] = [
            "account": account.address, "name": account.name,
            "national_id": account.nationalID.map(NationalID.masked) ?? "",
            "email": account.email ?? "", "mobile": account.mobile ?? "", "apps": apps,
            "csrf": services.browser.csrfToken(browserID: browserID), "switch_url": "/profile?lang=\(lang.other.rawValue)",
        ]
        if let school = account.school {
            values["school"] = school.schoolName.isEmpty ? school.schoolID : school.schoolName
            values["class_title"] = school.classTitle
            values["seat_no"] = school.seatNo
        }
        var response = services.pages.render(
            "profile", values, language: lang, title: Strings.text("profile_title", lang))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }
}
