import GatewayCore

/// The gateway's own routes (admin API, OAuth callback, operations) as OpenAPI: id, method, path, scope and
/// summary from the route table (`GatewayRoute`), and here only what the table does not hold: bodies, answers,
/// parameters.
enum OwnOperations {
    /// What one route takes and answers beyond the route table's facts.
    struct Shape {
        var answers: [(status: String, response: OpenAPINode)]
        var body: (schema: String, required: Bool)? = nil
        var parameters: [OpenAPINode] = []
        /// Statuses of the route's own besides those every keyed route has.
        var errors: [String] = []
        /// For routes that take no key: the statuses they may answer, instead of the keyed ones.
        var tag = "Admin"
    }

    static func render(_ routes: [GatewayRoute]) -> [String: OpenAPINode] {
        var paths: [String: OpenAPINode] = [:]
        for route in routes {
            paths[route.path, default: [:]][route.method.lowercased()] = render(route, shape(of: route))
        }
        return paths
    }

    private static func render(_ route: GatewayRoute, _ shape: Shape) -> OpenAPINode {
        var responses: [String: OpenAPINode] = [:]
        for (status, response) in shape.answers { responses[status] = response }
        var security: OpenAPINode = []
        if let scope = route.scope {
            for (status, text) in GatewaySchemas.keyedErrors { responses[status] = GatewaySchemas.problem(text) }
            security = [["bearerKey": [.string(scope.rawValue)]], ["apiKeyHeader": [.string(scope.rawValue)]]]
        }
        for status in shape.errors { responses[status] = GatewaySchemas.problem(errorTexts[status] ?? status) }
        var operation: OpenAPINode = [
            "operationId": .string(route.id), "summary": .string(route.summary), "tags": [.string(shape.tag)],
            "security": security,
        ]
        if let scope = route.scope { operation["x-required-scope"] = .string(scope.rawValue) }
        operation["x-audit-route"] = .string(route.label)
        operation["parameters"] = .array(shape.parameters + [["$ref": "#/components/parameters/XRequestId"]])
        if let body = shape.body {
            operation["requestBody"] = [
                "required": .bool(body.required),
                "content": ["application/json": ["schema": GatewaySchemas.reference(body.schema)]],
            ]
        }
        operation["responses"] = .object(responses.keys.sorted().map { .init(key: $0, value: responses[$0]!) })
        return operation
    }

    private static let errorTexts = [
        "404": "No such key, role, connection, subscription or delivery",
        "409": "The change conflicts with what is stored (e.g. a role in use, a revoked key, a connected location)",
        "502": "HighLevel could not be reached to check the token",
    ]

    private static func ok(_ schema: String, _ description: String = "OK") -> OpenAPINode {
        GatewaySchemas.jsonBody(GatewaySchemas.reference(schema), description)
    }

    private static let done: (status: String, response: OpenAPINode) = ("204", ["description": "Done"])

    private static func pathParameter(_ name: String) -> OpenAPINode {
        ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
    }

    private static func queryParameter(_ name: String, _ description: String) -> OpenAPINode {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description),
         "schema": ["type": "string"]]
    }

    private static func headerParameter(_ name: String, _ description: String) -> OpenAPINode {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description),
         "schema": ["type": "string"]]
    }

    private static let auditFilters: [OpenAPINode] = [
        queryParameter("keyId", "Only this key's records"),
        queryParameter("locationId", "Only this location's"),
        queryParameter("contactId", "Only this contact's"),
        queryParameter("route", "Only this route, e.g. GET /contacts/{contactId}"),
        queryParameter("outcome", "ok, unauthenticated, denied, rate_limited, upstream_error or error"),
        queryParameter("status", "Only this HTTP status"),
        queryParameter("since", "RFC 3339 time or a duration back, e.g. 1h"),
        queryParameter("until", "RFC 3339 time or a duration back"),
        queryParameter("limit", "At most this many records (default 100)"),
        queryParameter("cursor", "The nextCursor of the previous page"),
    ]

    /// Every route of the table has a shape here; a route added without one stops the document's generation (and
    /// so its test) with its name.
    static func shape(of route: GatewayRoute) -> Shape {
        switch route {
        case .listKeys: Shape(answers: [("200", ok("KeyList"))])
        case .createKey: Shape(answers: [("201", ok("KeySecret", "Created"))], body: ("KeyCreate", true), errors: ["404"])
        case .showKey: Shape(answers: [("200", ok("Key"))], parameters: [pathParameter("id")], errors: ["404"])
        case .updateKey:
            Shape(answers: [("200", ok("Key"))], body: ("KeyUpdate", true), parameters: [pathParameter("id")],
                  errors: ["404", "409"])
        case .revokeKey: Shape(answers: [done], parameters: [pathParameter("id")], errors: ["404"])
        case .rotateKey:
            Shape(answers: [("200", ok("KeySecret"))], body: ("KeyRotate", false), parameters: [pathParameter("id")],
                  errors: ["404"])
        case .listRoles: Shape(answers: [("200", ok("RoleList"))])
        case .createRole: Shape(answers: [("201", ok("Role", "Created"))], body: ("RoleCreate", true), errors: ["409"])
        case .deleteRole: Shape(answers: [done], parameters: [pathParameter("name")], errors: ["404", "409"])
        case .listConnections: Shape(answers: [("200", ok("ConnectionList"))])
        case .addConnection:
            Shape(answers: [("201", ok("Connection", "Created"))], body: ("PrivateToken", true), errors: ["409", "502"])
        case .authorizeConnection: Shape(answers: [("201", ok("AuthorizeLink", "Created"))], body: ("AuthorizeStart", false))
        case .removeConnection: Shape(answers: [done], parameters: [pathParameter("locationId")], errors: ["404"])
        case .listAudit: Shape(answers: [("200", ok("AuditPage"))], parameters: auditFilters)
        case .verifyAudit: Shape(answers: [("200", ok("AuditVerification"))])
        case .oauthStart:
            Shape(
                answers: [
                    ("302", ["description": "To HighLevel's consent page, with this gateway's OAuth client and redirect URL"]),
                    ("400", GatewaySchemas.problem("No valid state, or no OAuth client configured on this gateway")),
                ],
                parameters: [queryParameter("state", "The one-time state that connections authorize-url issued")],
                tag: "OAuth")
        case .listSubscriptions: Shape(answers: [("200", ok("SubscriptionList"))], tag: "Webhooks")
        case .createSubscription:
            Shape(answers: [("201", ok("SubscriptionSecret", "Created"))], body: ("SubscriptionCreate", true),
                  tag: "Webhooks")
        case .deleteSubscription:
            Shape(answers: [done], parameters: [pathParameter("id")], errors: ["404"], tag: "Webhooks")
        case .enableSubscription:
            Shape(answers: [("200", ok("Subscription"))], parameters: [pathParameter("id")], errors: ["404"],
                  tag: "Webhooks")
        case .listDeliveries:
            Shape(
                answers: [("200", ok("DeliveryList"))],
                parameters: [
                    queryParameter("subscriptionId", "Only this subscription's deliveries"),
                    queryParameter("status", "pending, delivered or dead"),
                ], errors: ["404"], tag: "Webhooks")
        case .retryDelivery:
            Shape(answers: [("200", ok("Delivery"))], parameters: [pathParameter("id")], errors: ["404", "409"],
                  tag: "Webhooks")
        case .highLevelWebhook:
            Shape(
                answers: [
                    ("200", GatewaySchemas.jsonBody(GatewaySchemas.reference("WebhookTaken"),
                        "Taken and committed (or taken before: duplicate is true and nothing is delivered again)")),
                    ("400", GatewaySchemas.problem("The body is not one of HighLevel's events")),
                    ("401", GatewaySchemas.problem("No signature, a wrong one, or a timestamp more than 5 minutes off")),
                    ("413", GatewaySchemas.problem("The body is over the limit")),
                    ("429", GatewaySchemas.problem("The event could not be stored now: HighLevel sends it again")),
                    ("503", GatewaySchemas.problem("No HighLevel webhook key is configured")),
                ],
                parameters: [
                    headerParameter("X-GHL-Signature", "Ed25519 signature of the raw body, base64"),
                    headerParameter("X-WH-Signature", "Legacy RSA-SHA256 signature, base64 (only with its key set)"),
                ],
                tag: "Webhooks")
        case .oauthCallback:
            Shape(
                answers: [
                    ("200", [
                        "description": .string(
                            "The location is connected: JSON, or for a browser (Accept: text/html) a small page that "
                                + "says so (a refusal is then a page too, with the same status)"),
                        "content": [
                            "application/json": ["schema": GatewaySchemas.reference("Connected")],
                            "text/html": ["schema": ["type": "string"]],
                        ],
                    ]),
                    ("400", GatewaySchemas.problem("An unknown, expired or used state; no code; or HighLevel's error")),
                    ("502", GatewaySchemas.problem("HighLevel's token endpoint could not be reached or refused the code")),
                    ("503", GatewaySchemas.problem("The store or audit trail cannot record")),
                    ("504", GatewaySchemas.problem("HighLevel's token endpoint did not answer in time")),
                ],
                parameters: [
                    queryParameter("code", "The authorization code"),
                    queryParameter("state", "The one-time state of the authorization"),
                    queryParameter("error", "HighLevel's error, when the user declined"),
                ],
                tag: "OAuth")
        case .healthz: Shape(answers: [("200", ok("Status"))], tag: "Operations")
        case .readyz:
            Shape(answers: [("200", ok("Status")), ("503", GatewaySchemas.problem("The store does not answer"))],
                  tag: "Operations")
        case .metrics:
            Shape(
                answers: [("200", [
                    "description": "Prometheus text exposition format",
                    "content": ["text/plain; version=0.0.4; charset=utf-8": ["schema": ["type": "string"]]],
                ])],
                tag: "Operations")
        case .openAPI:
            Shape(answers: [("200", GatewaySchemas.jsonBody(["type": "object"], "This document, as openapi/gateway.json"))],
                  tag: "Operations")
        default:
            preconditionFailure("\(route.label) has no OpenAPI shape in OwnOperations")
        }
    }
}
