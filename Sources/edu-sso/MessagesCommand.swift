import ArgumentParser
import Foundation
import Notify
import Storage
import Web

/// `edu-sso messages`: the message queue for operators — how many messages wait, were sent, failed or expired,
/// and the latest failures with their reasons (recipients masked).
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages", abstract: "Show the e-mail/SMS queue: counts by status and recent failures.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "How many recent failures to list.") var limit = 20

    func run() async throws {
        try await withStore(options) { _, store in
            let counts = try await store.messageCounts()
            for status in QueuedMessage.Status.allCases {
                print("\(status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(counts[status] ?? 0)")
            }
            for status in [QueuedMessage.Status.failed, .expired] {
                for message in try await store.recentMessages(status: status, limit: limit) {
                    let when = TaipeiTime.string(message.createdAt, seconds: true)
                    print(
                        "\(status.rawValue) \(when) \(message.channel.rawValue) \(message.maskedRecipient) "
                            + "attempts=\(message.attempts) \(message.lastError ?? "")")
                }
            }
        }
    }
}
