/// The web console's routes (`/console`): pages and forms for a browser signed in with a key. Their scopes are the
/// admin API's for the same work; a route without one is open to any signed-in key (or, for sign-in and the style
/// sheet, to anyone).
extension GatewayRoute {
    private static func page(_ id: String, _ method: String, _ path: String, _ scope: Scope?, _ summary: String)
        -> GatewayRoute
    {
        GatewayRoute(id: id, method: method, path: path, scope: scope, summary: summary, credential: .consoleSession)
    }

    public static let consoleOverview = page(
        "console-overview", "GET", "/console", nil,
        "The console's overview (connections, upstream budget, recent traffic), or its sign-in form")
    public static let consoleSignIn = GatewayRoute(
        id: "console-sign-in", method: "POST", path: "/console/login", scope: nil,
        summary: "Sign in to the console with a key (form field key)")
    public static let consoleSignOut = page("console-sign-out", "POST", "/console/logout", nil, "Sign out")
    public static let consoleStyles = GatewayRoute(
        id: "console-styles", method: "GET", path: "/console/console.css", scope: nil, summary: "The console's styles")
    public static let consoleScript = GatewayRoute(
        id: "console-script", method: "GET", path: "/console/console.js", scope: nil,
        summary: "The console's conveniences (copy a secret, confirm a revoke)")
    public static let consoleIcon = GatewayRoute(
        id: "console-icon", method: "GET", path: "/console/icon.svg", scope: nil, summary: "The console's icon")
    public static let consoleKeys = page("console-keys", "GET", "/console/keys", .keysManage, "Keys")
    public static let consoleCreateKey = page(
        "console-create-key", "POST", "/console/keys", .keysManage, "Create a key; its secret is shown this once")
    public static let consoleRotateKey = page(
        "console-rotate-key", "POST", "/console/keys/{id}/rotate", .keysManage, "Rotate a key, with a grace period")
    public static let consoleRevokeKey = page(
        "console-revoke-key", "POST", "/console/keys/{id}/revoke", .keysManage, "Revoke a key")
    public static let consoleRoles = page("console-roles", "GET", "/console/roles", .rolesManage, "Roles")
    public static let consoleCreateRole = page(
        "console-create-role", "POST", "/console/roles", .rolesManage, "Create a role")
    public static let consoleDeleteRole = page(
        "console-delete-role", "POST", "/console/roles/{name}/delete", .rolesManage, "Delete a role")
    public static let consoleConnections = page(
        "console-connections", "GET", "/console/connections", .connectionsManage, "Connections")
    public static let consoleAuthorizeConnection = page(
        "console-authorize-connection", "POST", "/console/connections/authorize", .connectionsManage,
        "Start connecting a location through HighLevel's consent screen")
    public static let consoleAddToken = page(
        "console-add-token", "POST", "/console/connections/token", .connectionsManage,
        "Connect a location with a private integration token")
    public static let consoleRemoveConnection = page(
        "console-remove-connection", "POST", "/console/connections/{locationId}/remove", .connectionsManage,
        "Remove a location's connection")
    public static let consoleAudit = page(
        "console-audit", "GET", "/console/audit", .auditRead, "The audit trail, filtered and paged")
    public static let consoleAuditRecord = page(
        "console-audit-record", "GET", "/console/audit/records/{seq}", .auditRead, "One audit record")
    public static let consoleAuditExport = page(
        "console-audit-export", "GET", "/console/audit/export", .auditRead,
        "Every matching record as CSV or JSON lines (format=csv|jsonl)")
    public static let consoleAuditVerify = page(
        "console-audit-verify", "GET", "/console/audit/verify", .auditRead,
        "Verify the whole trail and its signed checkpoints")
    public static let consoleSubscriptions = page(
        "console-subscriptions", "GET", "/console/subscriptions", .webhooksManage,
        "Webhook subscriptions and their recent deliveries (filters subscriptionId, status)")
    public static let consoleCreateSubscription = page(
        "console-create-subscription", "POST", "/console/subscriptions", .webhooksManage,
        "Create a webhook subscription; its signing secret is shown this once")
    public static let consoleDeleteSubscription = page(
        "console-delete-subscription", "POST", "/console/subscriptions/{id}/delete", .webhooksManage,
        "Delete a webhook subscription")
    public static let consoleEnableSubscription = page(
        "console-enable-subscription", "POST", "/console/subscriptions/{id}/enable", .webhooksManage,
        "Enable a disabled webhook subscription again")
    public static let consoleRetryDelivery = page(
        "console-retry-delivery", "POST", "/console/deliveries/{id}/retry", .webhooksManage,
        "Send a dead delivery again")

    public static let console: [GatewayRoute] = [
        consoleOverview, consoleSignIn, consoleSignOut, consoleStyles, consoleScript, consoleIcon, consoleKeys, consoleCreateKey,
        consoleRotateKey, consoleRevokeKey, consoleRoles, consoleCreateRole, consoleDeleteRole, consoleConnections,
        consoleAuthorizeConnection, consoleAddToken, consoleRemoveConnection, consoleAudit, consoleAuditRecord,
        consoleAuditExport, consoleAuditVerify, consoleSubscriptions, consoleCreateSubscription,
        consoleDeleteSubscription, consoleEnableSubscription, consoleRetryDelivery,
    ]
}
