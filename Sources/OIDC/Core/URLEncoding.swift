import Foundation

/// Percent-encoding for query components (RFC 3986 unreserved characters pass through).
public enum URLEncoding {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func component(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    public static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { component($0.0) + "=" + component($0.1) }.joined(separator: "&")
    }

    /// Appends parameters to a URI that may already have a query.
    public static func append(_ pairs: [(String, String)], to uri: String) -> String {
        guard !pairs.isEmpty else { return uri }
        let separator = uri.contains("?") ? "&" : "?"
        return uri + separator + query(pairs)
    }
}
