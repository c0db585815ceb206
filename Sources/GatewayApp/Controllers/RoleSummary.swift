import GatewayCore

/// A role as admins see it, scopes sorted so output is stable.
public struct RoleSummary: Codable, Sendable {
    public var name: String
    public var scopes: [String]
    public var builtIn: Bool

    public init(_ role: Role) {
        name = role.name
        scopes = role.scopes.sorted().map(\.rawValue)
        builtIn = role.builtIn
    }
}
