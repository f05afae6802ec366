import Identity
import Logging
import Foundation
import Hummingbird
import OIDC

/// The landing page and static assets.
struct HomeController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/") { request, context in try await home(request, context) }
        // Browsers ask for /favicon.ico whatever the page says; answer with the SVG icon.
        router.get("/favicon.ico") { _, _ in Responses.redirect("/static/favicon.svg") }
        let assets = Self.loadAssets()
        router.get("/static/:name") { _, context in
            guard let name = context.parameters.get("name"), let asset = assets[name] else {
                throw HTTPError(.notFound)
            }
            return Response(
                status: .ok, headers: [.contentType: asset.type, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: asset.data)))
        }
    }

    private func home(_ request: Request, _ context: AppContext) async throws -> Response {
        let language = Language.of(request)
        let session = try await services.browser.session(request)
        let account = try await session.asyncMap { try await services.store.account(id: $0.accountID) }
        let (browserID, newCookie) = services.browser.browserID(request)
        var response = services.pages.render(
            "home",
            [
                "account": account??.address ?? "", "demo": services.config.development,
                "csrf": services.browser.csrfToken(browserID: browserID),
                "switch_url": "/?lang=\(language.other.rawValue)",
            ], language: language)
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// Assets are few and small, so they are read once into memory.
    static func loadAssets() -> [String: (data: Data, type: String)] {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Public") else { return [:] }
        let types = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        var assets: [String: (data: Data, type: String)] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let url = directory.appendingPathComponent(name)
            if let data = try? Data(contentsOf: url) {
                assets[name] = (data, types[url.pathExtension] ?? "application/octet-stream")
            }
        }
        return assets
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
