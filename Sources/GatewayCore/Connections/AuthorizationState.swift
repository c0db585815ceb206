import Crypto
import Foundation

/// A one-time `state` for the OAuth authorization code flow, issued by `connections authorize-url`, as the store
/// keeps it: only its SHA-256, so that a copy of the database cannot finish anyone's pending authorization.
public struct AuthorizationState: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the `state` value the browser carries.
    public var stateHash: String
    /// The location the authorization was started for, when one was named: a code granting another is refused.
    public var locationId: String?
    public var createdAt: Date
    public var expiresAt: Date

    public init(stateHash: String, locationId: String? = nil, createdAt: Date, expiresAt: Date) {
        self.stateHash = stateHash
        self.locationId = locationId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// The stored form of a presented `state`. A plain hash is enough: states are 32 random characters (190 bits),
    /// not guessable, and live 15 minutes.
    public static func hash(_ state: String) -> String {
        SHA256.hash(data: Data(state.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
