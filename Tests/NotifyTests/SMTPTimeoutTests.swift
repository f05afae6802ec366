import Foundation
import Testing

@testable import Notify

#if canImport(Glibc)
    import Glibc
#endif

/// A relay that accepts the connection and then says nothing: the send must give up (the test's time limit fails
/// it if it hangs), as a temporary failure the queue retries. How fast is not asserted: timing belongs in benchmarks.
@Suite struct SMTPTimeoutTests {
    /// A listening socket on loopback that never accepts or answers; returns (descriptor, port).
    static func silentListener() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw NotifyError.temporary("cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    @Test(.timeLimit(.minutes(1))) func aSilentRelayTimesOutAsATemporaryFailure() async throws {
        let (fd, port) = try Self.silentListener()
        defer { close(fd) }
        let sender = try SMTPSender(
            SMTPConfiguration(
                host: "127.0.0.1", port: port, security: .none, from: MailAddress(address: "no-reply@sso.test"),
                timeoutSeconds: 1))
        await #expect {
            try await sender.deliver(OutgoingMessage(channel: .email, to: "a@example.com", subject: "s", body: "b"))
        } throws: { error in
            if case NotifyError.temporary = error { return true }
            return false
        }
    }
}
