import Crypto
import Foundation

/// Local API keys look like `cgw_<id>_<secret>`: the id finds the record without a scan, the secret (32 characters
/// of [A-Za-z0-9], about 190 bits) is checked against its keyed hash in constant time.
public struct KeyFormat: Sendable {
    public static let prefix = "cgw_"
    public static let idLength = 12
    public static let secretLength = 32

    /// Derived once: building a `SymmetricKey` per request cost more than the HMAC itself. `SymmetricKey` is not
    /// marked `Sendable` on Linux, but it is immutable after creation and only read here.
    nonisolated(unsafe) private let hashingKey: SymmetricKey

    public init(secret: GatewaySecret) {
        self.hashingKey = secret.keyHashingKey
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
        Data(HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: hashingKey))
    }

    /// Constant-time comparison of a presented secret with a stored hash.
    public func matches(_ secret: String, hash stored: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(stored, authenticating: Array(secret.utf8), using: hashingKey)
    }
}
