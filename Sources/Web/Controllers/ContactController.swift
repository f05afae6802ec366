import Foundation
import Hummingbird
import Identity
import Logging
import Notify
import OIDC

/// 聯絡我們 (manual 壹拾壹): a question for customer service, reachable without signing in. The earlier flows'
/// 「…回報問題」 and 「收不到驗證碼，聯絡我們」 buttons land here with the category (and the account) prefilled.
/// Each submission becomes a ticket in the database and an e-mail to `support_email` through the message queue.
struct ContactController: Sendable {
    let services: Services
    /// Questions per minute from one address (on all nodes together).
    static let submissionsPerAddress = 5

    func addRoutes(to router: Router<AppContext>) {
        router.get("/contact") { request, _ in
            let query = RequestReading.query(request)
            let category = query.first("category").flatMap(Ticket.Category.init(rawValue:)) ?? .other
            return try await page(
                request, category: category,
                values: ["identifier": String((query.first("account") ?? "").prefix(64))])
        }
        router.post("/contact") { request, context in try await submit(request, context) }
    }

    private func page(
        _ request: Request, category: Ticket.Category, values: [String: Any], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = Language.of(request)
        var context = values
        context["categories"] = Ticket.Category.allCases.map { option -> [String: Any] in
            [
                "value": option.rawValue, "label": language == .zhTW ? option.label.zh : option.label.en,
                "template": language == .zhTW ? option.template.zh : option.template.en, "selected": option == category,
            ]
        }
        if context["description"] == nil { context["description"] = language == .zhTW ? category.template.zh : category.template.en }
        return try await services.formPage(
            "contact", context, request: request, language: language, title: Strings.text("contact_title", language),
            switchURL: "/contact?category=\(category.rawValue)&lang=\(language.other.rawValue)", captcha: true, status: status)
    }

    func submit(_ request: Request, _ context: AppContext) async throws -> Response {
        let language = Language.of(request)
        let form = try await services.verifiedForm(request)
        let category = form.first("category").flatMap(Ticket.Category.init(rawValue:)) ?? .other
        func field(_ name: String, _ limit: Int) -> String {
            String(Ticket.cleaned(form.first(name) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit))
        }
        let identifier = field("identifier", 64)
        let name = field("name", 50)
        let contact = field("contact", 254)
        let description = field("description", 2000).replacingOccurrences(of: "\r\n", with: "\n")
        var values: [String: Any] = ["identifier": identifier, "name": name, "contact": contact, "description": description]
        if form.first("refresh_captcha") != nil { return try await page(request, category: category, values: values) }
        let browserHash = services.browserHash(request) ?? ""
        guard try await services.captcha.verify(
            id: form.first("captcha_id") ?? "", answer: form.first("captcha") ?? "", browserHash: browserHash)
        else {
            values["error"] = Strings.text("captcha_wrong", language)
            values["captcha_error"] = true
            return try await page(request, category: category, values: values, status: .badRequest)
        }
        if identifier.isEmpty { values["identifier_error"] = true }
        if name.isEmpty { values["name_error"] = true }
        if AccountRules.checkEmail(contact) != nil && AccountRules.checkMobile(contact) != nil { values["contact_error"] = true }
        if description.isEmpty || description == category.template.zh.trimmingCharacters(in: .whitespacesAndNewlines)
            || description == category.template.en.trimmingCharacters(in: .whitespacesAndNewlines)
        {
            values["description_error"] = true
        }
        if ["identifier_error", "name_error", "contact_error", "description_error"].contains(where: { values[$0] != nil }) {
            values["error"] = Strings.text("contact_incomplete", language)
            return try await page(request, category: category, values: values, status: .unprocessableContent)
        }
        guard services.rateLimiter.allow("contact:" + context.rateLimitKey, limit: Self.submissionsPerAddress, now: services.clock.now())
        else { return services.rateLimitedPage(language, context) }
        let ticket = Ticket(
            id: Ticket.makeID(), category: category, identifier: identifier, name: name, contact: contact,
            description: description, createdAt: services.clock.now(), ip: context.clientIP)
        try await services.store.saveTicket(ticket)
        // The ticket is stored: a failure to queue the e-mail is logged, not shown (a retry would only duplicate it).
        if let supportEmail = services.config.supportEmail {
            do {
                try await services.send(
                    .supportTicket, to: [(.email, supportEmail)],
                    values: [
                        "ticket": ticket.id, "category": category.label.zh, "identifier": ticket.maskedIdentifier,
                        "name": Ticket.maskingIDs(name), "contact": contact, "description": Ticket.maskingIDs(description),
                        "time": TaipeiTime.string(ticket.createdAt),
                    ], validFor: 7 * 86400)
            } catch {
                context.logger.error("support e-mail not queued", metadata: ["ticket": "\(ticket.id)", "error_type": "\(type(of: error))"])
            }
        }
        var response = services.pages.render(
            "contact_done", ["ticket": ticket.id, "mailed": services.config.supportEmail != nil], language: language,
            title: Strings.text("contact_title", language))
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
