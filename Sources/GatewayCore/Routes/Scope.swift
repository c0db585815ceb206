/// A permission that a role grants and a route requires.
///
/// The upstream scopes keep HighLevel's own names, so a route's scope reads the same in the gateway,
/// in HighLevel's documentation and in the OpenAPI document.
public struct Scope: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let contactsReadonly = Scope(rawValue: "contacts.readonly")
    public static let contactsWrite = Scope(rawValue: "contacts.write")
    public static let keysManage = Scope(rawValue: "keys.manage")
    public static let rolesManage = Scope(rawValue: "roles.manage")
    public static let connectionsManage = Scope(rawValue: "connections.manage")
    public static let auditRead = Scope(rawValue: "audit.read")
    public static let webhooksManage = Scope(rawValue: "webhooks.manage")

    /// Every scope the gateway knows; a role may only grant these.
    public static let all: [Scope] = [
        .contactsReadonly, .contactsWrite, .keysManage, .rolesManage, .connectionsManage, .auditRead,
        .webhooksManage,
    ]

    public var description: String { rawValue }
    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}
