import Foundation

/// A local API key as stored: never the secret, only its keyed hash.
public struct APIKey: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: String
    /// HMAC-SHA-256 of the secret under the server's key-hashing key.
    public var secretHash: Data
    /// Locations the key may act on; `nil` means all.
    public var locations: [String]?
    public var rate: String?
    public var burst: Int?
    public var expiresAt: Date?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// After a rotation with a grace period: the old secret's hash, accepted until `previousSecretExpiresAt`.
    public var previousSecretHash: Data?
    public var previousSecretExpiresAt: Date?

    public init(
        id: String, name: String, role: String, secretHash: Data, locations: [String]? = nil, rate: String? = nil,
        burst: Int? = nil, expiresAt: Date? = nil, createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil,
        previousSecretHash: Data? = nil, previousSecretExpiresAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.locations = locations
        self.rate = rate
        self.burst = burst
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.previousSecretHash = previousSecretHash
        self.previousSecretExpiresAt = previousSecretExpiresAt
    }
}
