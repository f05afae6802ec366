/// A coarse summary of a User-Agent header for the IP login records: the browser family and the operating system
/// ("Chrome · Android"), enough for a student to recognise a device, never the full fingerprintable string.
public enum UserAgentSummary {
    public static func describe(_ userAgent: String) -> String {
        let browser = browserFamily(userAgent)
        let system = operatingSystem(userAgent)
        switch (browser, system) {
        case (nil, nil): return userAgent.isEmpty ? "—" : "?"
        case (let browser?, nil): return browser
        case (nil, let system?): return system
        case (let browser?, let system?): return "\(browser) · \(system)"
        }
    }

    /// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    static func browserFamily(_ ua: String) -> String? {
        let rules: [(String, String)] = [
            ("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"), ("Line/", "LINE"),
            ("FBAN", "Facebook"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
            ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"),
            ("python-requests", "Python"),
        ]
        return rules.first { ua.contains($0.0) }?.1
    }

    static func operatingSystem(_ ua: String) -> String? {
        let rules: [(String, String)] = [
            ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
        ]
        return rules.first { ua.contains($0.0) }?.1
    }
}
