import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import OIDC
import Testing

@testable import Web

/// The configuration every live-server test starts from: development mode on a fresh temporary folder, an
/// ephemeral port and cheap password hashing.
enum TestServer {
    static func withConfiguration(
        _ values: [String: String] = [:], _ body: (inout AppConfig) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edu-sso-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = try AppConfig(values: ["development": "true"].merging(values) { $1 })
        config.port = 0
        config.dataDir = directory.appendingPathComponent("data").path
        config.keysDir = directory.appendingPathComponent("keys").path
        config.passwordMemoryKiB = 7 * 1024
        config.passwordIterations = 1
        try await body(&config)
    }

    /// Builds the server from `config` and runs `body` against it over real HTTP.
    static func live(
        _ config: AppConfig, clock: OIDC.Clock = .system, prepare: (BuiltApplication) async throws -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol, BuiltApplication) async throws -> Void
    ) async throws {
        let built = try await buildApplication(config, clock: clock)
        try await prepare(built)
        try await built.application.test(.live) { client in try await body(client, built) }
    }

    /// What Prometheus would scrape from the admin listener's `/metrics` (which must answer 200).
    static func scrapedMetrics(_ services: Services) async throws -> String {
        let admin = Application(router: OperationsController(services: services).adminRouter())
        return try await admin.test(.router) { client in
            let scraped = try await client.execute(uri: "/metrics", method: .get)
            try #require(scraped.status == .ok)
            return String(buffer: scraped.body)
        }
    }
}

/// A plain TCP connection to a live test server, for what an HTTP client library hides: which connection a
/// request went over, half-sent requests, when the server closes.
final class RawConnection {
    private let descriptor: Int32

    /// Connects to 127.0.0.1:`port`; a read waits at most `readTimeoutSeconds`.
    init(port: Int, readTimeoutSeconds: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let failure = POSIXErrorCode(rawValue: errno) ?? .EIO
            close(descriptor)
            throw POSIXError(failure)
        }
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(descriptor, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// One whole response (head and a `Content-Length` body) as text; nil when the connection closed or the read
    /// timed out first.
    func readResponse() -> String? {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let headEnd = received.indices.dropLast(3).first(where: { received[$0...$0 + 3] == [13, 10, 13, 10] }) {
                let head = String(decoding: received[..<headEnd], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= headEnd + 4 + length { return String(decoding: received, as: UTF8.self) }
            }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            received += buffer[..<count]
        }
    }

    /// Whether the server closes the connection before the read timeout: 0 is an orderly close, an error other
    /// than the timeout (EAGAIN) a reset.
    func isClosedByServer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 512)
        let received = recv(descriptor, &buffer, buffer.count, 0)
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
