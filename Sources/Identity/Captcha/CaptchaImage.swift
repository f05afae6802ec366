import Foundation

/// Draws a 3-digit captcha as a greyscale PNG that a person reads at a glance but a script cannot match against
/// fixed shapes: every rendering warps, scales, shears, rotates and places each digit afresh, varies the pen width
/// along every stroke, and crosses the digits with curves of the same grey over speckles and a mottled background.
/// (The SVG it replaces drew each digit as one path whose shape named the digit.)
enum CaptchaImage {
    /// Twice the 132 × 52 CSS pixels the page shows, so that the image stays sharp on phones.
    static let width = 264
    static let height = 104
    /// Light grey, as the form's captcha box has always been.
    static let background: Float = 0xD4
    /// Keeps strokes off the border, where a rounded box corner or a crop could cut them.
    static let margin = 4.0

    static func png(code: String) -> Data {
        PNGEncoder.greyscale(width: width, height: height, pixels: pixels(code: code, distortion: .captcha))
    }

    /// The grey levels of one rendering, row by row; characters of `code` other than digits are skipped.
    static func pixels(code: String, distortion: Distortion) -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        var canvas = Canvas(width: width, height: height, grey: background)
        if distortion.clutter {
            canvas.mottle(using: &random)
        }
        for glyph in glyphs(for: code.compactMap(\.wholeNumberValue), distortion: distortion, using: &random) {
            canvas.draw(glyph, ink: Float.random(in: 0x1C...0x4C, using: &random))
        }
        if distortion.clutter {
            // Curves as dark as the digits, so that no grey threshold keeps the digits and drops the curves;
            // thinner than the digits, so that a person still tells them apart.
            for _ in 0..<Int.random(in: 2...3, using: &random) {
                canvas.draw(crossingCurve(using: &random), ink: Float.random(in: 0x30...0x60, using: &random))
            }
            canvas.speckle(using: &random)
        }
        return canvas.greyLevels
    }

    /// The digits' strokes, laid out left to right with their bounding boxes apart and inside the image.
    static func glyphs(
        for digits: [Int], distortion: Distortion, using random: inout SystemRandomNumberGenerator
    ) -> [Stroke] {
        var glyphs = digits.map { shape(of: $0, distortion: distortion, using: &random) }
        let gaps = glyphs.dropFirst().map { _ in Double.random(in: distortion.gap, using: &random) }
        let naturalWidth = glyphs.map { $0.bounds.width }.reduce(0, +) + gaps.reduce(0, +)
        let tallest = glyphs.map { $0.bounds.height }.max() ?? 0
        let room = (width: Double(width) - 2 * margin, height: Double(height) - 2 * margin)
        // Rare combinations of large scale, shear and rotation would not fit: shrink the lot rather than crop.
        let fit = min(1, room.width / max(naturalWidth, 1), room.height / max(tallest, 1))
        glyphs = glyphs.map { $0.scaled(by: fit) }
        // Rounding can leave a hair less than no room at all.
        let slack = max(0, room.width - naturalWidth * fit)
        var left = margin + slack / 2 + Double.random(in: -slack / 2...slack / 2, using: &random) * distortion.drift
        for (index, glyph) in glyphs.enumerated() {
            let bounds = glyph.bounds
            let verticalSlack = max(0, room.height - bounds.height) / 2
            let lift = Double.random(in: -verticalSlack...verticalSlack, using: &random) * distortion.drift
            let top = margin + verticalSlack + lift
            glyphs[index] = glyph.moved(x: left - bounds.minX, y: top - bounds.minY)
            left += bounds.width + (index < gaps.count ? gaps[index] * fit : 0)
        }
        return glyphs
    }

    /// One digit, centred on the origin, bent by its own random warp and pen.
    static func shape(of digit: Int, distortion: Distortion, using random: inout SystemRandomNumberGenerator) -> Stroke
    {
        func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &random) }
        let jitter = distortion.pointJitter
        let skeleton = skeletons[digit].map { point in
            // Centred on the glyph's middle, so that rotation and shear keep it in place.
            Point(x: point.x - 5 + uniform(-jitter...jitter), y: point.y - 8 + uniform(-jitter...jitter))
        }
        // Fine steps, so that the warp bends straight strokes into curves instead of only moving their corners.
        let path = densified(skeleton, step: 0.5)
        let bend = (x: uniform(distortion.warp), y: uniform(distortion.warp))
        let wavelength = (x: uniform(9...18), y: uniform(9...18))
        let phase = (x: uniform(0...2 * .pi), y: uniform(0...2 * .pi))
        let scale = uniform(distortion.scale)
        let aspect = uniform(distortion.aspect)
        let shear = uniform(distortion.shear)
        let angle = uniform(distortion.rotation)
        let points = path.map { point in
            let warped = Point(
                x: point.x + bend.x * sin(2 * .pi * point.y / wavelength.y + phase.x),
                y: point.y + bend.y * sin(2 * .pi * point.x / wavelength.x + phase.y))
            let x = (warped.x * aspect + shear * warped.y) * scale
            let y = warped.y * scale
            return Point(x: x * cos(angle) - y * sin(angle), y: x * sin(angle) + y * cos(angle))
        }
        return Stroke(
            points: points,
            widths: penWidths(along: points, base: distortion.strokeWidth, distortion.strokeVariation, using: &random))
    }

    /// A long curve from the left edge to the right edge through the band the digits occupy.
    static func crossingCurve(using random: inout SystemRandomNumberGenerator) -> Stroke {
        func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &random) }
        let w = Double(width)
        let h = Double(height)
        let start = Point(x: uniform(-10...0.1 * w), y: uniform(0.2 * h...0.8 * h))
        let first = Point(x: uniform(0.2 * w...0.45 * w), y: uniform(-0.1 * h...1.1 * h))
        let second = Point(x: uniform(0.55 * w...0.8 * w), y: uniform(-0.1 * h...1.1 * h))
        let end = Point(x: uniform(0.9 * w...w + 10), y: uniform(0.2 * h...0.8 * h))
        let points = (0...64).map { step in
            let t = Double(step) / 64
            let u = 1 - t
            let weights = (u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t)
            return Point(
                x: weights.0 * start.x + weights.1 * first.x + weights.2 * second.x + weights.3 * end.x,
                y: weights.0 * start.y + weights.1 * first.y + weights.2 * second.y + weights.3 * end.y)
        }
        return Stroke(points: points, widths: penWidths(along: points, base: 2...3.2, 0.3, using: &random))
    }

    /// A pen that swells and thins smoothly along the path, as a hand-held pen would.
    static func penWidths(
        along points: [Point], base: ClosedRange<Double>, _ variation: Double,
        using random: inout SystemRandomNumberGenerator
    ) -> [Double] {
        let width = Double.random(in: base, using: &random)
        let period = Double.random(in: 25...60, using: &random)
        let phase = Double.random(in: 0...2 * .pi, using: &random)
        var travelled = 0.0
        return points.indices.map { index in
            if index > 0 { travelled += points[index].distance(to: points[index - 1]) }
            return width * (1 + variation * sin(2 * .pi * travelled / period + phase))
        }
    }

    static func densified(_ points: [Point], step: Double) -> [Point] {
        guard var previous = points.first else { return [] }
        var dense = [previous]
        for point in points.dropFirst() {
            let pieces = max(1, Int((point.distance(to: previous) / step).rounded(.up)))
            for piece in 1...pieces {
                let t = Double(piece) / Double(pieces)
                dense.append(
                    Point(x: previous.x + (point.x - previous.x) * t, y: previous.y + (point.y - previous.y) * t))
            }
            previous = point
        }
        return dense
    }

    /// Stroke skeletons of the digits on a 10 × 16 grid, y downwards. The 1 has a foot (drawn out and back) so that
    /// tilted and warped it still cannot pass for a 7.
    static let skeletons: [[Point]] =
        ([
            [(5, 0), (8.5, 2), (10, 8), (8.5, 14), (5, 16), (1.5, 14), (0, 8), (1.5, 2), (5, 0)],
            [(2, 3.5), (5.5, 0), (5.5, 16), (2.5, 16), (8.5, 16)],
            [(0.5, 3), (3, 0), (7, 0), (9.5, 3), (9, 6), (0, 16), (10, 16)],
            [(0.5, 2), (4, 0), (8, 1), (9, 4), (7.5, 7), (4, 8), (7.5, 9), (9.5, 12), (8, 15), (4, 16), (0.5, 14)],
            [(7, 16), (7, 0), (0, 11), (10, 11)],
            [(9, 0), (1, 0), (0.5, 7), (5, 6), (9, 8), (9.5, 12), (7, 15.5), (3, 16), (0.5, 14)],
            [(8.5, 1), (5, 0), (1.5, 3), (0, 9), (1, 14), (5, 16), (9, 14), (9.5, 10), (6, 7.5), (2, 8.5), (0.3, 11)],
            [(0, 0), (10, 0), (4, 16)],
            [
                (5, 8), (1.5, 6), (1, 3), (3, 0.3), (7, 0.3), (9, 3), (8.5, 6), (5, 8), (1, 10.5), (0.5, 13.5),
                (3, 16), (7, 16), (9.5, 13.5), (9, 10.5), (5, 8),
            ],
            [
                (9.7, 5), (8, 7.5), (4, 8), (1, 6), (0.5, 3), (3, 0.2), (7, 0.2), (9.5, 3), (9.7, 8), (8.5, 13),
                (5, 16), (1.5, 15),
            ],
        ] as [[(Double, Double)]]).map { $0.map { Point(x: $0.0, y: $0.1) } }
}

extension CaptchaImage {
    /// How far a rendering strays from the plain digit shapes; `.captcha` is what users see, `.plain` the shapes
    /// themselves.
    struct Distortion: Sendable {
        /// Pixels per skeleton unit (a skeleton is 10 × 16 units).
        var scale: ClosedRange<Double>
        /// Width over height, before shear and rotation.
        var aspect: ClosedRange<Double>
        /// Horizontal shift per unit of height.
        var shear: ClosedRange<Double>
        /// Radians, clockwise.
        var rotation: ClosedRange<Double>
        /// Amplitude of the sinusoidal bending, in skeleton units.
        var warp: ClosedRange<Double>
        /// Largest random move of each skeleton point, in skeleton units.
        var pointJitter: Double
        /// Pen width in pixels.
        var strokeWidth: ClosedRange<Double>
        /// How much the pen width swells and thins along a stroke, as a fraction of it.
        var strokeVariation: Double
        /// Pixels between the bounding boxes of neighbouring digits.
        var gap: ClosedRange<Double>
        /// How much of the free room around the digits their position may take up, from 0 (centred) to 1.
        var drift: Double
        /// Crossing curves, speckles and a mottled background.
        var clutter: Bool

        static let captcha = Distortion(
            scale: 4.2...5.1, aspect: 0.85...1.15, shear: -0.28...0.28, rotation: -0.28...0.28, warp: 0.4...0.9,
            pointJitter: 0.45, strokeWidth: 6...8.5, strokeVariation: 0.25, gap: 6...18, drift: 1, clutter: true)

        static let plain = Distortion(
            scale: 4.6...4.6, aspect: 1...1, shear: 0...0, rotation: 0...0, warp: 0...0, pointJitter: 0,
            strokeWidth: 6.5...6.5, strokeVariation: 0, gap: 24...24, drift: 0, clutter: false)
    }

    struct Point: Sendable, Equatable {
        var x: Double
        var y: Double

        func distance(to other: Point) -> Double {
            ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot()
        }
    }

    struct Box: Sendable, Equatable {
        var minX: Double
        var minY: Double
        var maxX: Double
        var maxY: Double

        var width: Double { maxX - minX }
        var height: Double { maxY - minY }
    }

    /// A polyline drawn with a round pen whose width is given at every point.
    struct Stroke: Sendable {
        var points: [Point]
        var widths: [Double]

        /// The area the ink covers.
        var bounds: Box {
            let reach = (widths.max() ?? 0) / 2
            return Box(
                minX: (points.map(\.x).min() ?? 0) - reach, minY: (points.map(\.y).min() ?? 0) - reach,
                maxX: (points.map(\.x).max() ?? 0) + reach, maxY: (points.map(\.y).max() ?? 0) + reach)
        }

        func scaled(by factor: Double) -> Stroke {
            Stroke(points: points.map { Point(x: $0.x * factor, y: $0.y * factor) }, widths: widths.map { $0 * factor })
        }

        func moved(x: Double, y: Double) -> Stroke {
            Stroke(points: points.map { Point(x: $0.x + x, y: $0.y + y) }, widths: widths)
        }
    }

    /// Grey levels as floating point while drawing, so that overlapping translucent edges blend without rounding.
    struct Canvas {
        let width: Int
        let height: Int
        private var grey: [Float]

        init(width: Int, height: Int, grey: Float) {
            self.width = width
            self.height = height
            self.grey = Array(repeating: grey, count: width * height)
        }

        var greyLevels: [UInt8] { grey.map { UInt8(min(255, max(0, $0.rounded()))) } }

        /// Draws an anti-aliased stroke. Coverage is the maximum over the stroke's segments, not their sum, so that
        /// joints and the many short segments of a curve do not come out darker than the rest.
        mutating func draw(_ stroke: Stroke, ink: Float) {
            guard let box = pixels(covering: stroke.bounds, margin: 1) else { return }
            let (left, right, top, bottom) = (
                box.columns.lowerBound, box.columns.upperBound, box.rows.lowerBound, box.rows.upperBound
            )
            let boxWidth = right - left + 1
            var coverage = [Float](repeating: 0, count: boxWidth * (bottom - top + 1))
            let points = stroke.points
            let widths = stroke.widths
            // A single point is a dot: one segment of no length.
            let segments = points.count == 1 ? [(0, 0)] : Array(zip(points.indices, points.indices.dropFirst()))
            for (first, second) in segments {
                let start = points[first]
                let end = points[second]
                let startRadius = widths[first] / 2
                let endRadius = widths[second] / 2
                let reach = max(startRadius, endRadius) + 1
                let dx = end.x - start.x
                let dy = end.y - start.y
                let lengthSquared = dx * dx + dy * dy
                let segmentBox = Box(
                    minX: min(start.x, end.x), minY: min(start.y, end.y), maxX: max(start.x, end.x),
                    maxY: max(start.y, end.y))
                guard let area = pixels(covering: segmentBox, margin: reach) else { continue }
                for row in area.rows {
                    let y = Double(row) + 0.5
                    for column in area.columns {
                        let x = Double(column) + 0.5
                        let t =
                            lengthSquared > 0
                            ? min(1, max(0, ((x - start.x) * dx + (y - start.y) * dy) / lengthSquared)) : 0
                        let offsetX = x - (start.x + t * dx)
                        let offsetY = y - (start.y + t * dy)
                        let distance = (offsetX * offsetX + offsetY * offsetY).squareRoot()
                        // One pixel of linear falloff across the pen's edge is the anti-aliasing.
                        let cover = Float(min(1, max(0, startRadius + t * (endRadius - startRadius) + 0.5 - distance)))
                        let cell = (row - top) * boxWidth + column - left
                        if cover > coverage[cell] { coverage[cell] = cover }
                    }
                }
            }
            for row in top...bottom {
                for column in left...right {
                    let cover = coverage[(row - top) * boxWidth + column - left]
                    guard cover > 0 else { continue }
                    let pixel = row * width + column
                    grey[pixel] += (ink - grey[pixel]) * cover
                }
            }
        }

        /// The canvas pixels `box`, widened by `margin` on every side, touches; nil when it lies off the canvas.
        private func pixels(covering box: Box, margin: Double) -> (columns: ClosedRange<Int>, rows: ClosedRange<Int>)? {
            let left = max(0, Int((box.minX - margin).rounded(.down)))
            let right = min(width - 1, Int((box.maxX + margin).rounded(.up)))
            let top = max(0, Int((box.minY - margin).rounded(.down)))
            let bottom = min(height - 1, Int((box.maxY + margin).rounded(.up)))
            guard left <= right, top <= bottom else { return nil }
            return (left...right, top...bottom)
        }

        /// A light, blotchy texture: a coarse grid of random shades, smoothly interpolated, plus fine grain. It keeps
        /// the background from being one grey level that a script could subtract.
        mutating func mottle(using random: inout SystemRandomNumberGenerator) {
            let cell = 22.0
            let columns = Int((Double(width) / cell).rounded(.up)) + 1
            let rows = Int((Double(height) / cell).rounded(.up)) + 1
            let shades = (0..<columns * rows).map { _ in Float.random(in: -14...14, using: &random) }
            for row in 0..<height {
                let y = Double(row) / cell
                let y0 = Int(y)
                let fy = Float(y - Double(y0))
                for column in 0..<width {
                    let x = Double(column) / cell
                    let x0 = Int(x)
                    let fx = Float(x - Double(x0))
                    let top = shades[y0 * columns + x0] * (1 - fx) + shades[y0 * columns + x0 + 1] * fx
                    let bottom = shades[(y0 + 1) * columns + x0] * (1 - fx) + shades[(y0 + 1) * columns + x0 + 1] * fx
                    grey[row * width + column] += top * (1 - fy) + bottom * fy
                }
            }
            // One system random call yields grain for eight pixels, a byte each.
            for start in stride(from: 0, to: grey.count, by: 8) {
                var bits = random.next()
                for pixel in start..<min(start + 8, grey.count) {
                    grey[pixel] += Float(bits & 0xFF) / 255 * 12 - 6
                    bits >>= 8
                }
            }
        }

        /// Dark specks like dust, and light ones that nick the strokes.
        mutating func speckle(using random: inout SystemRandomNumberGenerator) {
            for index in 0..<220 {
                let dot = Stroke(
                    points: [
                        Point(
                            x: Double.random(in: 0...Double(width), using: &random),
                            y: Double.random(in: 0...Double(height), using: &random))
                    ],
                    widths: [Double.random(in: 1.2...3.4, using: &random)])
                let ink =
                    index % 4 == 0
                    ? Float.random(in: 0xE4...0xF4, using: &random) : Float.random(in: 0x40...0x98, using: &random)
                draw(dot, ink: ink)
            }
        }
    }
}
