import Foundation
import Yams

/// `config/counties.yaml`: the mock county OpenID providers `county-idp` runs, each on its own loopback port
/// and issuer. A development and test tool: it refuses any host that is not loopback.
public struct CountiesConfig: Sendable, Decodable {
    /// How a county's student login picks the account (manual 貳.3 steps 5–6).
    public enum LoginStyle: String, Sendable, Decodable {
        /// 區域 → 學校 → 班級資訊 → 縣市帳號 → 密碼.
        case classic
        /// Kaohsiung style: 區域 → 學校 → 年級 → 班級 → 座號, which fills in the account, then 密碼.
        case seat
    }

    public struct County: Sendable, Decodable, Equatable {
        /// Short code (`kh`), also the suffix of the edu-cloud account EduSSO suggests (`<account>.kh`).
        public var code: String
        /// 高雄市: the county's name as the school directory spells it.
        public var name: String
        public var port: Int
        public var style: LoginStyle
        /// The secret EduSSO's registration at this county uses (development only).
        public var clientSecret: String

        enum CodingKeys: String, CodingKey {
            case code, name, port, style
            case clientSecret = "client_secret"
        }
    }

    public var host: String
    /// Each county keeps its database and signing keys in `<data_dir>/<code>/`.
    public var dataDir: String
    /// EduSSO's registration at every county: its id, callback and post-logout addresses.
    public var clientID: String
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    /// EduSSO's database (the SQLite file's path, or a database URL), whose (demo) student registry seeds each
    /// county's accounts, linked by national ID.
    public var registryDatabase: String?
    /// The password every seeded account gets (development only; `county-idp accounts` prints it).
    public var seedPassword: String
    /// At most this many seeded accounts per school.
    public var seedPerSchool: Int
    public var counties: [County]

    enum CodingKeys: String, CodingKey {
        case host, counties
        case dataDir = "data_dir"
        case clientID = "client_id"
        case redirectURIs = "redirect_uris"
        case postLogoutRedirectURIs = "post_logout_redirect_uris"
        case registryDatabase = "registry_database"
        case seedPassword = "seed_password"
        case seedPerSchool = "seed_per_school"
    }

    public static func load(_ path: String) throws -> CountiesConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let config = try YAMLDecoder().decode(CountiesConfig.self, from: text)
        guard ["127.0.0.1", "::1", "localhost"].contains(config.host) else {
            throw CountyError("county-idp is a development and test tool: host must be loopback, not \(config.host).")
        }
        guard Set(config.counties.map(\.code)).count == config.counties.count,
            Set(config.counties.map(\.port)).count == config.counties.count
        else { throw CountyError("Each county needs its own code and port.") }
        return config
    }

    public func county(_ code: String) throws -> County {
        guard let county = counties.first(where: { $0.code == code }) else {
            throw CountyError("No county '\(code)' in the configuration (\(counties.map(\.code).joined(separator: ", "))).")
        }
        return county
    }

    public func issuer(of county: County) -> String { "http://\(host):\(county.port)" }
}

public struct CountyError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
