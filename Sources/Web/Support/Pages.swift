import OIDC
import Identity
import Logging
import Foundation
import Hummingbird
import Mustache

/// Renders the Mustache templates (HTML-escaped by default) inside the shared layout, in the page's language.
struct Pages: Sendable {
    private let library: MustacheLibrary

    init() async throws {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw ConfigError("The page templates are missing from the build.")
        }
        library = try await MustacheLibrary(directory: directory)
    }

    func render(
        _ template: String, _ values: [String: Any], language: Language, status: HTTPResponse.Status = .ok,
        title: String? = nil
    ) -> Response {
        // Empty strings count as absent, so that `{{#error}}…{{/error}}` sections stay closed when there is none
        // (Mustache treats any string, even an empty one, as true).
        var context = values.filter { !(($0.value as? String)?.isEmpty ?? false) }
        context["t"] = Strings.table(language)
        context["lang"] = language.rawValue
        context["other_lang"] = language.other.rawValue
        context["other_lang_label"] = language.switchLabel
        context["page_title"] = title ?? Strings.text("service_name", language)
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>EduSSO</title>"
        return Responses.html(html, status: status)
    }

    /// The error page, in the user's language, with the request id to quote.
    func error(
        _ messageKey: String, language: Language, status: HTTPResponse.Status, code: String? = nil, requestID: String
    ) -> Response {
        render(
            "error",
            [
                "message": Strings.text(messageKey, language), "code": code ?? "", "has_code": code != nil,
                "request_id": requestID,
            ], language: language, status: status, title: Strings.text("error_title", language))
    }
}
