import Foundation
import Hummingbird
import HummingbirdTesting
import Notify
import Storage
import Testing

@testable import Web

/// `/dev/outbox`: a new user can read every message without a mail server, in development mode and from this
/// machine only.
@Suite struct DevOutboxTests {
    @Test func developmentShowsQueuedMessagesDeliveredToTheOutbox() async throws {
        try await TestServer.withConfiguration { config in
            try await TestServer.live(config) { client, built in
                try await built.services.send(
                    .recoveryCode, to: [(.email, "student@example.com"), (.sms, "0912345678")],
                    values: ["code": "482913", "minutes": "60", "account": "s1@mail.edu.tw", "name": "林小華",
                             "action_zh": "重設密碼", "action_en": "reset the password"],
                    validFor: 3600)
                // Delivery is off the request path; wait for it.
                var page = ""
                for _ in 0..<50 {
                    page = String(buffer: try await client.execute(uri: "/dev/outbox", method: .get).body)
                    if page.contains("0912345678") && page.contains("student@example.com") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(page.contains("482913"))
                #expect(page.contains("教育雲端帳號重設密碼驗證碼"))
                // Through a proxy (a tunnel to a development server), the page does not exist.
                let proxied = try await client.execute(
                    uri: "/dev/outbox", method: .get, headers: [HeaderNames.forwardedFor: "198.51.100.7"])
                #expect(proxied.status == .notFound)
                let counts = try await built.services.store.messageCounts()
                #expect(counts[.sent] == 2)
            }
        }
    }

    @Test func productionHasNoOutboxPage() async throws {
        try await TestServer.withConfiguration { config in
            config.development = false
            config.issuer = "https://sso.example.edu.tw"
            let sender = CapturingSender()
            let built = try await buildApplication(config, senders: MessageSenders(email: sender, sms: sender))
            try await built.application.test(.router) { client in
                let response = try await client.execute(uri: "/dev/outbox", method: .get)
                #expect(response.status == .notFound)
            }
        }
    }
}
