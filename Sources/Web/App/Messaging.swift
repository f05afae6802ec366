import Foundation
import Logging
import Notify
import ServiceLifecycle

/// How the server sends its messages: the configured senders, the development outbox only where development
/// mode allows it, and the dispatcher that works through the durable queue.
enum Messaging {
    /// The senders for `config`: a configured SMTP relay and SMS gateway, and in development mode the outbox for
    /// a channel without one. Production mode without a sender for a channel the flows need refuses to start.
    static func senders(_ config: AppConfig, logger: Logger) throws -> MessageSenders {
        let outbox = OutboxSender(directory: OutboxSender.directory(dataDir: config.dataDir), logger: logger)
        var email: (any MessageSender)? = nil
        var sms: (any MessageSender)? = nil
        do {
            if let host = config.smtpHost {
                email = try SMTPSender(
                    SMTPConfiguration(
                        host: host, port: config.smtpPort, security: SMTPSecurity(rawValue: config.smtpSecurity) ?? .starttls,
                        username: config.smtpUsername, password: config.smtpPassword, caFile: config.smtpCAFile,
                        from: MailAddress(address: config.mailFrom, name: config.mailFromName),
                        heloName: URL(string: config.issuer)?.host ?? "localhost", timeoutSeconds: config.smtpTimeoutSeconds))
            }
            if let url = config.smsGatewayURL {
                let authentication: SMSGatewayConfiguration.Authentication =
                    if let token = config.smsGatewayBearerToken { .bearer(token) }
                    else if let username = config.smsGatewayUsername, let password = config.smsGatewayPassword {
                        .basic(username: username, password: password)
                    } else { .none }
                sms = try SMSGatewaySender(
                    SMSGatewayConfiguration(
                        url: url, authentication: authentication, contentType: config.smsGatewayContentType,
                        bodyTemplate: config.smsGatewayBodyTemplate, timeoutSeconds: config.smsGatewayTimeoutSeconds))
            }
        } catch let error as NotifyError {
            throw ConfigError("Messages: \(error.description)")
        }
        if config.development { return MessageSenders(email: email ?? outbox, sms: sms ?? outbox) }
        let missing = [email == nil ? "e-mail (smtp_host)" : nil, sms == nil ? "SMS (sms_gateway_url)" : nil].compactMap { $0 }
        guard let email, let sms else {
            throw ConfigError(
                """
                Production mode needs a real sender for every channel the flows use (codes go to both the backup \
                e-mail and the mobile): configure \(missing.joined(separator: " and ")). The development outbox is \
                never used in production; for local use run with development: true on a loopback http issuer.
                """)
        }
        return MessageSenders(email: email, sms: sms)
    }

    static func dispatcherPolicy(_ config: AppConfig) -> MessageDispatcher.Policy {
        var policy = MessageDispatcher.Policy()
        policy.retryBaseSeconds = config.messageRetryBaseSeconds
        policy.maxAttempts = config.messageMaxAttempts
        policy.pollSeconds = config.messagePollSeconds
        policy.leaseSeconds = max(config.smtpTimeoutSeconds, config.smsGatewayTimeoutSeconds) + 60
        return policy
    }
}

/// Runs the message dispatcher for as long as the server runs.
struct MessageDispatchService: Service {
    let dispatcher: MessageDispatcher

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await dispatcher.run(until: { Task.isShuttingDownGracefully })
        }
    }
}
