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

    /// Splits a presented key into its id and secret; `nil` when it is not of this form.
    public func parse(_ presented: String) -> (id: String, secret: String)? {
        guard presented.hasPrefix(Self.prefix) else { return nil }
        let rest = presented.dropFirst(Self.prefix.count)
        let parts = rest.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == Self.idLength, parts[1].count == Self.secretLength,
            PathIdentifier.isValid(parts[0]), PathIdentifier.isValid(parts[1])
        else { return nil }
        return (String(parts[0]), String(parts[1]))
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
        mac.update(data: Array(secret.utf8))
        return mac.finalize()
    }
}
