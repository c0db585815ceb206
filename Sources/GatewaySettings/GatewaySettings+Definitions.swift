import GatewayCore

extension GatewaySettings {
    /// Every setting, in the order the documentation lists them. The README's table, `deploy/gateway.env.example`,
    /// `deploy/gateway.yaml` and `serve --help` are made from this list (a test holds them to it).
    public static let definitions: [Setting] = [
        Setting("listen", \.listen, .listen, "Where to listen. Put a TLS-terminating proxy in front of it."),
        Setting("database", \.database, .database,
                "The store: an SQLite file (the embedded default), or PostgreSQL shared by several gateways."),
        Setting("upstream.url", \.upstreamURL, .httpURL, "HighLevel's API."),
        Setting("authorize.url", \.authorizeURL, .httpURL, "HighLevel's consent page, where an admin picks a location."),
        Setting("token.url", \.tokenURL, .optional(.httpURL), "HighLevel's token endpoint.",
                default: "the upstream URL + /oauth/token"),
        Setting("client.id", \.clientId, .optional(.text), "The Marketplace app's client id (for OAuth connections)."),
        Setting("client.secret", \.clientSecret, .optional(.text), "The Marketplace app's client secret.",
                secret: true),
        Setting("redirect.url", \.redirectURL, .optional(.httpURL),
                "The redirect URL registered with the app: the gateway's /oauth/callback.",
                default: "http://<listen>/oauth/callback"),
        Setting("scopes", \.scopes, .text, "The OAuth scopes asked for."),
        Setting("secret.key", \.secretKey, .optional(.secret),
                "32 random bytes, base64 or hex: encrypts upstream tokens at rest and keys the API-key hashes. "
                    + "Unset: a key file beside the SQLite database (mode 0600). With PostgreSQL it is required, the "
                    + "same on every gateway.",
                flag: false, secret: true),
        Setting("upstream.limit", \.upstreamLimit, .orOff(.rate),
                "Calls to HighLevel per location in any window (HighLevel allows 100 per 10 s)."),
        Setting("upstream.timeout", \.upstreamTimeout, .duration,
                "The most one caller's request may spend upstream, retries included."),
        Setting("audit.durability", \.auditDurability, .choice(AuditTrail.Durability.self),
                "commit: a response leaves only after its audit record is committed; async is faster and can lose "
                    + "the newest records in a crash."),
        Setting("audit.checkpoint.interval", \.auditCheckpointInterval, .duration(atLeast: .seconds(1)),
                "How often the gateway signs its audit trail's count and head hash (a checkpoint that audit verify "
                    + "holds the records to); it signs once more when it stops."),
        Setting("node", \.node, .optional(.node), "This gateway's name in the checkpoints it signs.",
                default: "the host name"),
        Setting("key.rate", \.keyRate, .rate, "The rate of keys that set none of their own."),
        Setting("key.burst", \.keyBurst, .integer(atLeast: 1), "The burst of keys that set none of their own."),
        Setting("max.body", \.maxBody, .size, "The largest request body the gateway reads (413 above it)."),
        Setting("auth.failure.limit", \.authFailureLimit, .orOff(.rate),
                "Failed authentications each client address may make before it gets 429; past it, they are counted "
                    + "into one audit record per 10 s instead of one each."),
        Setting("idle.timeout", \.idleTimeout, .duration,
                "How long a kept-alive connection may wait for its next request; keep it above the idle time of the "
                    + "proxy in front (nginx: 60 s)."),
        Setting("header.timeout", \.headerTimeout, .duration,
                "The most a request's head may take, from the connection's start or the request's first byte (then "
                    + "408, and the connection is closed)."),
        Setting("body.timeout", \.bodyTimeout, .duration,
                "The most a request's whole body may take after its head (then 408, and the connection is closed); "
                    + "raise it with max.body."),
        Setting("max.connections", \.maxConnections, .integer(atLeast: 1),
                "Connections open at once; one more is reset as soon as it is accepted."),
        Setting("webhook.public.key", \.webhookPublicKey, .optional(.webhookKey),
                "HighLevel's Ed25519 public key for X-GHL-Signature (PEM, or base64 of the raw 32 bytes); without "
                    + "it POST /webhooks/highlevel accepts nothing (503)."),
        Setting("webhook.rsa.public.key", \.webhookRSAPublicKey, .optional(.webhookRSAKey),
                "HighLevel's legacy RSA public key (PEM) for X-WH-Signature; without it that header is not accepted."),
        Setting("delivery.schedule", \.deliverySchedule, .deliverySchedule,
                "The waits between a failed delivery and its next attempt, each with ±10% jitter; after the last one "
                    + "the delivery is dead."),
        Setting("delivery.timeout", \.deliveryTimeout, .duration, "How long one delivery attempt may take."),
        Setting("reconcile.interval", \.reconcileInterval, .orOff(.duration(atLeast: .seconds(10))),
                "How often each connected location is searched for contacts changed without an event."),
        Setting("log.format", \.logFormat, .choice(LogFormat.self),
                "json: one JSON object per line on stderr; text: plain lines."),
        Setting("log.level", \.logLevel, .logLevel, "The least severe level logged."),
        Setting("sandbox", \.sandbox, .flag,
                "Run the HighLevel sandbox in-process as the upstream, with loc-sandbox connected (offline trials)."),
        Setting("sandbox.token.lifetime", \.sandboxTokenLifetime, .duration,
                "With sandbox: the access-token lifetime, e.g. 10s to watch refreshes happen."),
        Setting("sandbox.locations", \.sandboxLocations, .locations,
                "With sandbox: the locations it knows (serve --sandbox --locations a,b); the first is connected on "
                    + "start, the others through connections authorize-url, as with HighLevel."),
        Setting("config", \.configFile, .optional(.text),
                "A YAML or JSON file of these settings, named as here (upstream.url, or upstream: {url: …})."),
    ]

    public static func definition(forKey key: String) -> Setting? { definitions.first { $0.key == key } }
}
