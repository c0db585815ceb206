/// The caller behind a request: an authenticated key and what its role grants.
public struct Principal: Sendable, Equatable {
    public var keyId: String
    public var keyName: String
    public var role: Role
    public var locations: [String]?
    /// The key's own limit; `nil` means the gateway's default.
    public var rate: Rate?
    public var burst: Int?

    public init(keyId: String, keyName: String, role: Role, locations: [String]?, rate: Rate? = nil, burst: Int? = nil) {
        self.keyId = keyId
        self.keyName = keyName
        self.role = role
        self.locations = locations
        self.rate = rate
        self.burst = burst
    }

    public func require(_ scope: Scope) throws(GatewayError) {
        guard role.scopes.contains(scope) else { throw .missingScope(scope) }
    }

    public func mayUse(location: String) -> Bool {
        locations.map { $0.contains(location) } ?? true
    }
}
