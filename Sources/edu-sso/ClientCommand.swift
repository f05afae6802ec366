import ArgumentParser
import Foundation
import OIDC
import Web
import Storage

struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Register and inspect relying parties (apps).",
        subcommands: [Add.self, List.self, Show.self, Listing.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an app. A generated secret is shown once.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Client id (letters, digits, - _ .).") var id: String
        @Option(help: "Display name shown on the consent page.") var name: String
        @Option(help: "Client secret (generated when omitted; stored only as a hash).") var secret: String?
        @Option(name: .customLong("redirect-uri"), help: "Redirect URI, matched exactly (repeatable).") var redirectURIs: [String] = []
        @Option(name: .customLong("post-logout-redirect-uri"), help: "Post-logout redirect URI (repeatable).")
        var postLogoutRedirectURIs: [String] = []
        @Option(help: "Allowed scopes, space- or comma-separated (default: all but personid and guid).") var scopes: String?
        @Option(help: "confidential or public.") var type: String = "confidential"
        @Option(name: .customLong("auth-method"), help: "client_secret_basic, client_secret_post, private_key_jwt or none.")
        var authMethod: String?
        @Option(name: .customLong("jwks-file"), help: "JWKS file with the app's public keys (private_key_jwt).") var jwksFile: String?
        @Option(name: .customLong("id-token-alg"), help: "RS256 or ES256.") var idTokenAlg: String = "RS256"
        @Option(
            name: .customLong("backchannel-logout-uri"),
            help: "Where EduSSO posts a logout token when the student's session ends (OIDC Back-Channel Logout; https, or http on loopback).")
        var backchannelLogoutURI: String?
        @Option(name: .customLong("access-token-alg"), help: "RS256 or ES256 (default: the server's access_token_alg).")
        var accessTokenAlg: String?
        @Flag(name: .customLong("no-pkce"), help: "Let this confidential legacy app skip PKCE.") var noPKCE = false
        @Flag(name: .customLong("skip-consent"), help: "First-party app: no consent page.") var skipConsent = false
        @Option(
            help: """
                How guid is formed: keyed (default; HMAC under a server secret) or moe-sha256 (the MOE's unkeyed \
                SHA-256 of the national ID, which anyone can reverse: only for apps also allowed personid).
                """)
        var guid: String = Client.GUIDFormat.keyed.rawValue
        @Flag(name: .customLong("may-introspect"), help: "A resource server: may introspect tokens issued to other apps.")
        var mayIntrospect = false

        var allowedScopes: [String] {
            scopes.map { Scope.parse($0.replacingOccurrences(of: ",", with: " ")) } ?? Scope.defaultAllowed
        }

        func validate() throws {
            guard id.range(of: "^[A-Za-z0-9._-]{3,64}$", options: .regularExpression) != nil else {
                throw ValidationError("--id must be 3–64 letters, digits, '.', '_' or '-'.")
            }
            guard !redirectURIs.isEmpty else { throw ValidationError("Give at least one --redirect-uri.") }
            for uri in redirectURIs + postLogoutRedirectURIs {
                guard let url = URL(string: uri), url.scheme != nil, url.fragment == nil, !uri.contains("*") else {
                    throw ValidationError("'\(uri)' is not an absolute URI without fragment or wildcard.")
                }
            }
            if let backchannelLogoutURI {
                // The spec: an absolute http(s) URI without fragment; http is for an app on this machine only.
                guard let url = URL(string: backchannelLogoutURI), let scheme = url.scheme?.lowercased(), let host = url.host,
                    url.fragment == nil, scheme == "https" || (scheme == "http" && IPRange.isLoopback(host: host))
                else { throw ValidationError("--backchannel-logout-uri must be an https URI without fragment (http only on loopback).") }
            }
            guard Client.Kind(rawValue: type) != nil else { throw ValidationError("--type must be confidential or public.") }
            if let authMethod, Client.AuthMethod(rawValue: authMethod) == nil {
                throw ValidationError("--auth-method must be one of \(Client.AuthMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            guard SigningKey.Algorithm(rawValue: idTokenAlg) != nil else { throw ValidationError("--id-token-alg must be RS256 or ES256.") }
            if let accessTokenAlg, SigningKey.Algorithm(rawValue: accessTokenAlg) == nil {
                throw ValidationError("--access-token-alg must be RS256 or ES256.")
            }
            if type == "public" && secret != nil { throw ValidationError("Public clients have no secret.") }
            // A confidential app must prove who it is; `none` is for apps that cannot keep a secret.
            if type == "confidential" && authMethod == Client.AuthMethod.none.rawValue {
                throw ValidationError("A confidential client needs a real --auth-method; 'none' is for --type public.")
            }
            if type == "public", let authMethod, authMethod != Client.AuthMethod.none.rawValue {
                throw ValidationError("A public client cannot authenticate; its --auth-method is 'none'.")
            }
            guard let format = Client.GUIDFormat(rawValue: guid) else {
                throw ValidationError("--guid must be keyed or moe-sha256.")
            }
            if format == .moeSHA256 && !allowedScopes.contains("personid") {
                throw ValidationError(
                    "--guid moe-sha256 reveals the national ID, so it is only for apps allowed the personid scope.")
            }
            if type == "public" && noPKCE { throw ValidationError("Public clients must use PKCE.") }
            if type == "public" && mayIntrospect {
                throw ValidationError("--may-introspect needs a confidential client: a public client's id is no secret.")
            }
            if authMethod == "private_key_jwt" && jwksFile == nil { throw ValidationError("private_key_jwt needs --jwks-file.") }
            if let scopes {
                let unknown = Scope.parse(scopes.replacingOccurrences(of: ",", with: " ")).filter { !Scope.supported.contains($0) }
                if !unknown.isEmpty { throw ValidationError("Unknown scopes: \(unknown.joined(separator: ", ")).") }
            }
        }

        func run() async throws {
            let kind = Client.Kind(rawValue: type)!
            let method = authMethod.flatMap(Client.AuthMethod.init(rawValue:)) ?? (kind == .public ? .none : .clientSecretBasic)
            let usesSecret = method == .clientSecretBasic || method == .clientSecretPost
            let plainSecret = usesSecret ? (secret ?? Secrets.randomToken()) : nil
            let jwks = try jwksFile.map { try String(contentsOfFile: $0, encoding: .utf8) }
            try await withStore(options) { _, store in
                if try await store.client(id: id) != nil { throw ValidationError("A client with id '\(id)' already exists.") }
                let client = Client(
                    id: id, name: name, secretHash: plainSecret.map(Secrets.hash), redirectURIs: redirectURIs,
                    postLogoutRedirectURIs: postLogoutRedirectURIs,
                    allowedScopes: allowedScopes, kind: kind, authMethod: method, idTokenAlg: idTokenAlg,
                    accessTokenAlg: accessTokenAlg,
                    requirePKCE: !noPKCE, skipConsent: skipConsent, jwks: jwks, backchannelLogoutURI: backchannelLogoutURI,
                    createdAt: Clock.system.now(),
                    guidFormat: Client.GUIDFormat(rawValue: guid)!, introspectsAllTokens: mayIntrospect)
                try await store.saveClient(client)
                print("Registered client \(id).")
                if let plainSecret, secret == nil {
                    print("client_secret: \(plainSecret)\n(Shown once: only its hash is stored.)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered apps.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await withStore(options) { _, store in
                let clients = try await store.allClients()
                if clients.isEmpty { print("No clients registered.") }
                for client in clients {
                    print("\(client.id)\t\(client.kind.rawValue)\t\(client.authMethod.rawValue)\t\(client.name)")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one app's registration (never its secret).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Client id.") var id: String

        func run() async throws {
            try await withStore(options) { _, store in
                guard var client = try await store.client(id: id) else { throw ValidationError("No client '\(id)'.") }
                client.secretHash = client.secretHash.map { _ in "(hashed)" }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(client), as: UTF8.self))
            }
        }
    }

    struct Listing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an app in the 介接應用服務 portal students see after signing in (or take it off).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Client id.") var id: String
        @Option(help: "One line about what the app is for.") var description: String?
        @Option(help: "The heading it is listed under, e.g. 學習資源.") var category: String?
        @Option(help: "Where students go to use the app (https, or http on loopback for development).") var url: String?
        @Option(name: .customLong("logo-file"), help: "Logo: a PNG, JPEG or WebP file of at most 64 KiB.") var logoFile: String?
        @Flag(help: "Take the app off the portal (its details are kept).") var unlist = false

        static let maxLogoBytes = 64 * 1024

        func validate() throws {
            if let description, description.isEmpty || description.count > 120 {
                throw ValidationError("--description must be 1–120 characters.")
            }
            if let category, category.isEmpty || category.count > 30 { throw ValidationError("--category must be 1–30 characters.") }
            if let url {
                guard let parsed = URL(string: url), let host = parsed.host, !host.isEmpty,
                    parsed.scheme == "https" || (parsed.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host))
                else { throw ValidationError("--url must be an https URL (http only on loopback).") }
            }
        }

        /// The image type of `data` from its first bytes; nil for anything else (SVG is refused: it can hold script).
        static func imageType(_ data: Data) -> String? {
            let bytes = Array(data.prefix(12))
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
            if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
            if bytes.count == 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) {
                return "image/webp"
            }
            return nil
        }

        func run() async throws {
            var logo: (data: Data, type: String)?
            if let logoFile {
                let data = try Data(contentsOf: URL(fileURLWithPath: logoFile))
                guard data.count <= Self.maxLogoBytes else { throw ValidationError("The logo is larger than 64 KiB.") }
                guard let type = Self.imageType(data) else { throw ValidationError("The logo must be a PNG, JPEG or WebP file.") }
                logo = (data, type)
            }
            try await withStore(options) { _, store in
                guard var client = try await store.client(id: id) else { throw ValidationError("No client '\(id)'.") }
                var listing = client.listing ?? Client.Listing(listed: false, description: "", category: "", url: "")
                if let description { listing.description = description }
                if let category { listing.category = category }
                if let url { listing.url = url }
                if let logo {
                    try await store.saveClientLogo(clientID: id, contentType: logo.type, data: logo.data)
                    listing.hasLogo = true
                }
                listing.listed = !unlist
                if listing.listed && (listing.description.isEmpty || listing.category.isEmpty || listing.url.isEmpty) {
                    throw ValidationError("A listed app needs --description, --category and --url.")
                }
                client.listing = listing
                try await store.saveClient(client)
                print(listing.listed ? "Listed \(id) under \(listing.category)." : "\(id) is not listed.")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an app registration.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Client id.") var id: String

        func run() async throws {
            try await withStore(options) { _, store in
                guard try await store.removeClient(id: id) else { throw ValidationError("No client '\(id)'.") }
                print("Removed client \(id).")
            }
        }
    }
}
