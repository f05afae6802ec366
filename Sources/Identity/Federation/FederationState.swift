import OIDC

/// A sign-in through a county provider (縣市帳號) in progress: what EduSSO sent (state, nonce, PKCE verifier)
/// and what the student was doing, bound to the browser that started it. The state is taken once: a replayed
/// callback finds nothing.
public struct FederationState: BrowserBoundFlow, Codable, Equatable {
    public enum Purpose: String, Sendable, Codable {
        /// 使用縣市帳號登入 (manual 貳.3–4), for an app's authorization or for the account pages.
        case signIn = "sign_in"
        /// 使用縣市帳號取回教育雲端帳號 (manual 伍.1): shows the linked account; no session.
        case forgotAccount = "forgot_account"
        /// 使用縣市帳號重新設定教育雲端密碼 (manual 陸.2): leads to the new-password step; no session.
        case forgotPassword = "forgot_password"
        /// 申請帳號 step 4-1: the county's data fill in steps 4–5 of the application `registrationID`.
        case register
    }

    /// Also the `state` parameter sent to the county.
    public var id: String
    public var browserHash: String
    public var countyCode: String
    public var nonce: String
    public var codeVerifier: String
    public var purpose: Purpose
    /// The authorization waiting for this sign-in, if any.
    public var interactionID: String?
    /// The account application this county sign-in is a step of (`register`).
    public var registrationID: String?
    /// The page language the student chose (`zh-TW`, `en`): the county's callback carries none.
    public var language: String?
    public var expiresAt: Int64

    public init(
        id: String, browserHash: String, countyCode: String, nonce: String, codeVerifier: String, purpose: Purpose,
        interactionID: String?, registrationID: String? = nil, language: String? = nil, expiresAt: Int64
    ) {
        self.id = id
        self.browserHash = browserHash
        self.countyCode = countyCode
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.purpose = purpose
        self.interactionID = interactionID
        self.registrationID = registrationID
        self.language = language
        self.expiresAt = expiresAt
    }
}

public protocol FederationStateStore: Sendable {
    func saveFederationState(_ state: FederationState) async throws
    /// Deletes and returns it: a callback can use a state once.
    func takeFederationState(id: String) async throws -> FederationState?
}
