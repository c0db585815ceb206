import Foundation
import GatewayCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The settings of `serve`, from flags, then the environment, then defaults (see CONTRACT.md, "Settings").
public struct GatewayConfiguration: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = 8080
    public var database: String = "sqlite:data/gateway.sqlite"
    public var upstreamURL: String = "https://services.leadconnectorhq.com"
    public var authorizeURL: String = "https://marketplace.gohighlevel.com/v2/oauth/chooselocation"
    /// `nil`: the upstream URL + `/oauth/token`.
    public var tokenURL: String?
    public var clientId: String?
    public var clientSecret: String?
    /// `nil`: `http://<listen>/oauth/callback`.
    public var redirectURL: String?
    public var scopes: String = "contacts.readonly contacts.write"
    public var secretKey: String?
    public var upstreamLimit: String = "100/10s"
    public var upstreamTimeout: Duration = .seconds(30)
    public var auditDurability: String = "commit"
    /// How often the gateway signs the trail's count and head hash (`GATEWAY_AUDIT_CHECKPOINT_INTERVAL`, default 1m).
    public var auditCheckpointInterval: Duration = .seconds(60)
    /// This gateway's name in the checkpoints it signs (`GATEWAY_NODE`, default the host name).
    public var node: String = GatewayConfiguration.hostNode()
    /// The rate of keys that set none (`GATEWAY_KEY_RATE`, default `20/s`).
    public var keyRate: Rate = Rate(count: 20, perSeconds: 1)
    /// The burst of keys that set none (`GATEWAY_KEY_BURST`, default 40).
    public var keyBurst: Int = 40
    /// Failed authentications each client address may make before it gets 429 (`GATEWAY_AUTH_FAILURE_LIMIT`,
    /// default `30/min`: 30 at once, then one every 2 s); `nil` is `off`.
    public var authFailureLimit: Rate? = Rate(count: 30, perSeconds: 60)
    /// How often runs of refused failed authentications are written to the trail, one record per client.
    public var failedAuthenticationAuditInterval: Duration = .seconds(10)
    /// How often gathered last-used times of keys are written: a request never waits for that write.
    public var lastUsedFlushInterval: Duration = .seconds(5)
    /// How often the server copies the SQLite write-ahead log into the database file off the commit path.
    public var walCheckpointInterval: Duration = .milliseconds(50)
    /// The largest request body the gateway reads (`GATEWAY_MAX_BODY`, bytes; default 1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    /// How long a kept-alive connection may wait for its next request (`GATEWAY_IDLE_TIMEOUT`, default 75s): longer
    /// than the 60 s for which nginx (deploy/) and most load balancers keep an idle upstream connection, so that
    /// the proxy in front closes first and never sends a request on a connection the gateway is closing.
    public var idleTimeout: Duration = .seconds(75)
    /// How long a request's head may take to arrive (`GATEWAY_HEADER_TIMEOUT`, default 10s), from the connection's
    /// start or, on a kept-alive connection, from the request's first byte.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a request's whole body may take to arrive once its head has (`GATEWAY_BODY_TIMEOUT`, default 30s):
    /// the largest body (`GATEWAY_MAX_BODY`) at 35 KB/s. A deadline for the whole body, not for each read, so that
    /// a client sending one byte now and then cannot hold a connection.
    public var bodyTimeout: Duration = .seconds(30)
    /// The most connections open at once (`GATEWAY_MAX_CONNECTIONS`, default 1024); one more is reset as soon as it
    /// is accepted. About 25 KB each when held idle (bench/slowloris), so the default costs some 25 MB at most.
    public var maxConnections: Int = 1024
    /// `serve --sandbox`: the HighLevel sandbox in-process as the upstream.
    public var sandbox: Bool = false
    /// The sandbox's access-token lifetime under `serve --sandbox`.
    public var sandboxTokenLifetime: Duration = .seconds(86_399)

    public init() {}

    /// Reads every `GATEWAY_*` variable that is set; flags are applied on top by the caller.
    public init(environment: [String: String]) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let listen = value("GATEWAY_LISTEN") { try setListen(listen) }
        if let database = value("GATEWAY_DATABASE") { self.database = database }
        if let url = value("GATEWAY_UPSTREAM_URL") { upstreamURL = url }
        if let url = value("GATEWAY_AUTHORIZE_URL") { authorizeURL = url }
        tokenURL = value("GATEWAY_TOKEN_URL")
        clientId = value("GATEWAY_CLIENT_ID")
        clientSecret = value("GATEWAY_CLIENT_SECRET")
        redirectURL = value("GATEWAY_REDIRECT_URL")
        if let scopes = value("GATEWAY_SCOPES") { self.scopes = scopes }
        secretKey = value("GATEWAY_SECRET_KEY")
        if let limit = value("GATEWAY_UPSTREAM_LIMIT") { try setUpstreamLimit(limit) }
        if let timeout = value("GATEWAY_UPSTREAM_TIMEOUT") { try setUpstreamTimeout(timeout) }
        if let durability = value("GATEWAY_AUDIT_DURABILITY") { try setAuditDurability(durability) }
        if let interval = value("GATEWAY_AUDIT_CHECKPOINT_INTERVAL") { try setAuditCheckpointInterval(interval) }
        if let node = value("GATEWAY_NODE") { try setNode(node) }
        if let rate = value("GATEWAY_KEY_RATE") { try setKeyRate(rate) }
        if let burst = value("GATEWAY_KEY_BURST") { try setKeyBurst(burst) }
        if let limit = value("GATEWAY_AUTH_FAILURE_LIMIT") { try setAuthFailureLimit(limit) }
        if let bytes = value("GATEWAY_MAX_BODY") {
            guard let parsed = Int(bytes), parsed > 0 else { throw Invalid("GATEWAY_MAX_BODY must be a positive number of bytes") }
            maxBodyBytes = parsed
        }
        if let timeout = value("GATEWAY_IDLE_TIMEOUT") { try setIdleTimeout(timeout) }
        if let timeout = value("GATEWAY_HEADER_TIMEOUT") { try setHeaderTimeout(timeout) }
        if let timeout = value("GATEWAY_BODY_TIMEOUT") { try setBodyTimeout(timeout) }
        if let count = value("GATEWAY_MAX_CONNECTIONS") { try setMaxConnections(count) }
    }

    public mutating func setListen(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw Invalid("listen address '\(text)' must be HOST:PORT, e.g. 127.0.0.1:8080") }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        listenHost = host.isEmpty ? "0.0.0.0" : host
        listenPort = port
    }

    public mutating func setUpstreamLimit(_ text: String) throws {
        guard text == "off" || Rate(text) != nil else {
            throw Invalid("upstream limit '\(text)' must be a rate such as 100/10s, or off")
        }
        upstreamLimit = text
    }

    public mutating func setKeyRate(_ text: String) throws {
        guard let rate = Rate(text) else { throw Invalid("key rate '\(text)' must look like 20/s, 600/min or 100/10s") }
        keyRate = rate
    }

    public mutating func setAuthFailureLimit(_ text: String) throws {
        if text == "off" { return authFailureLimit = nil }
        guard let rate = Rate(text) else {
            throw Invalid("auth failure limit '\(text)' must be a rate such as 30/min, or off")
        }
        authFailureLimit = rate
    }

    public mutating func setKeyBurst(_ text: String) throws {
        guard let burst = Int(text), burst >= 1 else { throw Invalid("key burst '\(text)' must be a whole number, at least 1") }
        keyBurst = burst
    }

    public mutating func setUpstreamTimeout(_ text: String) throws {
        guard let duration = DurationText.duration(text), duration > .zero else {
            throw Invalid("upstream timeout '\(text)' must be a duration such as 30s or 2m")
        }
        upstreamTimeout = duration
    }

    public mutating func setIdleTimeout(_ text: String) throws {
        guard let duration = DurationText.duration(text), duration > .zero else {
            throw Invalid("idle timeout '\(text)' (--idle-timeout, GATEWAY_IDLE_TIMEOUT) must be a duration such as 75s or 2m")
        }
        idleTimeout = duration
    }

    public mutating func setHeaderTimeout(_ text: String) throws {
        guard let duration = DurationText.duration(text), duration > .zero else {
            throw Invalid("header timeout '\(text)' (--header-timeout, GATEWAY_HEADER_TIMEOUT) must be a duration such as 10s or 500ms")
        }
        headerTimeout = duration
    }

    public mutating func setBodyTimeout(_ text: String) throws {
        guard let duration = DurationText.duration(text), duration > .zero else {
            throw Invalid("body timeout '\(text)' (--body-timeout, GATEWAY_BODY_TIMEOUT) must be a duration such as 30s or 2m")
        }
        bodyTimeout = duration
    }

    public mutating func setMaxConnections(_ text: String) throws {
        guard let count = Int(text), count >= 1 else {
            throw Invalid("max connections '\(text)' (--max-connections, GATEWAY_MAX_CONNECTIONS) must be a whole number, at least 1")
        }
        maxConnections = count
    }

    public mutating func setAuditDurability(_ text: String) throws {
        guard text == "commit" || text == "async" else { throw Invalid("audit durability must be 'commit' or 'async'") }
        auditDurability = text
    }

    public mutating func setAuditCheckpointInterval(_ text: String) throws {
        // A floor of a second: each checkpoint is a signed row and a commit, and finer grain buys nothing.
        guard let duration = DurationText.duration(text), duration >= .seconds(1) else {
            throw Invalid("audit checkpoint interval '\(text)' must be a duration of at least 1s, such as 90s or 15m")
        }
        auditCheckpointInterval = duration
    }

    public mutating func setNode(_ text: String) throws {
        guard AuditCheckpoint.isValidNode(text) else {
            throw Invalid("node name '\(text)' must be 1 to 253 letters, digits, '.', '-' or '_' (GATEWAY_NODE, --node)")
        }
        node = text
    }

    /// The host name, as a node name: any character a node name cannot hold becomes `-`.
    static func hostNode() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "gateway" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = String(name.prefix(253).map { AuditCheckpoint.isValidNode(String($0)) ? $0 : "-" })
        return cleaned.isEmpty ? "gateway" : cleaned
    }

    /// The SQLite file named by `database`.
    public func sqlitePath() throws -> String {
        if database.hasPrefix("sqlite:") {
            var path = String(database.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw Invalid("database '\(database)' names no file") }
            return path
        }
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            throw Invalid("the PostgreSQL backend is not available in this build yet; use sqlite:PATH")
        }
        throw Invalid("database '\(database)' must be sqlite:PATH")
    }

    /// Where the secret key file lives when `GATEWAY_SECRET_KEY` is not set: beside the database.
    public func keyFilePath() throws -> String { try sqlitePath() + ".key" }

    public var listenDescription: String { "\(listenHost):\(listenPort)" }

    public func oauthSettings() -> OAuthSettings {
        OAuthSettings(
            clientId: clientId, clientSecret: clientSecret, authorizeURL: authorizeURL,
            tokenURL: tokenURL ?? upstreamURL.trimmingTrailingSlash + "/oauth/token",
            redirectURL: redirectURL ?? "http://\(listenDescription)/oauth/callback", scopes: scopes)
    }
}

extension String {
    var trimmingTrailingSlash: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
