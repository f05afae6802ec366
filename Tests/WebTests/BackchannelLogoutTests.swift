import Foundation
import Logging
import Notify
import OIDC
import Synchronization
import Testing

@testable import Web

/// Back-channel logout's two halves without HTTP: what the session-ending code queues (a notice per app that
/// registered a URI, nothing for the others) and what the delivering node makes of it (a logout token signed
/// then, addressed to the app's current URI; a body queued by an earlier release passes through untouched).
@Suite struct BackchannelLogoutTests {
    /// Records what it is handed: a notifier for `queue`, a transport for `LogoutNoticeSender`.
    final class Recorder: Notifier, MessageSender {
        let messages = Mutex<[OutgoingMessage]>([])
        var description: String { "recorder" }
        func send(_ message: OutgoingMessage, validFor seconds: Int64) async throws { messages.withLock { $0.append(message) } }
        func deliver(_ message: OutgoingMessage) async throws { messages.withLock { $0.append(message) } }
        var all: [OutgoingMessage] { messages.withLock { $0 } }
    }

    /// Clients by id; looking up `broken` fails, as a database might.
    struct Clients: ClientStore {
        let clients: [String: Client]
        struct Unavailable: Error {}
        func client(id: String) async throws -> Client? {
            if id == "broken" { throw Unavailable() }
            return clients[id]
        }
        func allClients() async throws -> [Client] { Array(clients.values) }
        func saveClient(_ client: Client) async throws {}
        func removeClient(id: String) async throws -> Bool { false }
    }

    static func client(_ id: String, uri: String?) -> Client {
        Client(
            id: id, name: id, secretHash: nil, redirectURIs: ["https://\(id).example/cb"], backchannelLogoutURI: uri,
            createdAt: 0)
    }

    let clients = Clients(clients: [
        "told": client("told", uri: "https://told.example/bcl"), "silent": client("silent", uri: nil),
    ])

    @Test func aNoticeIsQueuedOncePerSessionForAppsWithAURIOnly() async throws {
        let recorder = Recorder()
        let apps = [
            SignedInApp(sessionID: "s1", clientID: "told", subject: "sub-1"),
            SignedInApp(sessionID: "s1", clientID: "told", subject: "sub-1"),  // two grants in one session
            SignedInApp(sessionID: "s2", clientID: "told", subject: "sub-1"),
            SignedInApp(sessionID: "s1", clientID: "silent", subject: "sub-1"),
            SignedInApp(sessionID: "s1", clientID: "broken", subject: "sub-1"),
        ]
        let result = await BackchannelLogout.queue(apps, clients: clients, notifier: recorder, logger: Logger(label: "test"))
        #expect(result.queued == 2 && result.notQueued == ["broken"])
        let queued = recorder.all
        #expect(queued.allSatisfy { $0.channel == .logout && $0.to == "told" && $0.subject.isEmpty })
        let notices = try queued.map { try JSON.decode(BackchannelLogout.Notice.self, from: Data($0.body.utf8)) }
        #expect(Set(notices.map(\.sessionID)) == ["s1", "s2"])
        #expect(notices.allSatisfy { $0.clientID == "told" && $0.subject == "sub-1" })
        // What the logs and `edu-sso messages` show of it: the client id, never a token.
        #expect(queued.first?.maskedRecipient == "told" && queued.first?.summary == "logout notice")
    }

    @Test func theDeliveringNodeSignsALogoutTokenForTheAppsCurrentURI() async throws {
        try await TestServer.withConfiguration { config in
            let built = try await buildApplication(config)
            do {
                let transport = Recorder()
                let sender = LogoutNoticeSender(transport: transport, clients: clients, tokens: built.services.tokens)
                let notice = BackchannelLogout.Notice(clientID: "told", subject: "sub-1", sessionID: "s1")
                try await sender.deliver(
                    OutgoingMessage(channel: .logout, to: "told", subject: "", body: String(decoding: try JSON.encode(notice), as: UTF8.self)))
                let posted = try #require(transport.all.first)
                #expect(posted.to == "https://told.example/bcl")
                let claims = try #require(await built.services.keys.verify(posted.body))
                #expect(claims["aud"] == .string("told") && claims["sub"] == .string("sub-1") && claims["sid"] == .string("s1"))
                #expect(claims["iss"] == .string(config.issuer))
                #expect(claims["events"] == .object(["http://schemas.openid.net/event/backchannel-logout": .object([:])]))
                #expect(claims["nonce"] == nil)
                guard case .int(let issued) = claims["iat"], case .int(let expires) = claims["exp"] else {
                    Issue.record("iat and exp must be numbers")
                    return
                }
                #expect(expires - issued == BackchannelLogout.tokenLifetime)
                var encoded = String(posted.body.split(separator: ".")[0])
                    .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                encoded += String(repeating: "=", count: (4 - encoded.count % 4) % 4)
                let header = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: encoded))) as? [String: Any]
                #expect(header?["typ"] as? String == "logout+jwt")

                // A notice for an app that dropped its URI meanwhile is refused for good, not retried.
                let dropped = BackchannelLogout.Notice(clientID: "silent", subject: "sub-1", sessionID: "s1")
                await #expect {
                    try await sender.deliver(
                        OutgoingMessage(channel: .logout, to: "silent", subject: "", body: String(decoding: try JSON.encode(dropped), as: UTF8.self)))
                } throws: { error in
                    if case NotifyError.rejected = error { return true }
                    return false
                }
                // An earlier release queued the signed token itself, addressed to the URI: it goes out as it is.
                let legacy = OutgoingMessage(channel: .logout, to: "https://told.example/bcl?x=1", subject: "", body: "eyJ.legacy.token")
                try await sender.deliver(legacy)
                #expect(transport.all.count == 2 && transport.all.last == legacy)
                #expect(legacy.maskedRecipient == "https://told.example")
            } catch {
                try? await built.shutdown()
                throw error
            }
            try await built.shutdown()
        }
    }
}
