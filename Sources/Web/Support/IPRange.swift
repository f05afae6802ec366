import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address or CIDR range (IPv4 or IPv6), for `trusted_proxies`. Parsing is the C library's `inet_pton`,
/// so every textual form it accepts is accepted, and nothing else.
public struct IPRange: Sendable, Equatable, CustomStringConvertible {
    private let network: [UInt8]
    private let prefixLength: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let address = Self.bytes(of: first) else { return nil }
        let bits = address.count * 8
        let length = parts.count == 2 ? Int(parts[1]) : bits
        guard let length, (0...bits).contains(length) else { return nil }
        self.network = Self.masked(address, prefixLength: length)
        self.prefixLength = length
        self.description = text
    }

    /// Whether `address` (textual) lies in the range. An IPv4-mapped IPv6 address matches its IPv4 range.
    public func contains(_ address: String) -> Bool {
        guard var bytes = Self.bytes(of: address) else { return false }
        if bytes.count == 16, network.count == 4, bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] {
            bytes = Array(bytes[12...])
        }
        return bytes.count == network.count && Self.masked(bytes, prefixLength: prefixLength) == network
    }

    /// The address's bytes (4 or 16), or nil when it is not an IP address.
    static func bytes(of text: String) -> [UInt8]? {
        // Plain byte buffers rather than in_addr/in6_addr: those C structs are also visible through NIO's
        // modules, which makes their initialisers ambiguous under MemberImportVisibility.
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return v6 }
        return nil
    }

    private static func masked(_ bytes: [UInt8], prefixLength: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let bitsHere = max(0, min(8, prefixLength - index * 8))
            return bitsHere == 0 ? 0 : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
    }

    /// The address in one spelling: IPv4-mapped IPv6 as plain IPv4, IPv6 as `inet_ntop` writes it. Nil when the
    /// text is not an address.
    static func canonical(_ text: String) -> String? {
        guard var bytes = bytes(of: text) else { return nil }
        if bytes.count == 16, bytes[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { bytes = Array(bytes[12...]) }
        return Self.text(of: bytes)
    }

    /// What rate limits count by: the IPv4 address, or the /64 of an IPv6 address (one host is usually given a
    /// whole /64, and could rotate through it).
    static func limitKey(_ address: String) -> String {
        guard let canonical = canonical(address), canonical.contains(":"), let bytes = bytes(of: canonical),
            let network = text(of: masked(bytes, prefixLength: 64))
        else { return address }
        return network + "/64"
    }

    private static func text(of bytes: [UInt8]) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard bytes.withUnsafeBytes({ inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }) != nil else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static let loopback = [IPRange("127.0.0.0/8")!, IPRange("::1")!]

    /// Whether every address of the range is a loopback address (a proxy on this machine).
    public var isLoopbackOnly: Bool {
        network.count == 4 ? network[0] == 127 && prefixLength >= 8 : network == Self.loopback[1].network && prefixLength == 128
    }

    /// Loopback, and the ranges no public route reaches: RFC 1918, shared address space (RFC 6598), IPv4 and
    /// IPv6 link-local, and IPv6 unique-local (fc00::/7).
    static let privateRanges = loopback + ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
        "fc00::/7", "fe80::/10"].map { IPRange($0)! }

    /// Whether `host` is `localhost` or an IP address in a loopback or private range (not a name, which could
    /// resolve anywhere, and not a wildcard such as 0.0.0.0 or ::, in any spelling).
    public static func isPrivate(host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare.lowercased() == "localhost" || privateRanges.contains { $0.contains(bare) }
    }

    /// Whether a host name or address can only be reached from this machine.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare.lowercased() == "localhost" || loopback.contains { $0.contains(bare) }
    }
}

/// Which address a request came from. The socket's peer is believed unless it is a trusted proxy; then
/// `X-Forwarded-For` is read from the right (each proxy appends the address it saw), skipping trusted proxies,
/// and the first address that is not one is the client. Entries further left were written by the client itself
/// and are never believed.
struct ClientAddress: Sendable {
    let trustedProxies: [IPRange]

    func resolve(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        let canonicalPeer = IPRange.canonical(peer) ?? peer
        guard isTrusted(canonicalPeer), !forwardedFor.isEmpty else { return canonicalPeer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var nearest = canonicalPeer
        for hop in hops.reversed() {
            // A hop that is not an address cannot be the client's; the last trusted hop is the best we know.
            guard let address = IPRange.canonical(Self.withoutPort(hop)) else { return nearest }
            guard isTrusted(address) else { return address }
            nearest = address
        }
        return nearest
    }

    /// `203.0.113.5:51234` → `203.0.113.5`, `[2001:db8::1]:443` → `2001:db8::1`; anything else unchanged.
    static func withoutPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            return String(hop[hop.index(after: hop.startIndex)..<close])
        }
        let colons = hop.filter { $0 == ":" }.count
        if colons == 1, let colon = hop.firstIndex(of: ":") { return String(hop[..<colon]) }
        return hop
    }

    func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
