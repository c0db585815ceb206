import Foundation
import GatewayCore

/// A key as admins see it: never the secret or its hash.
public struct KeySummary: Codable, Sendable {
    public var id: String
    public var name: String
    public var role: String
    public var locations: [String]?
    public var rate: String?
    public var burst: Int?
    public var expiresAt: Date?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revoked: Bool
    /// After a rotation with a grace period: until when the previous secret still works.
    public var previousKeyValidUntil: Date?

    public init(_ key: APIKey) {
        id = key.id
        name = key.name
        role = key.role
        locations = key.locations
        rate = key.rate
        burst = key.burst
        expiresAt = key.expiresAt
        createdAt = key.createdAt
        lastUsedAt = key.lastUsedAt
        revoked = key.revokedAt != nil
        previousKeyValidUntil = key.previousSecretHash == nil ? nil : key.previousSecretExpiresAt
    }
}
