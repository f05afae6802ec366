import Foundation
import Hummingbird
import Identity
import OIDC

/// 介接應用服務: the apps an operator has listed for students (`edu-sso client listing`), shown after sign-in, and
/// their logos, served from EduSSO itself so that showing the portal tells no third party who is looking.
struct PortalController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/portal/logo/:id") { request, context in try await logo(request, context) }
    }

    /// The listed apps by category, each marked 已授權 when the student has a consent for it.
    static func listedApps(_ services: Services, accountID: String) async throws -> [[String: Any]] {
        let authorized = Set(try await services.store.consents(accountID: accountID).map(\.clientID))
        let listed = try await services.store.allClients().compactMap { client -> (Client, Client.Listing)? in
            guard let listing = client.listing, listing.listed else { return nil }
            return (client, listing)
        }
        let byCategory = Dictionary(grouping: listed, by: { $0.1.category })
        return byCategory.keys.sorted().map { category in
            [
                "category": category,
                "apps": byCategory[category, default: []].sorted { $0.0.name < $1.0.name }.map { client, listing in
                    var app: [String: Any] = [
                        "name": client.name, "description": listing.description, "url": listing.url,
                        "authorized": authorized.contains(client.id),
                    ]
                    // Absent, not empty: Mustache treats an empty string as true inside a list.
                    if listing.hasLogo { app["logo"] = "/portal/logo/\(client.id)" }
                    return app
                },
            ]
        }
    }

    func logo(_ request: Request, _ context: AppContext) async throws -> Response {
        guard let id = context.parameters.get("id"), id.utf8.count <= 64,
            let listing = try await services.store.client(id: id)?.listing, listing.listed,
            let (type, bytes) = try await services.store.clientLogo(clientID: id)
        else {
            return services.pages.error("error_not_found", language: Language.of(request), status: .notFound, requestID: context.requestID)
        }
        return Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
