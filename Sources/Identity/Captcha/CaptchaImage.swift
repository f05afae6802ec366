import Foundation

/// Draws a 3-digit captcha as an SVG image: each digit is a stroked path (there is no text for a scraper to read),
/// individually scaled, rotated, shifted and jittered, over a grey box crossed by noise curves and dots. The
/// layout is random for every rendering.
enum CaptchaImage {
    /// Stroke skeletons of the digits on a 10 × 16 grid.
    static let glyphs: [[(Double, Double)]] = [
        [(5, 0), (8.5, 2), (10, 8), (8.5, 14), (5, 16), (1.5, 14), (0, 8), (1.5, 2), (5, 0)],
        [(2, 3.5), (5.5, 0), (5.5, 16)],
        [(0.5, 3), (3, 0), (7, 0), (9.5, 3), (9, 6), (0, 16), (10, 16)],
        [(0.5, 2), (4, 0), (8, 1), (9, 4), (7.5, 7), (4, 8), (7.5, 9), (9.5, 12), (8, 15), (4, 16), (0.5, 14)],
        [(7, 16), (7, 0), (0, 11), (10, 11)],
        [(9, 0), (1, 0), (0.5, 7), (5, 6), (9, 8), (9.5, 12), (7, 15.5), (3, 16), (0.5, 14)],
        [(8.5, 1), (5, 0), (1.5, 3), (0, 9), (1, 14), (5, 16), (9, 14), (9.5, 10), (6, 7.5), (2, 8.5), (0.3, 11)],
        [(0, 0), (10, 0), (4, 16)],
        [
            (5, 8), (1.5, 6), (1, 3), (3, 0.3), (7, 0.3), (9, 3), (8.5, 6), (5, 8), (1, 10.5), (0.5, 13.5), (3, 16), (7, 16),
            (9.5, 13.5), (9, 10.5), (5, 8),
        ],
        [(9.7, 5), (8, 7.5), (4, 8), (1, 6), (0.5, 3), (3, 0.2), (7, 0.2), (9.5, 3), (9.7, 8), (8.5, 13), (5, 16), (1.5, 15)],
    ]

    static let width = 132.0
    static let height = 52.0

    static func svg(code: String, label: String) -> String {
        var random = SystemRandomNumberGenerator()
        func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &random) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var parts: [String] = []
        parts.append("<rect width=\"\(Int(width))\" height=\"\(Int(height))\" rx=\"4\" fill=\"#d4d4d4\"/>")
        for _ in 0..<40 {
            parts.append(
                "<circle cx=\"\(number(uniform(0...width)))\" cy=\"\(number(uniform(0...height)))\" r=\"\(number(uniform(0.6...1.6)))\" fill=\"#8a8a8a\"/>"
            )
        }
        for (index, character) in code.enumerated() {
            guard let digit = character.wholeNumberValue else { continue }
            let scale = uniform(2.0...2.5)
            let angle = uniform(-0.35...0.35)
            let originX = 14 + Double(index) * 38 + uniform(-4...4)
            let originY = 6 + uniform(-3...3)
            let shade = Int(uniform(0x20...0x50))
            let colour = String(format: "#%02x%02x%02x", shade, shade, shade + 0x10)
            let points = glyphs[digit].map { point -> String in
                let x = (point.0 + uniform(-0.5...0.5) - 5) * scale
                let y = (point.1 + uniform(-0.5...0.5) - 8) * scale * 0.95
                let rotatedX = x * cos(angle) - y * sin(angle) + originX + 5 * scale
                let rotatedY = x * sin(angle) + y * cos(angle) + originY + 8 * scale * 0.95
                return number(rotatedX) + " " + number(rotatedY)
            }
            parts.append(
                "<path d=\"M\(points.joined(separator: " L"))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(number(uniform(2.6...3.6)))\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>"
            )
        }
        for _ in 0..<4 {
            let start = (uniform(0...20), uniform(5...height - 5))
            let control = (uniform(30...width - 30), uniform(-10...height + 10))
            let end = (uniform(width - 20...width), uniform(5...height - 5))
            parts.append(
                "<path d=\"M\(number(start.0)) \(number(start.1)) Q\(number(control.0)) \(number(control.1)) \(number(end.0)) \(number(end.1))\" fill=\"none\" stroke=\"#5a5a5a\" stroke-width=\"\(number(uniform(1...1.8)))\"/>"
            )
        }
        let escapedLabel = label.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escapedLabel)\">"
            + parts.joined() + "</svg>"
    }
}
