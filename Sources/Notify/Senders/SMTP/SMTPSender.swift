import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// How the SMTP connection is protected.
public enum SMTPSecurity: String, Sendable {
    /// Plain connection upgraded with STARTTLS before anything else (port 587). Refused if the server cannot.
    case starttls
    /// TLS from the first byte (port 465).
    case tls
    /// No encryption: only for a relay on this machine (loopback), never with credentials.
    case none
}

public struct SMTPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    public var username: String?
    public var password: String?
    /// A PEM file of CA certificates to trust instead of the system's (a private relay's own CA).
    public var caFile: String?
    public var from: MailAddress
    /// The name this client gives in EHLO.
    public var heloName: String
    /// The whole exchange, connect to QUIT, must finish within this time.
    public var timeoutSeconds: Int64

    public init(
        host: String, port: Int, security: SMTPSecurity, username: String? = nil, password: String? = nil,
        caFile: String? = nil, from: MailAddress, heloName: String = "localhost", timeoutSeconds: Int64 = 30
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.from = from
        self.heloName = heloName
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Sends e-mail with SMTP (RFC 5321) over SwiftNIO: EHLO, STARTTLS (RFC 3207) or implicit TLS through
/// swift-nio-ssl, AUTH PLAIN or LOGIN (RFC 4954), 8BITMIME (RFC 6152) when offered. One connection per message:
/// messages are few (codes and notices) and a fresh connection never inherits a broken one.
public struct SMTPSender: MessageSender {
    public let configuration: SMTPConfiguration
    private let tlsContext: NIOSSLContext?
    private let group: any EventLoopGroup

    public init(_ configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.configuration = configuration
        self.group = group
        guard MailAddress.isSafe(configuration.from.address) else {
            throw NotifyError.rejected("the sender address \(configuration.from.address) is not a plain address")
        }
        if configuration.security == .none {
            guard ["127.0.0.1", "::1", "localhost"].contains(configuration.host.lowercased()), configuration.username == nil
            else {
                throw NotifyError.rejected(
                    "smtp_security none is only for a relay on this machine (loopback) and never with credentials")
            }
            tlsContext = nil
        } else {
            // The certificate is checked against the host name; an address literal would skip that check.
            guard !configuration.host.contains(":"), !configuration.host.allSatisfy({ $0.isNumber || $0 == "." }) else {
                throw NotifyError.rejected("give smtp_host as a host name, so that its certificate can be checked")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
            tlsContext = try NIOSSLContext(configuration: tls)
        }
    }

    public var description: String {
        "smtp://\(configuration.host):\(configuration.port) (\(configuration.security.rawValue)) from \(configuration.from.address)"
    }

    public func deliver(_ message: OutgoingMessage) async throws {
        guard MailAddress.isSafe(message.to) else { throw NotifyError.rejected("the recipient is not a plain address") }
        let configuration = self.configuration
        let tlsContext = self.tlsContext
        let channel: NIOAsyncChannel<SMTPReply, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(min(configuration.timeoutSeconds, 10)))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if configuration.security == .tls, let tlsContext {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: tlsContext, serverHostname: Self.sniName(configuration.host)))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw NotifyError.temporary("cannot connect to \(configuration.host):\(configuration.port) (\(type(of: error)))")
        }
        // The deadline closes the connection, which ends every pending read with an error.
        let deadline = channel.channel.eventLoop.scheduleTask(in: .seconds(configuration.timeoutSeconds)) {
            channel.channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(replies: inbound.makeAsyncIterator(), outbound: outbound)
            try await session.expect(220, after: nil)
            var extensions = try await session.ehlo(configuration.heloName)
            if configuration.security == .starttls {
                guard extensions["STARTTLS"] != nil, let tlsContext else {
                    throw NotifyError.rejected("\(configuration.host) does not offer STARTTLS")
                }
                try await session.expect(220, after: "STARTTLS")
                let hostname = Self.sniName(configuration.host)
                try await channel.channel.eventLoop.submit {
                    try channel.channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: tlsContext, serverHostname: hostname), position: .first)
                }.get()
                extensions = try await session.ehlo(configuration.heloName)
            }
            if let username = configuration.username, let password = configuration.password {
                try await session.authenticate(username: username, password: password, offered: extensions["AUTH"] ?? [])
            }
            let eightBit = extensions["8BITMIME"] != nil
            try await session.expect(
                250, after: "MAIL FROM:<\(configuration.from.address)>" + (eightBit ? " BODY=8BITMIME" : ""), label: "MAIL FROM")
            try await session.expect([250, 251], after: "RCPT TO:<\(message.to)>", label: "RCPT TO")
            try await session.expect(354, after: "DATA")
            let domain = configuration.from.address.split(separator: "@").last.map(String.init) ?? "localhost"
            try await session.expect(
                250,
                afterRaw: MailFormat.data(
                    from: configuration.from, to: message.to, subject: message.subject, body: message.body,
                    eightBitMIME: eightBit, messageID: "\(UUID().uuidString.lowercased())@\(domain)"))
            try? await session.expect(221, after: "QUIT")
        }
    }

    /// Server names for SNI must not be IP addresses.
    private static func sniName(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }
}

/// One SMTP reply: the code and its text lines (`250-SIZE`, `250 8BITMIME` → 250, ["SIZE", "8BITMIME"]).
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
}

/// Splits the server's bytes into replies. A reply longer than 64 KiB is an error, not a memory sink.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 65536 { throw NotifyError.rejected("the server's reply is too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        guard var bytes = buffer.readBytes(length: length) else { return .needMoreData }
        // Bytes, not Characters: "\r\n" is one Character, so String.hasSuffix("\n") would miss it.
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
            throw NotifyError.temporary("the server sent something that is not an SMTP reply")
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") {
            guard lines.count < 200 else { throw NotifyError.rejected("the server's reply is too long") }
            return .continue
        }
        context.fireChannelRead(Self.wrapInboundOut(SMTPReply(code: code, lines: lines)))
        lines = []
        return .continue
    }
}

/// The command-and-reply conversation of one connection.
private struct SMTPSession {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    mutating func next() async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw NotifyError.temporary("the connection closed or timed out") }
        return reply
    }

    /// Sends `command` (none for the greeting) and checks the reply code. `label` names the command in errors
    /// instead of the command itself (AUTH lines carry credentials).
    mutating func expect(_ code: Int, after command: String?, label: String? = nil) async throws {
        try await expect([code], after: command, label: label)
    }

    mutating func expect(_ codes: Set<Int>, after command: String?, label: String? = nil) async throws {
        if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
        try check(try await next(), codes, label ?? command.map { String($0.prefix(40)) } ?? "greeting")
    }

    mutating func expect(_ code: Int, afterRaw data: String) async throws {
        try await outbound.write(ByteBuffer(string: data))
        try check(try await next(), [code], "DATA (message)")
    }

    private func check(_ reply: SMTPReply, _ codes: Set<Int>, _ label: String) throws {
        guard codes.contains(reply.code) else {
            // The reply text goes to the logs: addresses in it (a refused recipient) are blanked out.
            let text = (reply.lines.first?.prefix(120)).map(String.init)?
                .replacingOccurrences(of: "[^\\s<>]+@[^\\s<>]+", with: "(address)", options: .regularExpression) ?? ""
            let reason = "\(label) → \(reply.code) \(text)"
            throw (400..<500).contains(reply.code) ? NotifyError.temporary(reason) : NotifyError.rejected(reason)
        }
    }

    /// EHLO, returning each extension keyword (upper case) with its parameters (`AUTH` → `["PLAIN", "LOGIN"]`).
    mutating func ehlo(_ name: String) async throws -> [String: [String]] {
        try await outbound.write(ByteBuffer(string: "EHLO \(name)\r\n"))
        let reply = try await next()
        try check(reply, [250], "EHLO")
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map { $0.uppercased() }
            if let keyword = words.first { extensions[keyword] = Array(words.dropFirst()) }
        }
        return extensions
    }

    /// AUTH PLAIN when offered, else AUTH LOGIN. Only ever over TLS (the configuration refuses credentials on a
    /// plain connection).
    mutating func authenticate(username: String, password: String, offered mechanisms: [String]) async throws {
        if mechanisms.contains("PLAIN") {
            let plain = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await expect(235, after: "AUTH PLAIN \(plain)", label: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try await expect(334, after: "AUTH LOGIN")
            try await expect(334, after: Data(username.utf8).base64EncodedString(), label: "AUTH LOGIN (user name)")
            try await expect(235, after: Data(password.utf8).base64EncodedString(), label: "AUTH LOGIN (password)")
        } else {
            throw NotifyError.rejected("the server offers neither AUTH PLAIN nor AUTH LOGIN")
        }
    }
}
