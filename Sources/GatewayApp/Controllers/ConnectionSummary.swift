import Foundation
import GatewayCore

/// A connection as admins see it: everything but the tokens.
public struct ConnectionSummary: Codable, Sendable {
    public var locationId: String
    public var kind: String
    public var status: String
    public var statusDetail: String?
    public var accessTokenExpiresAt: Date?
    public var scope: String?
    public var companyId: String?
    public var generation: Int64
    public var createdAt: Date
    public var updatedAt: Date

    public init(_ connection: Connection) {
        locationId = connection.locationId
        kind = connection.kind.rawValue
        status = connection.status.rawValue
        statusDetail = connection.statusDetail
        accessTokenExpiresAt = connection.accessTokenExpiresAt
        scope = connection.scope
        companyId = connection.companyId
        generation = connection.generation
        createdAt = connection.createdAt
        updatedAt = connection.updatedAt
    }
}
