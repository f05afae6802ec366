import Foundation
import Hummingbird
import Mustache
import Web

/// The county's pages (Mustache, HTML-escaped), in the county's own plain look: a real county's screens differ
/// from EduSSO's, and the student should see that they are at their county.
struct CountyPages: Sendable {
    private let library: MustacheLibrary

    init() async throws {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw CountyError("The county page templates are missing from the build.")
        }
        library = try await MustacheLibrary(directory: directory)
    }

    func render(_ template: String, _ values: [String: Any], county: CountiesConfig.County, status: HTTPResponse.Status = .ok)
        -> Response
    {
        var context = values.filter { !(($0.value as? String)?.isEmpty ?? false) }
        context["county_name"] = county.name
        let html = library.render(context, withTemplate: template) ?? "<!doctype html><title>\(county.name)</title>"
        return Responses.html(html, status: status)
    }
}
