import Foundation
import Hummingbird
import HTTPTypes
import Notify

/// `/dev/outbox`: what the development outbox received, newest first, so that a new user can finish every flow
/// (codes by e-mail and SMS) without a mail server. Registered only in development mode, which itself runs only
/// on a loopback http issuer; and it answers only a browser on this machine itself (a loopback peer that came
/// through no proxy), so a tunnel or local proxy in front of a development server does not publish the codes.
struct DevOutboxController: Sendable {
    let services: Services

    func addRoutes(to router: Router<AppContext>) {
        router.get("/dev/outbox") { request, context in
            guard let peer = context.remoteAddress?.ipAddress, IPRange.isLoopback(host: peer),
                request.headers[values: HeaderNames.forwardedFor].isEmpty, request.headers[HTTPField.Name("Forwarded")!] == nil
            else { throw HTTPError(.notFound) }
            return page(Language.of(request))
        }
    }

    private func page(_ language: Language) -> Response {
        let outbox = OutboxSender(directory: OutboxSender.directory(dataDir: services.config.dataDir), logger: services.logger)
        let messages = outbox.messages(limit: 50).map { name, message -> [String: Any] in
            let seconds = Double(name.split(separator: "-").first ?? "") ?? 0
            return [
                "channel_label": Strings.text(message.channel == .email ? "outbox_email" : "outbox_sms", language),
                "to": message.to, "subject": message.subject, "body": message.body,
                "time": TaipeiTime.string(Int64(seconds), seconds: true),
            ]
        }
        var response = services.pages.render(
            "dev_outbox", ["messages": messages, "switch_url": "/dev/outbox?lang=\(language.other.rawValue)"],
            language: language, title: Strings.text("outbox_title", language))
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
