/// A JSON request body the gateway routes on, read once: checked to be JSON (RFC 8259, UTF-8), free of duplicate
/// keys at any depth, and its top-level `locationId` picked out.
///
/// Duplicate keys are refused because parsers disagree on them: Foundation's takes one, HighLevel's (JavaScript's
/// `JSON.parse`) takes the last, so `{"locationId":"A","locationId":"B"}` could be routed and checked as A while
/// HighLevel acts on B. A single pass over the bytes, with no intermediate objects, also costs less than
/// `JSONSerialization` building a dictionary only to read one field.
public struct RoutedJSONBody: Sendable, Equatable {
    public enum Failure: Error, Sendable, Equatable {
        /// Not JSON; `offset` is where reading stopped.
        case malformed(offset: Int)
        /// A key repeated within one object; `path` names the object (`$` is the top level).
        case duplicateKey(String, path: String)
        /// The top-level `locationId` is there but not a string.
        case locationIdNotString
    }

    /// The top-level object's `locationId`, when the body is an object that has one.
    public let locationId: String?

    /// Deeper nesting than this is refused: recursion must stay bounded whatever a caller sends.
    public static let maximumDepth = 256

    public init(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .malformed(offset: 0) }
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        locationId = try reader.value(depth: 0, path: "$", wantLocation: true)
        reader.skipWhitespace()
        guard reader.atEnd else { throw .malformed(offset: reader.offset) }
    }

    public init(_ bytes: [UInt8]) throws(Failure) {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(Failure) in try RoutedJSONBody(buffer) } }
        self = try result.get()
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        private func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws(Failure) {
            guard peek() == byte else { throw .malformed(offset: offset) }
            offset += 1
        }

        /// Reads one value. For the top-level object (`wantLocation`), returns its `locationId`.
        mutating func value(depth: Int, path: String, wantLocation: Bool = false) throws(Failure) -> String? {
            guard depth < RoutedJSONBody.maximumDepth, let byte = peek() else { throw .malformed(offset: offset) }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth, path: path, wantLocation: wantLocation)
            case UInt8(ascii: "["): try array(depth: depth, path: path)
            case UInt8(ascii: "\""): _ = try string(decoding: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
            return nil
        }

        private mutating func object(depth: Int, path: String, wantLocation: Bool) throws(Failure) -> String? {
            offset += 1
            var keys = Set<String>()
            var location: String?
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                offset += 1
                return nil
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw .malformed(offset: offset) }
                let key = try string(decoding: true) ?? ""
                guard keys.insert(key).inserted else { throw .duplicateKey(key, path: path) }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                if wantLocation, key == "locationId" {
                    guard peek() == UInt8(ascii: "\"") else {
                        _ = try value(depth: depth + 1, path: path + "." + key)
                        throw .locationIdNotString
                    }
                    location = try string(decoding: true)
                } else {
                    _ = try value(depth: depth + 1, path: path + "." + key)
                }
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "}"):
                    offset += 1
                    return location
                default: throw .malformed(offset: offset)
                }
            }
        }

        private mutating func array(depth: Int, path: String) throws(Failure) {
            offset += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                offset += 1
                return
            }
            var index = 0
            while true {
                skipWhitespace()
                _ = try value(depth: depth + 1, path: "\(path)[\(index)]")
                index += 1
                skipWhitespace()
                switch peek() {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "]"):
                    offset += 1
                    return
                default: throw .malformed(offset: offset)
                }
            }
        }

        /// Reads a string; with `decoding`, returns its value (escapes resolved), else only checks it.
        private mutating func string(decoding: Bool) throws(Failure) -> String? {
            offset += 1
            let start = offset
            var escaped = false
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: "\""):
                    let end = offset
                    offset += 1
                    guard decoding else { return nil }
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                    return escaped ? try Self.unescape(raw, at: start) : String(decoding: raw, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    escaped = true
                    offset += 1
                    guard let next = peek() else { throw .malformed(offset: offset) }
                    switch next {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        offset += 1
                    case UInt8(ascii: "u"):
                        offset += 1
                        for _ in 0..<4 {
                            guard let digit = peek(), Self.hexValue(digit) != nil else { throw .malformed(offset: offset) }
                            offset += 1
                        }
                    default: throw .malformed(offset: offset)
                    }
                case 0..<0x20:
                    throw .malformed(offset: offset)
                default:
                    offset += 1
                }
            }
            throw .malformed(offset: offset)
        }

        private mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw .malformed(offset: offset) }
            for index in 0..<count where bytes[offset + index] != word.utf8Start[index] {
                throw .malformed(offset: offset + index)
            }
            offset += count
        }

        private mutating func number() throws(Failure) {
            func digits() throws(Failure) {
                guard let byte = peek(), Self.isDigit(byte) else { throw .malformed(offset: offset) }
                while let byte = peek(), Self.isDigit(byte) { offset += 1 }
            }
            if peek() == UInt8(ascii: "-") { offset += 1 }
            if peek() == UInt8(ascii: "0") {
                offset += 1
            } else {
                try digits()
            }
            if peek() == UInt8(ascii: ".") {
                offset += 1
                try digits()
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                offset += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
                try digits()
            }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        private static func hexValue(_ byte: UInt8) -> UInt16? {
            switch byte {
            case 0x30...0x39: UInt16(byte - 0x30)
            case 0x41...0x46: UInt16(byte - 0x41 + 10)
            case 0x61...0x66: UInt16(byte - 0x61 + 10)
            default: nil
            }
        }

        /// A checked string's value with its escapes resolved; `\uXXXX` as UTF-16, so surrogate pairs join. A lone
        /// surrogate becomes U+FFFD (two such keys then count as duplicates: refused, which is the safe side).
        private static func unescape(_ raw: UnsafeRawBufferPointer, at base: Int) throws(Failure) -> String {
            var units: [UInt16] = []
            units.reserveCapacity(raw.count)
            var index = 0
            var utf8: [UInt8] = []
            func flush() {
                guard !utf8.isEmpty else { return }
                units.append(contentsOf: String(decoding: utf8, as: UTF8.self).utf16)
                utf8.removeAll(keepingCapacity: true)
            }
            while index < raw.count {
                let byte = raw[index]
                guard byte == UInt8(ascii: "\\") else {
                    utf8.append(byte)
                    index += 1
                    continue
                }
                flush()
                let kind = raw[index + 1]
                index += 2
                switch kind {
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    var value: UInt16 = 0
                    for offset in 0..<4 {
                        guard let digit = hexValue(raw[index + offset]) else { throw .malformed(offset: base + index) }
                        value = value << 4 | digit
                    }
                    units.append(value)
                    index += 4
                default: units.append(UInt16(kind))
                }
            }
            flush()
            return String(decoding: units, as: UTF16.self)
        }
    }
}
