import Crypto
import Foundation

/// Local API keys look like `cgw_<id>_<secret>`: the id finds the record without a scan, the secret (32 characters
/// of [A-Za-z0-9], about 190 bits) is checked against its keyed hash in constant time.
public struct KeyFormat: Sendable {
    public static let prefix = "cgw_"
    public static let idLength = 12
    public static let secretLength = 32

    /// An HMAC that has taken the key and nothing else, copied for each secret: `HMAC(key:)` pads the key and hashes
    /// both padded blocks through swift-crypto's unspecialized generics, and did so on every request (the HMAC was
    /// 5.4 % of the Swift pool's samples, 2.2 % after this; bench/README.md). A copy shares the two hash states until
    /// it is updated, when it copies them, and `finalize` hashes a copy of its own: this one is never mutated, so the
    /// copies of concurrent requests never share a state they change. (`HMAC` is not marked `Sendable` on Linux.)
    nonisolated(unsafe) private let keyed: HMAC<SHA256>

    public init(secret: GatewaySecret) {
        self.keyed = HMAC<SHA256>(key: secret.keyHashingKey)
    }

    /// A new key: what to show once, and what to store.
    public func generate() -> (id: String, key: String, secret: String, hash: Data) {
        let id = RandomToken.alphanumeric(Self.idLength, lowercaseOnly: true)
        let secret = RandomToken.alphanumeric(Self.secretLength)
        return (id, key(id: id, secret: secret), secret, hash(secret))
    }

    /// The presented form of a key.
    public func key(id: String, secret: String) -> String { "\(Self.prefix)\(id)_\(secret)" }

    /// Splits a presented key into its id and secret; `nil` when it is not of this form. Read as bytes, on every
    /// request: with `split` and `Substring.count` (which walks grapheme clusters) it was 2.1 % of the Swift pool's
    /// samples, 1.0 % as bytes (bench/README.md).
    /// The id runs to the first `_` and both parts must be identifier bytes, all ASCII, so byte and character counts agree.
    public func parse(_ presented: String) -> (id: String, secret: String)? {
        let utf8 = presented.utf8
        let prefixLength = Self.prefix.utf8.count
        guard utf8.count == prefixLength + Self.idLength + 1 + Self.secretLength, presented.hasPrefix(Self.prefix)
        else { return nil }
        let idStart = utf8.index(utf8.startIndex, offsetBy: prefixLength)
        let separator = utf8.index(idStart, offsetBy: Self.idLength)
        let secretStart = utf8.index(after: separator)
        let id = utf8[idStart..<separator]
        let secret = utf8[secretStart...]
        guard utf8[separator] == UInt8(ascii: "_"), !id.contains(UInt8(ascii: "_")),
            PathIdentifier.isValid(Substring(id)), PathIdentifier.isValid(Substring(secret))
        else { return nil }
        return (String(Substring(id)), String(Substring(secret)))
    }

    public func hash(_ secret: String) -> Data {
        Data(code(secret))
    }

    /// Constant-time comparison of a presented secret with a stored hash (`MessageAuthenticationCode`'s `==` with
    /// bytes is swift-crypto's `safeCompare`).
    public func matches(_ secret: String, hash stored: Data) -> Bool {
        code(secret) == stored
    }

    private func code(_ secret: String) -> HashedAuthenticationCode<SHA256> {
        var mac = keyed
        // Hashed in place: a native string's bytes are contiguous, so this allocates nothing (an `Array` of them did).
        var secret = secret
        secret.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize()
    }
}
