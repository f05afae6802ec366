import Synchronization

/// Access tokens whose signature this node has already checked: an app uses one token many times a second
/// (userinfo, the resource APIs), and an ECDSA verification costs far more than a lookup. An entry holds the
/// decoded claims and the kid that signed them; it counts only while that key is still published, so a key
/// withdrawn as compromised stops its tokens here at once. Everything else (lifetime, revocation, the grant,
/// the account) is still checked on every use.
///
/// Memory is bounded the way the read caches are: past `capacity` entries the table is emptied whole.
final class VerifiedTokens: Sendable {
    private struct Entry {
        let claims: AccessTokenClaims
        let kid: String
    }

    private let entries = Mutex<[String: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    /// The claims of `token`, verified by `keys` now or earlier.
    func claims(of token: String, keys: KeyManager) async -> AccessTokenClaims? {
        if let entry = entries.withLock({ $0[token] }), keys.publishes(kid: entry.kid) { return entry.claims }
        guard let claims = await keys.verify(token, as: AccessTokenClaims.self), let kid = KeyManager.kid(of: token) else {
            return nil
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(claims: claims, kid: kid)
        }
        return claims
    }
}
