import Foundation

/// A signed note as C2SP's signed-note specification writes it: a text that ends in a newline, a blank line, then one
/// signature line or more, each `— <key name> <base64 of the 4-byte key ID and the signature>`.
///
/// Only the form is checked here; whether a signature is good is the key's question (``AuditCheckpointKey``).
public struct SignedNote: Sendable, Equatable {
    public struct Signature: Sendable, Equatable {
        public var keyName: String
        public var keyID: UInt32
        public var bytes: [UInt8]

        public init(keyName: String, keyID: UInt32, bytes: [UInt8]) {
            self.keyName = keyName
            self.keyID = keyID
            self.bytes = bytes
        }
    }

    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The signed text, with its final newline.
    public var text: String
    public var signatures: [Signature]

    /// Far more than a checkpoint needs (about 250 bytes); a bound so that a hostile file costs nothing to refuse.
    static let maximumSize = 64 * 1024
    static let maximumSignatures = 64

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    public init(parsing note: String) throws(Malformed) {
        let bytes = Array(note.utf8)
        guard bytes.count <= Self.maximumSize else { throw Malformed("it is over \(Self.maximumSize) bytes") }
        if let control = bytes.first(where: { $0 < 0x20 && $0 != 0x0A }) {
            throw Malformed("it holds the control character 0x\(String(control, radix: 16)) (only newlines may appear)")
        }
        guard bytes.last == 0x0A else { throw Malformed("it does not end with a newline") }
        // The text ends at the last blank line: the text may hold blank lines, the signatures cannot.
        guard let blank = Self.lastBlankLine(in: bytes) else {
            throw Malformed("it has no blank line between the text and the signatures")
        }
        let text = String(decoding: bytes[...blank], as: UTF8.self)
        guard !text.isEmpty, text != "\n" else { throw Malformed("its text is empty") }
        var signatures: [Signature] = []
        for line in bytes[(blank + 2)...].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            signatures.append(try Self.signature(String(decoding: line, as: UTF8.self)))
        }
        guard !signatures.isEmpty else { throw Malformed("it has no signature line") }
        guard signatures.count <= Self.maximumSignatures else {
            throw Malformed("it has more than \(Self.maximumSignatures) signatures")
        }
        self.init(text: text, signatures: signatures)
    }

    /// The note as it is written down and parsed back.
    public var rendered: String {
        var out = text + "\n"
        for signature in signatures {
            var payload = withUnsafeBytes(of: signature.keyID.bigEndian) { Array($0) }
            payload.append(contentsOf: signature.bytes)
            out += "\u{2014} \(signature.keyName) \(Data(payload).base64EncodedString())\n"
        }
        return out
    }

    /// Key names are non-empty and hold no space and no `+` (the verifier key string uses `+` as its separator).
    public static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace }
    }

    /// The index of the first newline of the last `\n\n`.
    private static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A { return index }
            index -= 1
        }
        return nil
    }

    private static func signature(_ line: String) throws(Malformed) -> Signature {
        guard line.hasPrefix("\u{2014} ") else {
            throw Malformed("the signature line '\(line.prefix(40))' does not start with an em dash and a space")
        }
        let rest = line.dropFirst(2)
        guard let space = rest.lastIndex(of: " ") else { throw Malformed("a signature line has no key name") }
        let name = String(rest[..<space])
        guard isValidKeyName(name) else { throw Malformed("the key name '\(name.prefix(40))' is empty or holds a space or '+'") }
        guard let payload = Data(base64Encoded: String(rest[rest.index(after: space)...])), payload.count > 4 else {
            throw Malformed("the signature by '\(name)' is not base64 of a key ID and a signature")
        }
        let keyID = payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Signature(keyName: name, keyID: keyID, bytes: Array(payload.dropFirst(4)))
    }
}
