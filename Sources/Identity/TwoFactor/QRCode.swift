import CQRencode
import Foundation

/// A QR code from libqrencode, drawn by us as inline SVG (no image files, no scripts).
public struct QRCode: Sendable, Equatable {
    /// Dark modules, row by row, `width` × `width`.
    public let modules: [Bool]
    public let width: Int
    public let version: Int

    /// Encodes `bytes` exactly (8-bit mode, so UTF-8 text survives byte for byte) at error-correction level M,
    /// in the smallest version that holds them; nil when they do not fit in a QR code at all.
    public init?(bytes: [UInt8]) {
        guard !bytes.isEmpty,
            let code = bytes.withUnsafeBufferPointer({ QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, QR_ECLEVEL_M) })
        else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        self.width = width
        self.version = Int(code.pointee.version)
        self.modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public init?(text: String) { self.init(bytes: Array(text.utf8)) }

    /// An SVG of the code with the 4-module quiet zone the standard asks for; each run of dark modules in a row
    /// is one rectangle of the path. Coordinates are whole pixels (a module is `pixels / size` of them, at least
    /// 2) and the drawing is not scaled by a viewBox, so that simple rasterisers (ImageMagick's, which zbarimg
    /// uses) draw it exactly as browsers do; CSS may still shrink it to fit a narrow screen.
    public func svg(pixels: Int = 240, title: String) -> String {
        let quiet = 4
        let size = width + 2 * quiet
        let module = max(2, pixels / size)
        let side = size * module
        var path = ""
        for row in 0..<width {
            var column = 0
            while column < width {
                guard modules[row * width + column] else {
                    column += 1
                    continue
                }
                let start = column
                while column < width && modules[row * width + column] { column += 1 }
                let run = (column - start) * module
                path += "M\((start + quiet) * module) \((row + quiet) * module)h\(run)v\(module)h-\(run)z"
            }
        }
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \(side) \(side)" width="\(side)" \
            height="\(side)" shape-rendering="crispEdges"><title>\(escapedTitle)</title><rect width="\(side)" \
            height="\(side)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
