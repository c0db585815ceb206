import GatewayCore

/// The web console's routes (``GatewayRoute/console``) as OpenAPI, tagged `Console`: HTML for a browser with the
/// session cookie, documented so the whole surface is in one document. The conformance run leaves the tag out
/// (scripts/conformance); the Swift tests and scripts/console-browser-test drive these routes.
enum ConsoleOperations {
    static func render(_ routes: [GatewayRoute]) -> [String: OpenAPINode] {
        var paths: [String: OpenAPINode] = [:]
        for route in routes { paths[route.path, default: [:]][route.method.lowercased()] = render(route) }
        return paths
    }

    private static func html(_ description: String) -> OpenAPINode {
        ["description": .string(description), "content": ["text/html": ["schema": ["type": "string"]]]]
    }

    private static func file(_ description: String, _ types: [String]) -> OpenAPINode {
        ["description": .string(description),
         "content": .object(types.map { .init(key: $0, value: ["schema": ["type": "string"]]) })]
    }

    /// The form fields each form takes besides `csrf` (which every form of a session carries).
    private static let fields: [GatewayRoute: [String]] = [
        .consoleSignIn: ["key"], .consoleCreateKey: ["name", "role", "locations", "rate", "burst", "expiresIn"],
        .consoleRotateKey: ["grace"], .consoleCreateRole: ["name", "scopes"],
        .consoleAuthorizeConnection: ["locationId"], .consoleAddToken: ["locationId", "token"],
        .consoleCreateSubscription: ["url", "events", "locations", "enrich"],
    ]

    private static func answers(_ route: GatewayRoute) -> [String: OpenAPINode] {
        switch route {
        case .consoleStyles: return ["200": file("The style sheet", ["text/css"])]
        case .consoleScript: return ["200": file("The script", ["text/javascript"])]
        case .consoleIcon: return ["200": file("The icon", ["image/svg+xml"])]
        case .consoleAuditExport:
            return [
                "200": file("Every matching record, oldest first, as a download", ["text/csv", "application/jsonl"]),
                "400": html("No or an unknown format, or a malformed filter"),
            ]
        default: break
        }
        if route.method == "GET" {
            return [
                "200": html("The page (for /console without a session: the sign-in form)"),
                "400": html("A malformed filter or id: the form back with the problem beside its field"),
                "404": html("No such record"),
            ]
        }
        return [
            "200": html("The page again, with what the change made (a rotated key's secret, shown once)"),
            "201": html("Created: the page with what was made (a new key's or subscription's secret, shown once)"),
            "400": html("Bad input: the form back with the problem named beside the field; nothing changed"),
            "404": html("No such key, role, connection, subscription or delivery"),
            "409": html("The change conflicts with what is stored (e.g. a role in use, a retry of a delivery not dead)"),
            "413": GatewaySchemas.problem("The form is over the body limit (GATEWAY_MAX_BODY)"),
        ]
    }

    private static func render(_ route: GatewayRoute) -> OpenAPINode {
        let session = route.credential == .consoleSession
        var responses = answers(route)
        if session || route == .consoleSignIn {
            responses["303"] = [
                "description": .string(
                    "To the page that follows (sign-in: with the session cookie; without a session: to the "
                        + "sign-in form)"),
                "headers": ["Location": ["schema": ["type": "string"]]],
            ]
        }
        if route == .consoleSignIn {
            responses["400"] = html("No key in the form")
            responses["401"] = html("A wrong, revoked or expired key: the form back, and no cookie")
        }
        if session {
            responses["403"] = html(
                "The key's role lacks the page's scope, a change reaches beyond what the key holds itself, or a POST "
                    + "without the session's csrf field (nothing changed)")
        }
        responses["503"] = GatewaySchemas.problem("The store or the audit trail cannot record")
        var operation: OpenAPINode = [
            "operationId": .string(route.id), "summary": .string(route.summary), "tags": ["Console"],
            "security": session
                ? [["consoleSession": .array(route.scope.map { [.string($0.rawValue)] } ?? [])]] : [],
        ]
        if let scope = route.scope { operation["x-required-scope"] = .string(scope.rawValue) }
        operation["x-audit-route"] = .string(route.label)
        let pathNames = route.path.matches(of: /\{(\w+)\}/).map { String($0.1) }
        operation["parameters"] = .array(
            pathNames.map { ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]] }
                + [["$ref": "#/components/parameters/XRequestId"]])
        if route.method == "POST" {
            var properties: [OpenAPINode.Member] = (fields[route] ?? []).map { .init(key: $0, value: ["type": "string"]) }
            if session {
                properties.append(.init(key: "csrf", value: ["type": "string", "description": "The session's form token"]))
            }
            operation["requestBody"] = [
                "required": true,
                "content": ["application/x-www-form-urlencoded": ["schema": [
                    "type": "object", "properties": .object(properties),
                    "required": [.string(session ? "csrf" : "key")],
                ]]],
            ]
        }
        operation["responses"] = .object(responses.keys.sorted().map { .init(key: $0, value: responses[$0]!) })
        return operation
    }
}
