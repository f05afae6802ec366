import Foundation
import JWTKit
import Synchronization

/// The signing keys in use, as one immutable snapshot: JWTKit collections holding every published key, the
/// active kid per algorithm, and the JWKS document already serialised (JWKS is served at very high rates, so
/// its bytes are built once per key change rather than per request).
///
/// A `JWTKeyCollection` is an actor, so every signature made through one collection runs one at a time. The
/// snapshot keeps one collection per core and spreads work over them, so RSA signing uses every core.
public struct KeySnapshot: Sendable {
    public let keys: [SigningKey]
    let collections: [JWTKeyCollection]
    public let activeKID: [SigningKey.Algorithm: String]
    public let jwksJSON: Data

    /// A collection to sign or verify with; successive calls rotate through them.
    func collection(_ ticket: Int) -> JWTKeyCollection { collections[ticket % collections.count] }

    static func build(from keys: [SigningKey]) async throws -> KeySnapshot {
        let collections = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map { _ in JWTKeyCollection() }
        var active: [SigningKey.Algorithm: String] = [:]
        var published: [[String: String]] = []
        for key in keys {
            for collection in collections { try await key.register(in: collection) }
            if key.retiresAt == nil { active[key.alg] = key.kid }
            var jwk = try key.publicJWK()
            jwk["kid"] = key.kid
            jwk["use"] = "sig"
            jwk["alg"] = key.alg.rawValue
            published.append(jwk)
        }
        let jwks = try JSON.encode(["keys": published])
        return KeySnapshot(keys: keys, collections: collections, activeKID: active, jwksJSON: jwks)
    }
}

/// Owns the key ring: loads it, creates missing keys on first run, rotates on demand or on schedule, and
/// drops keys whose retirement time has passed.
public final class KeyManager: Sendable {
    private let store: any KeyStore
    private let clock: Clock
    /// How long a replaced key stays published: it must outlive every token it signed.
    public let retirementOverlap: Int64
    private let current: Mutex<KeySnapshot>
    private let tickets = Atomic<Int>(0)

    private init(store: any KeyStore, clock: Clock, retirementOverlap: Int64, snapshot: KeySnapshot) {
        self.store = store
        self.clock = clock
        self.retirementOverlap = retirementOverlap
        self.current = Mutex(snapshot)
    }

    /// Loads the ring, generating an RS256 and an ES256 key when none is active.
    public static func open(store: any KeyStore, clock: Clock = .system, retirementOverlap: Int64) async throws
        -> KeyManager
    {
        var keys = try store.loadKeys()
        let now = clock.now()
        keys.removeAll { ($0.retiresAt ?? .max) <= now }
        var changed = false
        for alg in SigningKey.Algorithm.allCases where !keys.contains(where: { $0.alg == alg && $0.retiresAt == nil }) {
            keys.append(try SigningKey.generate(alg, now: now))
            changed = true
        }
        if changed { try store.saveKeys(keys) }
        return KeyManager(
            store: store, clock: clock, retirementOverlap: retirementOverlap, snapshot: try await .build(from: keys))
    }

    public var snapshot: KeySnapshot { current.withLock { $0 } }

    /// The serialised JWKS, without copying the rest of the snapshot.
    public var jwksJSON: Data { current.withLock { $0.jwksJSON } }

    /// Adds a new active key per algorithm (or only `algorithms`) and retires the previous ones after the overlap.
    @discardableResult
    public func rotate(_ algorithms: [SigningKey.Algorithm] = SigningKey.Algorithm.allCases) async throws -> [SigningKey] {
        let now = clock.now()
        var keys = snapshot.keys.filter { ($0.retiresAt ?? .max) > now }
        var added: [SigningKey] = []
        for alg in algorithms {
            for index in keys.indices where keys[index].alg == alg && keys[index].retiresAt == nil {
                keys[index].retiresAt = now + retirementOverlap
            }
            let fresh = try SigningKey.generate(alg, now: now)
            keys.append(fresh)
            added.append(fresh)
        }
        try store.saveKeys(keys)
        try await install(keys)
        return added
    }

    /// Rotates every algorithm whose active key is older than `interval`, and drops fully retired keys. Also picks
    /// up a ring changed by another node or by `edu-sso keys rotate`.
    public func maintain(rotationInterval: Int64?) async throws {
        let now = clock.now()
        let onDisk = try store.loadKeys()
        if !onDisk.isEmpty && onDisk != snapshot.keys {
            try await install(onDisk)
        }
        if let interval = rotationInterval, interval > 0 {
            let stale = SigningKey.Algorithm.allCases.filter { alg in
                guard let active = snapshot.keys.first(where: { $0.alg == alg && $0.retiresAt == nil }) else { return true }
                return now - active.createdAt >= interval
            }
            if !stale.isEmpty { try await rotate(stale) }
        }
        let live = snapshot.keys.filter { ($0.retiresAt ?? .max) > now }
        if live.count != snapshot.keys.count {
            try store.saveKeys(live)
            try await install(live)
        }
    }

    private func install(_ keys: [SigningKey]) async throws {
        let next = try await KeySnapshot.build(from: keys)
        current.withLock { $0 = next }
    }

    /// Signs `claims` with the active key of `alg`.
    public func sign(_ claims: some JWTPayload, alg: SigningKey.Algorithm, type: String = "JWT") async throws -> String {
        let snapshot = self.snapshot
        guard let kid = snapshot.activeKID[alg] else { throw OAuthError(.serverError, "No active \(alg.rawValue) key.") }
        var header = JWTHeader()
        header.typ = type
        header.alg = alg.rawValue
        return try await snapshot.collection(nextTicket()).sign(claims, kid: JWKIdentifier(string: kid), header: header)
    }

    /// Verifies a JWT's signature against any published key. Time-based checks are the caller's, because an
    /// `id_token_hint` must be accepted after it expired while an access token must not.
    public func verify<Payload: JWTPayload>(_ token: String, as _: Payload.Type = ClaimSet.self) async -> Payload? {
        try? await snapshot.collection(nextTicket()).verify(token, as: Payload.self)
    }

    private func nextTicket() -> Int {
        tickets.wrappingAdd(1, ordering: .relaxed).newValue & Int.max
    }
}
