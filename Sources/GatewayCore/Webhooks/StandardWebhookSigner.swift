import Crypto
import Foundation

/// Signs deliveries as the Standard Webhooks specification says: `webhook-signature: v1,<base64 HMAC-SHA256>` keyed
/// by the secret's decoded bytes, over `<webhook-id>.<webhook-timestamp>.<body>`.
public struct StandardWebhookSigner: Sendable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    static let prefix = "whsec_"
    /// The secret's decoded bytes (SymmetricKey is not Sendable).
    private let keyBytes: [UInt8]

    /// A new subscription's secret: `whsec_` and the base64 of 32 random bytes.
    public static func newSecret() -> String {
        prefix + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    public init(secret: String) throws(Malformed) {
        guard secret.hasPrefix(Self.prefix), let bytes = Data(base64Encoded: String(secret.dropFirst(Self.prefix.count))),
            (24...64).contains(bytes.count)
        else { throw Malformed(description: "a secret is whsec_ and the base64 of 24 to 64 bytes") }
        keyBytes = Array(bytes)
    }

    /// The `webhook-signature` value for one attempt.
    public func signature(id: String, timestamp: Int64, body: some DataProtocol) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
        mac.update(data: Array("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    /// Whether a `webhook-signature` header (space-separated, possibly several versions) holds a matching `v1`.
    public func verifies(_ header: String, id: String, timestamp: Int64, body: some DataProtocol) -> Bool {
        let expected = Array(signature(id: id, timestamp: timestamp, body: body).utf8)
        return header.split(separator: " ").contains { candidate in
            let bytes = Array(candidate.utf8)
            // Constant time over equal lengths: the length of a v1 signature is public.
            guard bytes.count == expected.count else { return false }
            return zip(bytes, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
