import Identity
import Notify
import OIDC

/// Every store the web layer uses, by protocol. The controllers and services know only these; which database
/// implements them (SQLite or PostgreSQL, through Storage's one SQL implementation) is decided in
/// `buildApplication`, the one place in this module that imports Storage.
public typealias ServiceStore = AccountEventStore & AccountLookup & AccountStore & AuthorizationCodeStore
    & CaptchaStore & ClientLogoStore & ClientStore & ConsentStore & DefaultPasswordStore & FederationStateStore
    & GrantStore & HousekeepingStore & InteractionStore & LoginRecordStore & MessageQueueStore & RateCountStore & RecoveryStore
    & RefreshTokenStore & RegistrationStore & RegistryStore & SessionStore & SignInChallengeStore & TicketStore
    & TokenMarkerStore & TwoFactorStore & VerificationCodeStore
