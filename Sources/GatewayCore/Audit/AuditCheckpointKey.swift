import Crypto
import Foundation

/// The public key that verifies a gateway's checkpoints: Ed25519, named as signed notes name keys.
///
/// - key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ the 32-byte public key), big-endian (0x01: Ed25519);
/// - verifier key: `<name>+<key ID, 8 hex digits>+<base64 of 0x01 ‖ public key>`, the form Go's
///   `golang.org/x/mod/sumdb/note` and other signed-note tools read.
public struct AuditCheckpointKey: Sendable, Equatable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// What a key makes of a note's signatures.
    public enum Verdict: Sendable, Equatable {
        case verified
        /// No signature line carries this key's name and ID (signed by another key, e.g. another gateway secret).
        case notSigned(keyIDs: [UInt32])
        /// A line carries this key's name and ID but its signature is wrong (the text or the signature was changed).
        case invalid
    }

    static let ed25519: UInt8 = 0x01

    public let name: String
    public let publicKey: [UInt8]
    public let keyID: UInt32

    public init(name: String = AuditCheckpoint.origin, publicKey: [UInt8]) throws(Malformed) {
        guard SignedNote.isValidKeyName(name) else { throw Malformed("the key name '\(name)' is empty or holds a space or '+'") }
        guard publicKey.count == 32 else { throw Malformed("an Ed25519 public key is 32 bytes, not \(publicKey.count)") }
        self.name = name
        self.publicKey = publicKey
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, Self.ed25519] + publicKey)
        keyID = hasher.finalize().prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Reads `<name>+<key ID>+<base64>`; the key ID must be the one the name and key give.
    public init(verifierKey text: String) throws(Malformed) {
        // The name holds no '+'; the base64 may.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let id = UInt32(parts[1], radix: 16),
            let data = Data(base64Encoded: String(parts[2])), data.first == Self.ed25519
        else { throw Malformed("a verifier key looks like name+1a2b3c4d+base64, as `audit public-key` prints it") }
        try self.init(name: String(parts[0]), publicKey: Array(data.dropFirst()))
        guard id == keyID else { throw Malformed("the verifier key's ID \(parts[1]) does not match its name and key") }
    }

    public var base64: String { Data(publicKey).base64EncodedString() }
    public var keyIDHex: String { Self.hex(keyID) }
    public var verifierKey: String { "\(name)+\(keyIDHex)+\(Data([Self.ed25519] + publicKey).base64EncodedString())" }

    public func verify(_ note: SignedNote) -> Verdict {
        let mine = note.signatures.filter { $0.keyName == name && $0.keyID == keyID }
        guard !mine.isEmpty else { return .notSigned(keyIDs: note.signatures.map(\.keyID)) }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return .invalid }
        let text = Array(note.text.utf8)
        // Every line that claims to be this key's must hold: a second, bad one means the note was tampered with.
        return mine.allSatisfy { key.isValidSignature($0.bytes, for: text) } ? .verified : .invalid
    }

    static func hex(_ keyID: UInt32) -> String {
        let digits = String(keyID, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
