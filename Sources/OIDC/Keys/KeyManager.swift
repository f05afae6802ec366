import ExtrasBase64
import Foundation
import JWTKit
import Synchronization

/// The signing keys in use, as one immutable snapshot: JWTKit collections holding every published key, the
/// active kid per algorithm, and the JWKS document already serialised (JWKS is served at very high rates, so
/// its bytes are built once per key change rather than per request).
///
/// A `JWTKeyCollection` is an actor, so every signature made through one collection runs one at a time. The
/// snapshot keeps one collection per core and spreads work over them. RS256 keys also get an OpenSSL signer, which
/// signs without any actor hop and faster than BoringSSL; the collections still verify every key.
public struct KeySnapshot: Sendable {
    public let keys: [SigningKey]
    let collections: [JWTKeyCollection]
    /// The OpenSSL signer of each RS256 key, by kid.
    let rsaSigners: [String: OpenSSLRSASigner]
    public let jwksJSON: Data

    /// The key that signs for `alg` at `now`: of the keys already active, the one activated last. A key rotated
    /// in is published first and takes over only at its activation time.
    public func signingKey(_ alg: SigningKey.Algorithm, at now: Int64) -> SigningKey? {
        // The latest activation wins; on a tie (two keys made in the same second) the one added last, since the
        // ring only ever appends.
        let candidates = keys.filter { $0.alg == alg && $0.activation <= now && $0.isPublished(at: now) }
        guard let latest = candidates.map(\.activation).max() else { return nil }
        return candidates.last { $0.activation == latest }
    }

    /// A collection to sign or verify with; successive calls rotate through them.
    func collection(_ ticket: Int) -> JWTKeyCollection { collections[ticket % collections.count] }

    static func build(from keys: [SigningKey]) async throws -> KeySnapshot {
        let collections = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map { _ in JWTKeyCollection() }
        var published: [[String: String]] = []
        var rsaSigners: [String: OpenSSLRSASigner] = [:]
        for key in keys {
            for collection in collections { try await key.register(in: collection) }
            // A key OpenSSL cannot read (JWTKit just did) signs through JWTKit instead.
            if key.alg == .rs256 { rsaSigners[key.kid] = try? OpenSSLRSASigner(pem: key.privateKeyPEM) }
            var jwk = try key.publicJWK()
            jwk["kid"] = key.kid
            jwk["use"] = "sig"
            jwk["alg"] = key.alg.rawValue
            published.append(jwk)
        }
        let jwks = try JSON.encode(["keys": published])
        return KeySnapshot(keys: keys, collections: collections, rsaSigners: rsaSigners, jwksJSON: jwks)
    }
}

/// Owns the key ring: loads it, creates missing keys on first run, rotates on demand or on schedule, and
/// drops keys whose retirement time has passed. Every change is one atomic read-modify-write of the store, so nodes
/// sharing a ring never overwrite each other's keys.
public final class KeyManager: Sendable {
    private let store: any KeyStore
    private let clock: Clock
    /// How long a new key is published before it signs: at least as long as apps cache the JWKS.
    public let preactivation: Int64
    /// How long a replaced key stays published after its successor took over: it must outlive every token it signed.
    public let retirementOverlap: Int64
    /// The snapshot in use and the number of the read it came from (see `load`).
    private let current: Mutex<(read: Int, snapshot: KeySnapshot)>
    private let reads = Atomic<Int>(0)
    private let tickets = Atomic<Int>(0)
    /// When the ring was last re-read because a token named an unknown key (at most every few seconds).
    private let lastUnknownKeyReload = Atomic<Int64>(0)

    private init(store: any KeyStore, clock: Clock, preactivation: Int64, retirementOverlap: Int64, snapshot: KeySnapshot) {
        self.store = store
        self.clock = clock
        self.preactivation = preactivation
        self.retirementOverlap = retirementOverlap
        self.current = Mutex((0, snapshot))
    }

    /// Loads the ring, generating an RS256 and an ES256 key (active at once) when an algorithm has none.
    public static func open(
        store: any KeyStore, clock: Clock = .system, preactivation: Int64 = DiscoveryDocument.jwksCacheSeconds,
        retirementOverlap: Int64
    ) async throws -> KeyManager {
        let now = clock.now()
        let keys = try await store.update { ring in
            var keys = ring.filter { $0.isPublished(at: now) }
            for alg in SigningKey.Algorithm.allCases where !keys.contains(where: { $0.alg == alg }) {
                keys.append(try SigningKey.generate(alg, now: now))
            }
            return keys
        }.after
        return KeyManager(
            store: store, clock: clock, preactivation: preactivation, retirementOverlap: retirementOverlap,
            snapshot: try await .build(from: keys))
    }

    /// The ring as the store holds it, changing nothing (no key is created, no retired key dropped): for
    /// `edu-sso keys`, which may rotate but must not otherwise touch the servers' ring.
    public static func inspect(
        store: any KeyStore, clock: Clock = .system, preactivation: Int64, retirementOverlap: Int64
    ) async throws -> KeyManager {
        let now = clock.now()
        let keys = try await store.loadKeys().filter { $0.isPublished(at: now) }
        return KeyManager(
            store: store, clock: clock, preactivation: preactivation, retirementOverlap: retirementOverlap,
            snapshot: try await .build(from: keys))
    }

    public var snapshot: KeySnapshot { current.withLock { $0.snapshot } }

    /// Whether the key `kid` is in the published ring.
    public func publishes(kid: String) -> Bool {
        current.withLock { state in state.snapshot.keys.contains { $0.kid == kid } }
    }

    /// The serialised JWKS, without copying the rest of the snapshot.
    public var jwksJSON: Data { current.withLock { $0.snapshot.jwksJSON } }

    /// Adds a new key per algorithm (or only `algorithms`). It is published now and signs after the
    /// pre-activation period, or at once when `immediately`; the keys it replaces stay published until
    /// `retirementOverlap` after it took over — unless `retireOldNow` (a compromised key), which withdraws them
    /// at once, so that nothing they signed verifies any more.
    @discardableResult
    public func rotate(
        _ algorithms: [SigningKey.Algorithm] = SigningKey.Algorithm.allCases, immediately: Bool = false,
        retireOldNow: Bool = false
    ) async throws -> [SigningKey] {
        try await rotate(algorithms, immediately: immediately || retireOldNow, retireOldNow: retireOldNow, ifNewestOlderThan: nil)
    }

    /// Rotation, deciding which algorithms are due inside the locked update: two nodes finding the same key due
    /// at the same time rotate it once.
    @discardableResult
    private func rotate(
        _ algorithms: [SigningKey.Algorithm], immediately: Bool, retireOldNow: Bool = false, ifNewestOlderThan interval: Int64?
    ) async throws -> [SigningKey] {
        let now = clock.now()
        let activation = immediately ? now : now + preactivation
        let retirementOverlap = self.retirementOverlap
        var added: [SigningKey] = []
        try await load(writes: true) {
            let change = try await store.update { ring in
            var keys = ring.filter { $0.isPublished(at: now) }
            for alg in algorithms {
                if let interval, let newest = keys.filter({ $0.alg == alg }).map(\.createdAt).max(), now - newest < interval {
                    continue
                }
                if retireOldNow {
                    keys.removeAll { $0.alg == alg }
                } else {
                    for index in keys.indices where keys[index].alg == alg && keys[index].retiresAt == nil {
                        keys[index].retiresAt = activation + retirementOverlap
                    }
                }
                keys.append(try SigningKey.generate(alg, now: now, activatesAt: activation))
            }
            return keys
            }
            added = change.added
            return change.after
        }
        return added
    }

    /// Rotates every algorithm whose newest key is older than `interval`, drops fully retired keys, and picks up
    /// a ring changed by another node or by `edu-sso keys rotate`.
    public func maintain(rotationInterval: Int64?) async throws {
        if let interval = rotationInterval, interval > 0 {
            try await rotate(SigningKey.Algorithm.allCases, immediately: false, ifNewestOlderThan: interval)
        }
        let now = clock.now()
        try await load(writes: true) {
            let ring = try await store.loadKeys()
            guard ring.contains(where: { !$0.isPublished(at: now) }) else { return ring }
            return try await store.update { ring in ring.filter { $0.isPublished(at: now) } }.after
        }
    }

    /// Re-reads the ring and installs it if another node or an `edu-sso keys` command changed it: a read, cheap
    /// enough to run every few seconds, so that every node signs with a key rotated on any of them.
    public func refresh() async throws {
        let now = clock.now()
        try await load { try await store.loadKeys().filter { $0.isPublished(at: now) } }
    }

    /// Reads (or changes) the ring through `operation` and installs the ring it returns, unless a read that began
    /// later has been installed meanwhile: reads run concurrently (the refresh loop, an unknown kid, a rotation),
    /// and a slow one that saw the ring before a key was withdrawn must not put that key back. A read is numbered
    /// when it starts; a write (`writes`) when it has committed, since what it returns is the ring as of then.
    /// True when the installed ring changed.
    @discardableResult
    private func load(writes: Bool = false, _ operation: () async throws -> [SigningKey]) async throws -> Bool {
        var read = writes ? 0 : reads.wrappingAdd(1, ordering: .relaxed).newValue
        let now = clock.now()
        let keys = try await operation().filter { $0.isPublished(at: now) }
        if writes { read = reads.wrappingAdd(1, ordering: .relaxed).newValue }
        guard !keys.isEmpty else { return false }
        let unchanged = current.withLock { state in
            guard state.snapshot.keys == keys else { return false }
            state.read = max(state.read, read)
            return true
        }
        guard !unchanged else { return false }
        let next = try await KeySnapshot.build(from: keys)
        return current.withLock { state in
            guard read > state.read else { return false }
            state = (read, next)
            return true
        }
    }

    /// Signs `claims` with the active key of `alg`.
    public func sign(_ claims: some JWTPayload, alg: SigningKey.Algorithm, type: String = "JWT") async throws -> String {
        let snapshot = self.snapshot
        guard let kid = snapshot.signingKey(alg, at: clock.now())?.kid else {
            throw OAuthError(.serverError, "No active \(alg.rawValue) key.")
        }
        var header = JWTHeader()
        header.typ = type
        header.alg = alg.rawValue
        if let signer = snapshot.rsaSigners[kid] {
            header.kid = kid
            return try signer.compactJWS(claims, header: header)
        }
        return try await snapshot.collection(nextTicket()).sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    /// Verifies a JWT's signature against any published key. Time-based checks are the caller's, because an
    /// `id_token_hint` must be accepted after it expired while an access token must not.
    ///
    /// A token signed by a key this node has not loaded yet (another node's `keys rotate --immediately`, before
    /// this node's next maintenance run) makes the node re-read the ring once, at most every five seconds.
    public func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type = ClaimSet.self) async -> Payload? {
        if let payload = try? await snapshot.collection(nextTicket()).verify(token, as: Payload.self) { return payload }
        guard let kid = Self.kid(of: token), !snapshot.keys.contains(where: { $0.kid == kid }), await reloadForUnknownKey()
        else { return nil }
        return try? await snapshot.collection(nextTicket()).verify(token, as: Payload.self)
    }

    /// Re-reads the ring from the store if the last such reload is old enough; true when the ring changed.
    private func reloadForUnknownKey() async -> Bool {
        let now = clock.now()
        let last = lastUnknownKeyReload.load(ordering: .relaxed)
        guard now - last >= 5, lastUnknownKeyReload.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return false }
        return (try? await load { try await store.loadKeys() }) == true
    }

    /// The `kid` of a compact JWS header, without verifying anything.
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first, header.utf8.count <= 1024,
            let bytes = try? Base64.decode(string: String(header), options: [.base64UrlAlphabet, .omitPaddingCharacter]),
            case .object(let fields)? = try? JSON.decode(JSONValue.self, from: Data(bytes)), case .string(let kid)? = fields["kid"]
        else { return nil }
        return kid
    }

    private func nextTicket() -> Int {
        tickets.wrappingAdd(1, ordering: .relaxed).newValue & Int.max
    }
}
