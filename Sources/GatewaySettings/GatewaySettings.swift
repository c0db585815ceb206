import Foundation
import GatewayCore
import Logging

/// Every setting of the gateway, typed: read once (``SettingsReader``) from flags, the environment and a settings
/// file, in that order of precedence, over the defaults written here. Nothing downstream parses a setting again.
///
/// Each stored property that a user can set has one definition in ``GatewaySettings/definitions``; the default is
/// the property's initial value, and the documentation shows it rendered.
public struct GatewaySettings: Sendable, Equatable {
    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    public var database = DatabaseLocation.sqlite(path: "data/gateway.sqlite")
    public var upstreamURL = URL(string: "https://services.leadconnectorhq.com")!
    public var authorizeURL = URL(string: "https://marketplace.gohighlevel.com/v2/oauth/chooselocation")!
    /// `nil`: the upstream URL + `/oauth/token`.
    public var tokenURL: URL?
    public var clientId: String?
    public var clientSecret: String?
    /// `nil`: `http://<listen>/oauth/callback`.
    public var redirectURL: URL?
    public var scopes = "contacts.readonly contacts.write"
    /// `nil`: a key file beside the SQLite database.
    public var secretKey: GatewaySecret?
    /// Per location; `nil` is `off`.
    public var upstreamLimit: Rate? = Rate(count: 100, perSeconds: 10)
    public var upstreamTimeout: Duration = .seconds(30)
    public var auditDurability = AuditTrail.Durability.commit
    /// How often the gateway signs a checkpoint of its audit trail.
    public var auditCheckpointInterval: Duration = .seconds(60)
    /// This gateway's name in the checkpoints it signs; `nil`: the host name.
    public var node: String?
    /// The rate and burst of keys that set none.
    public var keyRate = Rate(count: 20, perSeconds: 1)
    public var keyBurst = 40
    /// The largest request body the gateway reads, in bytes.
    public var maxBody = 1 << 20
    /// Failed authentications each client address may make before 429; `nil` is `off`.
    public var authFailureLimit: Rate? = Rate(count: 30, perSeconds: 60)
    /// Between requests on a kept-alive connection: above the 60 s of nginx's upstream keep-alive, so it closes first.
    public var idleTimeout: Duration = .seconds(75)
    /// From a connection's start, or a request's first byte, to the end of its head.
    public var headerTimeout: Duration = .seconds(10)
    /// From the end of a request's head to the end of its whole body: the largest body at 35 KB/s.
    public var bodyTimeout: Duration = .seconds(30)
    public var maxConnections = 1024
    public var webhookPublicKey: String?
    public var webhookRSAPublicKey: String?
    public var deliverySchedule = DeliverySchedule.standard
    public var deliveryTimeout: Duration = .seconds(10)
    public var reconcileInterval: Duration? = .seconds(900)
    public var logFormat = LogFormat.json
    public var logLevel = Logger.Level.info
    /// `serve --sandbox`: the HighLevel sandbox in-process as the upstream.
    public var sandbox = false
    /// The sandbox's access-token lifetime under `serve --sandbox`.
    public var sandboxTokenLifetime: Duration = .seconds(86_399)
    /// The locations the sandbox knows under `serve --sandbox`; the first is connected on start.
    public var sandboxLocations = ["loc-sandbox"]
    /// The settings file these were read from, if any.
    public var configFile: String?

    /// Intervals of the gateway's background work: not settings, but tests shorten them.
    public var tuning = Tuning()

    public struct Tuning: Sendable, Equatable {
        /// How often gathered last-used times of keys are written: a request never waits for that write.
        public var lastUsedFlushInterval: Duration = .seconds(5)
        /// How often the server copies the SQLite write-ahead log into the database file off the commit path.
        public var walCheckpointInterval: Duration = .milliseconds(50)
        /// How often a server on SQLite writes the records of its audit journal into the trail's table (a record is
        /// durable once in the journal; readers in other processes see it this much later at most). Short, so that
        /// each write is small: at 50 ms, p99 at four connections was 2.7-2.8 ms against 1.9 at 10 ms (bench/README).
        public var auditIndexInterval: Duration = .milliseconds(10)
        /// The bytes a server on SQLite preallocates for its audit journal when it starts; the journal is written
        /// again from its start once half of it is in the table. Tests, which start hundreds of servers, shorten it.
        public var auditJournalSize = 16 << 20
        /// How often runs of refused failed authentications are written to the trail, one record per client.
        public var failedAuthenticationAuditInterval: Duration = .seconds(10)

        public init() {}
    }

    public init() {}

    /// The token endpoint: the setting, else the upstream URL + `/oauth/token`.
    public var resolvedTokenURL: URL { tokenURL ?? upstreamURL.appendingPathComponent("oauth/token") }

    /// The OAuth redirect URL: the setting, else the callback at the listen address.
    public var resolvedRedirectURL: URL { redirectURL ?? URL(string: "http://\(listen)/oauth/callback")! }

    public var oauth: OAuthSettings {
        OAuthSettings(
            clientId: clientId, clientSecret: clientSecret, authorizeURL: authorizeURL.absoluteString,
            tokenURL: resolvedTokenURL.absoluteString, redirectURL: resolvedRedirectURL.absoluteString, scopes: scopes)
    }

    /// HighLevel's webhook keys; nil without the Ed25519 one (the webhook route then answers 503). Both texts were
    /// checked when read.
    public var webhookKeys: HighLevelWebhookKeys? {
        guard let webhookPublicKey else { return nil }
        return try? HighLevelWebhookKeys(ed25519: webhookPublicKey, rsa: webhookRSAPublicKey)
    }

    /// The upstream's base for request paths: no trailing slash.
    public var upstreamBase: String {
        var text = upstreamURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
