/// One of the gateway's own routes (admin API, OAuth callback, operations), described once: the router registers
/// it, the authentication middleware takes its scope from here, the audit trail and metrics label requests with it,
/// and the OpenAPI document lists it.
public struct GatewayRoute: Sendable, Hashable, Identifiable {
    /// The OpenAPI `operationId`.
    public let id: String
    public let method: String
    /// Hummingbird's route syntax, which is also OpenAPI's: `/admin/v1/keys/{id}`.
    public let path: String
    /// The scope a key needs; `nil` for routes that take no key, or (console pages) any signed-in key.
    public let scope: Scope?
    public let summary: String
    /// How the caller shows who they are.
    public let credential: Credential

    /// A key in a header (the admin API), the console's session cookie, or nothing.
    public enum Credential: String, Sendable, Hashable {
        case key
        case consoleSession
        case none
    }

    /// `credential` defaults to a key when the route has a scope, else none.
    public init(
        id: String, method: String, path: String, scope: Scope?, summary: String, credential: Credential? = nil
    ) {
        self.id = id
        self.method = method
        self.path = path
        self.scope = scope
        self.summary = summary
        self.credential = credential ?? (scope == nil ? .none : .key)
    }

    /// The audit record's `route`, e.g. `DELETE /admin/v1/keys/{id}`.
    public var label: String { "\(method) \(path)" }
}

extension GatewayRoute {
    public static let listKeys = Self(
        id: "list-keys", method: "GET", path: "/admin/v1/keys", scope: .keysManage, summary: "List keys (never their secrets)")
    public static let createKey = Self(
        id: "create-key", method: "POST", path: "/admin/v1/keys", scope: .keysManage,
        summary: "Create a key; its secret is shown this once")
    public static let showKey = Self(
        id: "show-key", method: "GET", path: "/admin/v1/keys/{id}", scope: .keysManage, summary: "Show a key")
    public static let updateKey = Self(
        id: "update-key", method: "PATCH", path: "/admin/v1/keys/{id}", scope: .keysManage,
        summary: "Change a key's name, role, locations, rate, burst or expiry (its secret stays)")
    public static let revokeKey = Self(
        id: "revoke-key", method: "DELETE", path: "/admin/v1/keys/{id}", scope: .keysManage, summary: "Revoke a key")
    public static let rotateKey = Self(
        id: "rotate-key", method: "POST", path: "/admin/v1/keys/{id}/rotate", scope: .keysManage,
        summary: "Rotate a key's secret, optionally keeping the old one for a grace period")
    public static let listRoles = Self(
        id: "list-roles", method: "GET", path: "/admin/v1/roles", scope: .rolesManage,
        summary: "List roles and their scopes")
    public static let createRole = Self(
        id: "create-role", method: "POST", path: "/admin/v1/roles", scope: .rolesManage, summary: "Create a role")
    public static let deleteRole = Self(
        id: "delete-role", method: "DELETE", path: "/admin/v1/roles/{name}", scope: .rolesManage,
        summary: "Delete a role that no key uses")
    public static let listConnections = Self(
        id: "list-connections", method: "GET", path: "/admin/v1/connections", scope: .connectionsManage,
        summary: "List HighLevel locations and their state (never tokens)")
    public static let addConnection = Self(
        id: "add-connection", method: "POST", path: "/admin/v1/connections", scope: .connectionsManage,
        summary: "Connect a location with a private integration token, checked with HighLevel first")
    public static let authorizeConnection = Self(
        id: "authorize-connection", method: "POST", path: "/admin/v1/connections/authorize",
        scope: .connectionsManage, summary: "Begin connecting a location: the address to open")
    public static let removeConnection = Self(
        id: "remove-connection", method: "DELETE", path: "/admin/v1/connections/{locationId}",
        scope: .connectionsManage, summary: "Remove a location's connection")
    public static let listAudit = Self(
        id: "list-audit", method: "GET", path: "/admin/v1/audit", scope: .auditRead,
        summary: "Review the audit trail, newest first")
    public static let verifyAudit = Self(
        id: "verify-audit", method: "GET", path: "/admin/v1/audit/verify", scope: .auditRead,
        summary: "Verify the audit trail's hash chain and signed checkpoints")
    public static let listSubscriptions = Self(
        id: "list-subscriptions", method: "GET", path: "/admin/v1/subscriptions", scope: .webhooksManage,
        summary: "List webhook subscriptions (never their secrets)")
    public static let createSubscription = Self(
        id: "create-subscription", method: "POST", path: "/admin/v1/subscriptions", scope: .webhooksManage,
        summary: "Subscribe a URL to HighLevel's events; the signing secret is shown this once")
    public static let deleteSubscription = Self(
        id: "delete-subscription", method: "DELETE", path: "/admin/v1/subscriptions/{id}", scope: .webhooksManage,
        summary: "Delete a subscription and its undelivered deliveries")
    public static let enableSubscription = Self(
        id: "enable-subscription", method: "POST", path: "/admin/v1/subscriptions/{id}/enable",
        scope: .webhooksManage, summary: "Enable a subscription again (a receiver's 410 disabled it)")
    public static let listDeliveries = Self(
        id: "list-deliveries", method: "GET", path: "/admin/v1/deliveries", scope: .webhooksManage,
        summary: "List deliveries, newest first")
    public static let retryDelivery = Self(
        id: "retry-delivery", method: "POST", path: "/admin/v1/deliveries/{id}/retry", scope: .webhooksManage,
        summary: "Send a dead delivery again")
    public static let oauthStart = Self(
        id: "oauth-start", method: "GET", path: "/oauth/start", scope: nil,
        summary: "Send the browser to HighLevel's consent page for a state from connections authorize-url")
    public static let oauthCallback = Self(
        id: "oauth-callback", method: "GET", path: "/oauth/callback", scope: nil,
        summary: "Finish an authorization begun by authorize-url")
    public static let highLevelWebhook = Self(
        id: "highlevel-webhook", method: "POST", path: "/webhooks/highlevel", scope: nil,
        summary: "Take one of HighLevel's events (its signature is the credential) for the subscriptions")
    public static let healthz = Self(
        id: "healthz", method: "GET", path: "/healthz", scope: nil, summary: "The process answers")
    public static let readyz = Self(
        id: "readyz", method: "GET", path: "/readyz", scope: nil, summary: "The store answers")
    public static let metrics = Self(
        id: "metrics", method: "GET", path: "/metrics", scope: nil, summary: "Prometheus metrics")
    public static let openAPI = Self(
        id: "openapi", method: "GET", path: "/openapi.json", scope: nil, summary: "This document")

    /// The probes (`/healthz`, `/readyz`, `/metrics`): counted in metrics, never in the audit trail, which a load
    /// balancer's checks every few seconds would otherwise fill.
    public static let probes: Set<GatewayRoute> = [healthz, readyz, metrics]

    /// Whether a request on the route with this label (`GET /healthz`) is a probe.
    public static func isProbe(label: String) -> Bool { probes.contains { $0.label == label } }

    /// Every route of the gateway's own, in the order the documentation lists them.
    public static let all: [GatewayRoute] = [
        listKeys, createKey, showKey, updateKey, revokeKey, rotateKey, listRoles, createRole, deleteRole,
        listConnections, addConnection, authorizeConnection, removeConnection, listAudit, verifyAudit, listSubscriptions,
        createSubscription, deleteSubscription, enableSubscription, listDeliveries, retryDelivery, oauthStart,
        oauthCallback, highLevelWebhook, healthz, readyz, metrics, openAPI,
    ] + console

    /// The route a matched request is on, by its method and Hummingbird's endpoint path.
    public static func matching(method: String, path: String) -> GatewayRoute? {
        all.first { $0.method == method && $0.path == path }
    }
}
