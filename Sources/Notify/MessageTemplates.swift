import Foundation
import Mustache

/// The messages the service sends, rendered from the Mustache templates in `Templates/`: `NAME.email.mustache`
/// (first line `Subject: …`, a blank line, then the body) and `NAME.sms.mustache` (the text). Values are inserted
/// unescaped (`{{{value}}}`): the output is plain text, not HTML.
public struct MessageTemplates: Sendable {
    public enum Name: String, Sendable, CaseIterable {
        case verificationCode = "verification_code"
        case recoveryCode = "recovery_code"
        case passwordChanged = "password_changed"
        case accountLocked = "account_locked"
        case supportTicket = "support_ticket"
        case twoFactorChanged = "two_factor_changed"
    }

    private let library: MustacheLibrary

    public init() async throws {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw NotifyError.rejected("the message templates are missing from the build")
        }
        library = try await MustacheLibrary(directory: directory)
    }

    /// The message `name` for `channel`, or nil when the template has no form for that channel.
    public func render(_ name: Name, channel: OutgoingMessage.Channel, to recipient: String, values: [String: String])
        -> OutgoingMessage?
    {
        guard channel != .logout,  // logout notices are tokens, not texts for people
            let text = library.render(values, withTemplate: "\(name.rawValue).\(channel.rawValue)")
        else { return nil }
        switch channel {
        case .logout:
            return nil
        case .sms:
            return OutgoingMessage(channel: .sms, to: recipient, subject: "", body: text.trimmingCharacters(in: .whitespacesAndNewlines))
        case .email:
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let first = lines.first, first.hasPrefix("Subject: ") else { return nil }
            lines.removeFirst()
            while lines.first?.isEmpty == true { lines.removeFirst() }
            return OutgoingMessage(
                channel: .email, to: recipient, subject: String(first.dropFirst("Subject: ".count)),
                body: lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
        }
    }
}
