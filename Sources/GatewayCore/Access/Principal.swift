/// The caller behind a request: an authenticated key and what its role grants.
public struct Principal: Sendable, Equatable {
    public var keyId: String
    public var keyName: String
    public var role: Role
    public var locations: [String]?

    public init(keyId: String, keyName: String, role: Role, locations: [String]?) {
        self.keyId = keyId
        self.keyName = keyName
        self.role = role
        self.locations = locations
    }

    public func require(_ scope: Scope) throws(GatewayError) {
        guard role.scopes.contains(scope) else { throw .missingScope(scope) }
    }

    public func mayUse(location: String) -> Bool {
        locations.map { $0.contains(location) } ?? true
    }
}
