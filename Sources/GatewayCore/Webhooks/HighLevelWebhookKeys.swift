import Crypto
import Foundation
import _CryptoExtras

/// The public keys that HighLevel signs its webhooks with: Ed25519 for `X-GHL-Signature` (required: without it the
/// webhook route accepts nothing) and, optionally, the legacy RSA key for `X-WH-Signature`.
public struct HighLevelWebhookKeys: Sendable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    // Raw bytes and DER, not swift-crypto's key types, which are not Sendable; a key is rebuilt per check (a copy
    // of 32 bytes for Ed25519; only the legacy RSA path parses DER again).
    private let ed25519Raw: [UInt8]
    private let rsaDER: [UInt8]?

    var ed25519: Curve25519.Signing.PublicKey { try! Curve25519.Signing.PublicKey(rawRepresentation: ed25519Raw) }
    var rsa: _RSA.Signing.PublicKey? { rsaDER.map { try! _RSA.Signing.PublicKey(derRepresentation: $0) } }

    /// - Parameters:
    ///   - ed25519: PEM (SubjectPublicKeyInfo), or base64 or hex of the raw 32 bytes, as HighLevel's SDKs accept.
    ///   - rsa: PEM, when the legacy header is to be accepted at all.
    public init(ed25519 text: String, rsa rsaText: String? = nil) throws(Malformed) {
        self.ed25519Raw = Array(try Self.ed25519Key(text).rawRepresentation)
        if let rsaText {
            do {
                let key = try _RSA.Signing.PublicKey(pemRepresentation: rsaText)
                guard key.keySizeInBits >= 2048 else { throw Malformed("an RSA key of \(key.keySizeInBits) bits is too weak") }
                self.rsaDER = Array(key.derRepresentation)
            } catch let error as Malformed {
                throw error
            } catch {
                throw Malformed("not an RSA public key in PEM (-----BEGIN PUBLIC KEY-----)")
            }
        } else {
            self.rsaDER = nil
        }
    }

    /// Whether `text` is an RSA public key this type accepts for `X-WH-Signature`.
    public static func isRSAKey(_ text: String) -> Bool {
        guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: text) else { return false }
        return key.keySizeInBits >= 2048
    }

    private static func ed25519Key(_ text: String) throws(Malformed) -> Curve25519.Signing.PublicKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var raw: [UInt8]?
        if trimmed.hasPrefix("-----BEGIN PUBLIC KEY-----") {
            let body = trimmed.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            // An Ed25519 SubjectPublicKeyInfo is 12 bytes of fixed DER (OID 1.3.101.112) and the 32-byte key.
            let prefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
            if let der = Data(base64Encoded: body).map(Array.init), der.count == 44, Array(der.prefix(12)) == prefix {
                raw = Array(der.suffix(32))
            } else {
                throw Malformed("the PEM is not an Ed25519 public key")
            }
        } else if trimmed.count == 64, let bytes = Self.hex(trimmed) {
            raw = bytes
        } else if let bytes = Data(base64Encoded: trimmed).map(Array.init), bytes.count == 32 {
            raw = bytes
        }
        guard let raw, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw Malformed("an Ed25519 public key is PEM, or base64 or hex of 32 bytes")
        }
        return key
    }

    private static func hex(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Self.nibble(high), let l = Self.nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
