import GatewayCore

/// The schemas of the gateway's own answers and bodies, and the fragments every operation shares.
enum GatewaySchemas {
    /// What a path id must look like (`PathIdentifier`); anything else is a 400 before HighLevel is asked.
    static let idPattern = "^[A-Za-z0-9_-]{1,128}$"

    /// The statuses the gateway itself may answer on every route that needs a key.
    static let keyedErrors: [(status: String, text: String)] = [
        ("400", "Malformed input the gateway must read (a path id, a JSON body, a query string)"),
        ("401", "No key, an unknown key, a revoked or expired one"),
        ("403", "The key's role lacks the route's scope, the location is not allowed to the key, or an admin change "
            + "reaches beyond what the key holds itself (a role's scopes, a key's locations)"),
        ("413", "The request body is over the limit (GATEWAY_MAX_BODY)"),
        ("429", "The key is over its rate (Retry-After, RateLimit and RateLimit-Policy headers), or the client "
            + "address made too many failed authentications (Retry-After)"),
        ("503", "The audit store cannot record the request (the gateway fails closed)"),
    ]

    static func reference(_ name: String) -> OpenAPINode { ["$ref": .string("#/components/schemas/\(name)")] }

    static func problem(_ description: String) -> OpenAPINode {
        ["description": .string(description), "content": ["application/problem+json": ["schema": reference("Problem")]]]
    }

    static func jsonBody(_ schema: OpenAPINode, _ description: String = "OK") -> OpenAPINode {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    private static let string: OpenAPINode = ["type": "string"]
    private static let integer: OpenAPINode = ["type": "integer"]
    private static let boolean: OpenAPINode = ["type": "boolean"]
    private static let strings: OpenAPINode = ["type": "array", "items": string]
    private static let date: OpenAPINode = ["type": "string", "format": "date-time"]
    private static let nullableDate: OpenAPINode = ["type": ["string", "null"], "format": "date-time"]
    private static func nullable(_ type: String) -> OpenAPINode { ["type": [.string(type), "null"]] }
    private static func list(of name: String) -> OpenAPINode { ["type": "array", "items": reference(name)] }

    /// HighLevel's shared error shapes, which its spec keeps in a separate file the gateway does not ship.
    static let highLevelCommon: [String: OpenAPINode] = [
        "BadRequestDTO": [
            "type": "object", "description": "HighLevel's 400",
            "properties": ["statusCode": ["type": "number", "examples": [400]],
                           "message": ["type": ["string", "array"], "examples": ["Bad Request"]]],
        ],
        "UnauthorizedDTO": [
            "type": "object", "description": "HighLevel's 401",
            "properties": ["statusCode": ["type": "number", "examples": [401]],
                           "message": ["type": ["string", "array"], "examples": ["Invalid token: access token is invalid"]],
                           "error": ["type": "string", "examples": ["Unauthorized"]]],
        ],
        "UnprocessableDTO": [
            "type": "object", "description": "HighLevel's 422",
            "properties": ["statusCode": ["type": "number", "examples": [422]],
                           "message": ["type": ["string", "array"]],
                           "error": ["type": "string", "examples": ["Unprocessable Entity"]]],
        ],
    ]

    /// The gateway's own schemas.
    static let own: [String: OpenAPINode] = [
        "Problem": [
            "type": "object", "description": "RFC 9457 problem details, as every error the gateway makes itself",
            "required": ["type", "title", "status", "detail", "requestId"],
            "properties": ["type": string, "title": string, "status": integer, "detail": string, "requestId": string],
        ],
        "Key": [
            "type": "object", "required": ["id", "name", "role", "createdAt", "revoked"],
            "properties": [
                "id": string, "name": string, "role": string, "locations": strings,
                "rate": ["type": "string", "examples": ["10/s"]], "burst": integer, "expiresAt": date,
                "createdAt": date, "lastUsedAt": date, "revoked": boolean, "previousKeyValidUntil": date,
            ],
        ],
        "KeyList": ["type": "object", "required": ["keys"], "properties": ["keys": list(of: "Key")]],
        "KeyCreate": [
            "type": "object", "required": ["name", "role"],
            "properties": [
                "name": string, "role": string, "locations": strings,
                "rate": ["type": "string", "examples": ["10/s", "600/min"]], "burst": integer,
                "expiresIn": ["type": "string", "examples": ["30d"]],
            ],
        ],
        "KeyUpdate": [
            "type": "object", "minProperties": 1,
            "description": .string(
                "Only the fields given change. null unsets: locations (every location), rate and burst (the "
                    + "defaults), expiresIn (no expiry). The acting key needs authority over the key as it is and as "
                    + "it would be (403 beyond-authority otherwise)."),
            "properties": [
                "name": string, "role": string, "locations": ["type": ["array", "null"], "items": string],
                "rate": ["type": ["string", "null"], "examples": ["10/s", "600/min"]],
                "burst": ["type": ["integer", "null"], "minimum": 1],
                "expiresIn": ["type": ["string", "null"], "examples": ["30d"]],
            ],
        ],
        "PrivateToken": [
            "type": "object", "required": ["locationId", "token"],
            "properties": [
                "locationId": ["type": "string", "pattern": .string(idPattern)],
                "token": ["type": "string", "description": "The private integration token (pit-…)"],
                "replace": [
                    "type": "boolean", "default": false,
                    "description": "Replace the location's existing connection (409 otherwise)",
                ],
                "verify": [
                    "type": "boolean", "default": true,
                    "description": .string(
                        "Check the token with HighLevel before storing it (one contacts.readonly call); "
                            + "false skips the check"),
                ],
            ],
        ],
        "KeyRotate": ["type": "object", "properties": ["grace": ["type": "string", "examples": ["15m"]]]],
        "KeySecret": [
            "type": "object", "description": "A key with its secret, shown only by create and rotate",
            "required": ["id", "key", "name", "role"],
            "properties": [
                "id": string, "key": string, "name": string, "role": string,
                "locations": ["type": ["array", "null"], "items": string], "rate": nullable("string"),
                "burst": nullable("integer"), "expiresAt": nullableDate,
            ],
        ],
        "Role": [
            "type": "object", "required": ["name", "scopes", "builtIn"],
            "properties": ["name": string, "scopes": list(of: "Scope"), "builtIn": boolean],
        ],
        "RoleList": ["type": "object", "required": ["roles"], "properties": ["roles": list(of: "Role")]],
        "RoleCreate": [
            "type": "object", "required": ["name", "scopes"], "properties": ["name": string, "scopes": strings],
        ],
        "Scope": ["type": "string", "enum": .array(Scope.all.map(\.rawValue).sorted().map(OpenAPINode.string))],
        "Connection": [
            "type": "object", "required": ["locationId", "kind", "status", "generation", "createdAt", "updatedAt"],
            "properties": [
                "locationId": string, "kind": string, "status": string, "statusDetail": string,
                "accessTokenExpiresAt": date, "scope": string, "companyId": string, "generation": integer,
                "createdAt": date, "updatedAt": date,
            ],
        ],
        "ConnectionList": [
            "type": "object", "required": ["connections"], "properties": ["connections": list(of: "Connection")],
        ],
        "AuthorizeStart": [
            "type": "object",
            "properties": [
                "locationId": [
                    "type": "string", "pattern": .string(idPattern),
                    "description": .string(
                        "Bind the authorization to this location: a code that grants another is refused. "
                            + "Required of a key limited to some locations."),
                ]
            ],
        ],
        "AuthorizeLink": [
            "type": "object", "required": ["authorizeUrl", "state", "expiresAt"],
            "properties": ["authorizeUrl": ["type": "string", "format": "uri"], "state": string, "expiresAt": date],
        ],
        "AuditRecord": auditRecord,
        "AuditPage": [
            "type": "object", "required": ["records"],
            "properties": ["records": list(of: "AuditRecord"), "nextCursor": nullable("string")],
        ],
        "AuditVerification": auditVerification,
        "Status": ["type": "object", "required": ["status"], "properties": ["status": string]],
        "Connected": [
            "type": "object", "required": ["locationId", "status"],
            "properties": ["locationId": string, "status": ["type": "string", "enum": ["connected"]]],
        ],
        "Subscription": [
            "type": "object",
            "required": ["id", "url", "events", "locations", "enrich", "status", "createdAt"],
            "properties": [
                "id": string, "url": string, "events": strings,
                "locations": ["type": "array", "items": string, "description": "Empty: every location"],
                "enrich": boolean, "status": ["type": "string", "enum": ["enabled", "disabled"]],
                "disabledAt": nullableDate, "disabledReason": nullable("string"),
                "createdAt": ["type": "string", "format": "date-time"],
            ],
        ],
        "SubscriptionList": [
            "type": "object", "required": ["subscriptions"], "properties": ["subscriptions": list(of: "Subscription")],
        ],
        "SubscriptionCreate": [
            "type": "object", "required": ["url", "events"],
            "properties": [
                "url": ["type": "string", "description": "http or https, no credentials, no fragment"],
                "events": ["type": "array", "items": string, "description": "HighLevel's event types, or *"],
                "locations": ["type": "array", "items": string, "description": "Omitted: every location"],
                "enrich": ["type": "boolean", "description": "Add the contact, fetched upstream, to each delivery"],
            ],
        ],
        "SubscriptionSecret": [
            "type": "object", "required": ["id", "url", "events", "locations", "enrich", "secret"],
            "properties": [
                "id": string, "url": string, "events": strings, "locations": strings, "enrich": boolean,
                "secret": ["type": "string", "description": "whsec_ and base64: the Standard Webhooks signing key, shown once"],
            ],
        ],
        "Delivery": [
            "type": "object",
            "required": ["id", "subscriptionId", "eventId", "type", "status", "attempts", "createdAt"],
            "properties": [
                "id": ["type": "string", "description": "The webhook-id header, the same on every attempt"],
                "subscriptionId": string, "eventId": string, "type": string, "locationId": nullable("string"),
                "status": ["type": "string", "enum": ["pending", "delivered", "dead"]], "attempts": ["type": "integer"],
                "lastStatus": nullable("integer"), "lastError": nullable("string"), "nextAttemptAt": nullableDate,
                "createdAt": ["type": "string", "format": "date-time"],
            ],
        ],
        "DeliveryList": [
            "type": "object", "required": ["deliveries"], "properties": ["deliveries": list(of: "Delivery")],
        ],
        "WebhookTaken": [
            "type": "object", "required": ["webhookId", "duplicate", "deliveries"],
            "properties": [
                "webhookId": string, "duplicate": ["type": "boolean"],
                "deliveries": ["type": "integer", "description": "Deliveries queued for subscriptions by this event"],
            ],
        ],
    ]

    /// The audit record's JSON, from the one description of its fields (`AuditRecord.fields`): a field a blank
    /// record already has a value for is always there; one that may be unknown is `null` then; one added later
    /// (hashed only when present) appears only with a value.
    private static var auditRecord: OpenAPINode {
        let blank = AuditRecord.blank
        var properties: [OpenAPINode.Member] = []
        var required: [OpenAPINode] = []
        for field in AuditRecord.fields {
            var schema: OpenAPINode
            switch field.kind {
            case .text: schema = ["type": "string"]
            case .integer: schema = ["type": "integer"]
            case .time: schema = ["type": "string", "format": "date-time"]
            case .duration: schema = ["type": "number"]
            }
            if field.name == "outcome" {
                schema["enum"] = .array(AuditRecord.Outcome.allCases.map { .string($0.rawValue) })
            }
            let value = field.value(of: blank)
            let known = value != .text(nil) && value != .integer(nil)
            if case .whenPresent = field.hashing {
                // Absent rather than null.
            } else if known {
                required.append(.string(field.name))
            } else if let type = schema["type"] {
                schema["type"] = [type, "null"]
            }
            if let note = auditFieldNotes[field.name] { schema["description"] = .string(note) }
            properties.append(.init(key: field.name, value: schema))
        }
        return ["type": "object", "required": .array(required), "properties": .object(properties)]
    }

    private static let auditFieldNotes = [
        "count": "Only on a record that stands for a run of requests (failed authentications from one client): how many",
        "durationMs": "Milliseconds from the request's arrival to its answer",
        "node": "The gateway that wrote the record (GATEWAY_NODE, else the host name); absent on older records",
        "upstreamAttempts": "Calls made to HighLevel for this request (0 when none was needed)",
    ]

    private static let auditVerification: OpenAPINode = [
        "type": "object",
        "description": .string(
            "The result of walking the hash chain and holding it to every signed checkpoint "
                + "(docs/audit.md, \"Signed checkpoints\")"),
        "required": ["ok", "checked", "firstFailingSeq", "reason", "lastSeq", "checkpointSeq", "checkpointsChecked",
                     "signedSeq", "failingCheckpoint"],
        "properties": [
            "ok": boolean,
            "checked": ["type": "integer", "description": "Records checked"],
            "firstFailingSeq": ["type": ["integer", "null"],
                                "description": "The first record that fails or is missing, when there is one"],
            "reason": ["type": ["string", "null"], "description": "Why it fails, naming the record or checkpoint"],
            "lastSeq": ["type": "integer", "description": "The last record checked"],
            "checkpointSeq": ["type": ["integer", "null"], "description": "The prune checkpoint: the last pruned record"],
            "checkpointsChecked": ["type": "integer", "description": "Signed checkpoints whose signature verified"],
            "signedSeq": ["type": ["integer", "null"], "description": "The highest record a signed checkpoint covers"],
            "failingCheckpoint": [
                "description": "The checkpoint that fails, or that the trail fails to match",
                "anyOf": [["type": "null"], [
                    "type": "object", "required": ["id", "file", "seq", "node", "time"],
                    "properties": [
                        "id": ["type": ["integer", "null"], "description": "Its row in the store"],
                        "file": nullable("string"), "seq": nullable("integer"), "node": nullable("string"),
                        "time": nullable("string"),
                    ],
                ]],
            ],
        ],
    ]
}
