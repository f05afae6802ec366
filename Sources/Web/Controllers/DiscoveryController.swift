import Identity
import Logging
import Foundation
import Hummingbird
import NIOCore
import OIDC
import Synchronization

/// Discovery and JWKS through the router: most requests for them are answered by `StaticDocumentHandler`
/// before they reach it, and the rest (a query string, a pipelined request) get the same bytes and headers here.
struct DiscoveryController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        let documents = services.staticDocuments
        for path in StaticDocuments.routes {
            router.get(RouterPath(path)) { request, _ in
                guard let document = documents.document(at: path) else { throw HTTPError(.notFound) }
                return documents.response(document, to: request)
            }
        }
    }
}
