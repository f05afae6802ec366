import JWTKit

/// The payload of every JWT EduSSO issues or reads: a flat JSON object. Which claims appear depends on the grant
/// and its scopes, so the payload is a dictionary rather than a fixed struct.
public struct ClaimSet: JWTPayload, Equatable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    public subscript(_ name: String) -> JSONValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    /// Signature verification is JWTKit's; lifetime checks depend on the use and are done by the caller.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func int(_ name: String) -> Int64? { values[name]?.intValue }

    /// `aud` may be a string or an array (RFC 7519 §4.1.3).
    public var audiences: [String] {
        switch values["aud"] {
        case .string(let single): [single]
        case .array(let many): many.compactMap(\.stringValue)
        default: []
        }
    }

    public var scopes: [String] { string("scope").map(Scope.parse) ?? [] }
}
