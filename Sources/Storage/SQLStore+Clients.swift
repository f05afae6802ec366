import Foundation
import OIDC
import SQLKit

extension SQLStore: ClientStore {
    public func client(id: String) async throws -> Client? {
        try await clientCache.value(id) {
            try await read { db in
                try await db.raw("SELECT data FROM clients WHERE id = \(bind: id)").first()?.json("data", as: Client.self)
            }
        }
    }

    public func allClients() async throws -> [Client] {
        try await read { db in
            try await db.raw("SELECT data FROM clients ORDER BY id").all().map { try $0.json("data", as: Client.self) }
        }
    }

    public func saveClient(_ client: Client) async throws {
        let data = try jsonText(client)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO clients (id, data, created_at) VALUES (\(bind: client.id), \(bind: data), \(bind: client.createdAt))
                ON CONFLICT (id) DO UPDATE SET data = excluded.data
                """
            ).run()
        }
        clientCache.remove(client.id)
    }

    public func removeClient(id: String) async throws -> Bool {
        defer { clientCache.remove(id) }
        return try await transaction { db in
            try await db.raw("DELETE FROM client_logos WHERE client_id = \(bind: id)").run()
            return try await !db.raw("DELETE FROM clients WHERE id = \(bind: id) RETURNING id").all().isEmpty
        }
    }
}

extension SQLStore: ClientLogoStore {
    public func saveClientLogo(clientID: String, contentType: String, data: Data) async throws {
        let encoded = data.base64EncodedString()
        try await write { db in
            try await db.raw(
                """
                INSERT INTO client_logos (client_id, content_type, data) VALUES (\(bind: clientID), \(bind: contentType), \(bind: encoded))
                ON CONFLICT (client_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data
                """
            ).run()
        }
    }

    public func clientLogo(clientID: String) async throws -> (contentType: String, data: Data)? {
        try await read { db in
            guard let row = try await db.raw("SELECT content_type, data FROM client_logos WHERE client_id = \(bind: clientID)").first(),
                let data = Data(base64Encoded: try row.string("data"))
            else { return nil }
            return (try row.string("content_type"), data)
        }
    }
}
