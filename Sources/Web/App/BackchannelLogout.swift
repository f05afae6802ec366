import Foundation
import Logging
import Notify
import OIDC

/// OpenID Connect Back-Channel Logout 1.0. When a browser session ends (the student signs out, resets the
/// password, or an operator disables the account), every app that received tokens in it and registered a
/// `backchannel_logout_uri` is sent a logout token.
///
/// What is queued is a notice (app, subject, session), not a token: the token is signed when the notice is
/// delivered, by whichever node leases it, with the keys that sign at that moment. So an operator command that
/// ends sessions queues notices without holding the signing keys, and a token never waits in the database.
public enum BackchannelLogout {
    /// How long a notice is worth delivering (and retried): an app that is down this long misses it.
    public static let noticeLifetime: Int64 = 600
    /// A logout token is short-lived (the spec recommends at most two minutes); each attempt signs a new one.
    static let tokenLifetime: Int64 = 120

    /// What a queued logout message carries (`OutgoingMessage.body`, sealed in the queue like any message).
    struct Notice: Codable, Equatable {
        var clientID: String
        var subject: String
        var sessionID: String
    }

    /// Queues one notice per app in `apps` that registered a `backchannel_logout_uri`. A failure is logged and
    /// never keeps the session from ending; one app's failure does not keep the others from being told.
    /// Returns what was queued and the client ids of the apps that could not be (for an operator's command).
    @discardableResult
    public static func queue(
        _ apps: [SignedInApp], clients: any ClientStore, notifier: any Notifier, logger: Logger
    ) async -> (queued: Int, notQueued: [String]) {
        var queued = 0
        var notQueued: [String] = []
        for app in Set(apps).sorted(by: { ($0.clientID, $0.sessionID) < ($1.clientID, $1.sessionID) }) {
            do {
                guard try await clients.client(id: app.clientID)?.backchannelLogoutURI != nil else { continue }
                let notice = Notice(clientID: app.clientID, subject: app.subject, sessionID: app.sessionID)
                try await notifier.send(
                    OutgoingMessage(
                        channel: .logout, to: app.clientID, subject: "", body: String(decoding: try JSON.encode(notice), as: UTF8.self)),
                    validFor: noticeLifetime)
                queued += 1
            } catch {
                notQueued.append(app.clientID)
                logger.error(
                    "back-channel logout not queued", metadata: ["client_id": "\(app.clientID)", "error_type": "\(type(of: error))"])
            }
        }
        return (queued, notQueued)
    }
}

/// The logout channel's sender: turns a queued notice into a logout token signed now and hands it, addressed to
/// the app's current `backchannel_logout_uri`, to the transport (`BackchannelLogoutSender`, which posts it).
struct LogoutNoticeSender: MessageSender {
    let transport: any MessageSender
    let clients: any ClientStore
    let tokens: TokenService

    var description: String { transport.description }

    func deliver(_ message: OutgoingMessage) async throws {
        guard let notice = try? JSON.decode(BackchannelLogout.Notice.self, from: Data(message.body.utf8)) else {
            // Queued by an earlier version, which signed at enqueue: `to` is the URI and `body` the token.
            return try await transport.deliver(message)
        }
        guard let client = try await clients.client(id: notice.clientID), let uri = client.backchannelLogoutURI else {
            throw NotifyError.rejected("the app no longer has a backchannel_logout_uri")
        }
        let token = try await tokens.logoutToken(
            client: client, subject: notice.subject, sessionID: notice.sessionID, lifetime: BackchannelLogout.tokenLifetime)
        try await transport.deliver(OutgoingMessage(channel: .logout, to: uri, subject: "", body: token))
    }
}
