import Foundation

/// Writes 8-bit greyscale PNG files without a compression library. The zlib stream holds stored (uncompressed)
/// deflate blocks, which every decoder must accept; a captcha is then about 28 KB, a fair price for no dependency
/// on an image that lives a few minutes.
enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// `pixels` are `width × height` grey levels, row by row, 0 black and 255 white.
    static func greyscale(width: Int, height: Int, pixels: [UInt8]) -> Data {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "one grey level per pixel")
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            scanlines.append(0)  // filter "None": filters only pay off when the data is compressed
            scanlines.append(contentsOf: pixels[row * width..<(row + 1) * width])
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        // Bit depth 8, colour type 0 (greyscale), compression 0 (deflate), filter method 0, no interlace.
        header.append(contentsOf: [8, 0, 0, 0, 0])
        return Data(signature + chunk("IHDR", header) + chunk("IDAT", zlibStored(scanlines)) + chunk("IEND", []))
    }

    /// A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4).
    static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KB window; FLG 0x01: no dictionary, and CMF·256 + FLG divisible by 31.
        var stream: [UInt8] = [0x78, 0x01]
        let largestBlock = Int(UInt16.max)
        var start = 0
        repeat {
            let end = min(start + largestBlock, bytes.count)
            let length = UInt16(end - start)
            // BFINAL in bit 0, BTYPE 00 (stored) in bits 1–2; a stored block then skips to the next byte boundary.
            stream.append(end == bytes.count ? 1 : 0)
            stream.appendLittleEndian(length)
            stream.appendLittleEndian(~length)
            stream.append(contentsOf: bytes[start..<end])
            start = end
        } while start < bytes.count
        stream.appendBigEndian(adler32(bytes))
        return stream
    }

    /// Length, type, data and the CRC of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        var chunk: [UInt8] = []
        chunk.appendBigEndian(UInt32(data.count))
        chunk.append(contentsOf: body)
        chunk.appendBigEndian(crc32(body))
        return chunk
    }

    private static let crcTable: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { value, _ in value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    }

    /// The CRC-32 of ISO 3309 that PNG chunks carry.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(UInt32.max) { crc, byte in crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }

    /// The checksum that ends a zlib stream. Sums are reduced once per 5552 bytes, the most that cannot overflow
    /// 32 bits, instead of once per byte.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        let modulus: UInt32 = 65_521
        var low: UInt32 = 1
        var high: UInt32 = 0
        var start = 0
        while start < bytes.count {
            let end = min(start + 5552, bytes.count)
            for byte in bytes[start..<end] {
                low += UInt32(byte)
                high += low
            }
            low %= modulus
            high %= modulus
            start = end
        }
        return high << 16 | low
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian<Value: FixedWidthInteger>(_ value: Value) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
