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
        return try await write { db in
            try await !db.raw("DELETE FROM clients WHERE id = \(bind: id) RETURNING id").all().isEmpty
        }
    }
}
