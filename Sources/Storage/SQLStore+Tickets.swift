import Identity
import SQLKit

extension SQLStore: TicketStore {
    public func saveTicket(_ ticket: Ticket) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO tickets (id, category, identifier, name, contact, description, status, created_at, closed_at, ip)
                VALUES (\(bind: ticket.id), \(bind: ticket.category.rawValue), \(bind: ticket.identifier), \(bind: ticket.name),
                        \(bind: ticket.contact), \(bind: ticket.description), \(bind: ticket.status.rawValue),
                        \(bind: ticket.createdAt), \(bind: ticket.closedAt), \(bind: ticket.ip))
                """
            ).run()
        }
    }

    public func ticket(id: String) async throws -> Ticket? {
        try await read { db in
            try await db.raw("SELECT * FROM tickets WHERE id = \(bind: id.uppercased())").first().flatMap(Self.ticket)
        }
    }

    public func tickets(status: Ticket.Status?, limit: Int) async throws -> [Ticket] {
        let which: SQLQueryString = status.map { "WHERE status = \(bind: $0.rawValue)" } ?? ""
        return try await read { db in
            try await db.raw("SELECT * FROM tickets \(which) ORDER BY created_at DESC LIMIT \(bind: limit)").all()
                .compactMap(Self.ticket)
        }
    }

    public func closeTicket(id: String, at: Int64) async throws -> Bool {
        try await write { db in
            try await db.raw(
                """
                UPDATE tickets SET status = 'closed', closed_at = \(bind: at)
                WHERE id = \(bind: id.uppercased()) AND status = 'open' RETURNING id
                """
            ).first() != nil
        }
    }

    private static func ticket(_ row: any SQLRow) throws -> Ticket? {
        guard let category = Ticket.Category(rawValue: try row.string("category")),
            let status = Ticket.Status(rawValue: try row.string("status"))
        else { return nil }
        return Ticket(
            id: try row.string("id"), category: category, identifier: try row.string("identifier"), name: try row.string("name"),
            contact: try row.string("contact"), description: try row.string("description"), status: status,
            createdAt: try row.int64("created_at"), closedAt: try row.optionalInt64("closed_at"), ip: try row.string("ip"))
    }
}
