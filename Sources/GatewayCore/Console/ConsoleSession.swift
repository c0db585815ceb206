import Crypto
import Foundation

/// A signed-in console session as the store keeps it: the SHA-256 of the cookie's token, never the token, so that a
/// copy of the database (or a PostgreSQL replica) signs nobody in. Which key it is, and when it ends at the latest.
public struct ConsoleSession: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the token the browser's cookie carries.
    public var tokenHash: String
    public var keyId: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, keyId: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.keyId = keyId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// The stored form of a presented token. A plain hash suffices: tokens are 43 random characters (256 bits).
    public static func hash(_ token: String) -> String { hex(SHA256.hash(data: Data(token.utf8))) }

    /// The form token (`csrf`) of the session whose cookie carries `token`: derived, so nothing more is stored, and
    /// under a different prefix, so the stored hash does not give it away.
    public static func csrfToken(for token: String) -> String {
        hex(SHA256.hash(data: Data("console-csrf\u{0}\(token)".utf8)))
    }

    private static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
