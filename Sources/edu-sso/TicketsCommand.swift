import ArgumentParser
import Foundation
import Identity
import OIDC
import Storage
import Web

/// `edu-sso tickets list|show|close`: the support desk's view of 聯絡我們. ID numbers are masked unless
/// `show --reveal-id` asks for them.
struct TicketsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tickets", abstract: "Questions sent through 聯絡我們 (contact us).",
        subcommands: [List.self, Show.self, Close.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tickets, newest first.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Closed tickets too.") var all = false
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            try await withStore(options) { _, store in
                for ticket in try await store.tickets(status: all ? nil : .open, limit: limit) {
                    print(
                        "\(ticket.id)  \(TaipeiTime.string(ticket.createdAt))  \(ticket.status.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  "
                            + "\(ticket.category.label.zh)  \(ticket.maskedIdentifier)  \(Ticket.maskingIDs(ticket.name))")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one ticket (the ID number masked).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Ticket number.") var id: String
        @Flag(name: .customLong("reveal-id"), help: "Show the ID number unmasked.") var revealID = false

        func run() async throws {
            try await withStore(options) { _, store in
                guard let ticket = try await store.ticket(id: id) else { throw ValidationError("No ticket \(id).") }
                print("ticket:      \(ticket.id) (\(ticket.status.rawValue))")
                print("received:    \(TaipeiTime.string(ticket.createdAt)) from \(ticket.ip)")
                print("category:    \(ticket.category.label.zh)")
                print("identifier:  \(revealID ? ticket.identifier : ticket.maskedIdentifier)")
                func shown(_ text: String) -> String { revealID ? text : Ticket.maskingIDs(text) }
                print("name:        \(shown(ticket.name))")
                print("contact:     \(ticket.contact)")
                print("description:\n\(shown(ticket.description))")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a ticket.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Ticket number.") var id: String

        func run() async throws {
            try await withStore(options) { _, store in
                guard try await store.closeTicket(id: id, at: Clock.system.now()) else {
                    throw ValidationError("No open ticket \(id).")
                }
                print("Closed \(id.uppercased()).")
            }
        }
    }
}
