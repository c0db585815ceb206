/// A named set of scopes. The four built-in roles are fixed; custom ones live in the store.
public struct Role: Sendable, Equatable, Codable {
    public var name: String
    public var scopes: Set<Scope>
    public var builtIn: Bool

    public init(name: String, scopes: Set<Scope>, builtIn: Bool = false) {
        self.name = name
        self.scopes = scopes
        self.builtIn = builtIn
    }

    public static let reader = Role(name: "reader", scopes: [.contactsReadonly], builtIn: true)
    public static let editor = Role(name: "editor", scopes: [.contactsReadonly, .contactsWrite], builtIn: true)
    public static let auditor = Role(name: "auditor", scopes: [.auditRead], builtIn: true)
    public static let admin = Role(name: "admin", scopes: Set(Scope.all), builtIn: true)
    public static let builtIns: [Role] = [.reader, .editor, .auditor, .admin]
}
