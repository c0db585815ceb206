import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Synchronization

/// An in-memory imitation of HighLevel's (LeadConnector) OAuth 2.0 and Contacts API v2, served by Hummingbird.
///
/// It is built from HighLevel's documentation (`highlevel-api.md`, `contacts.json`, `oauth.json`), not from any
/// client: a gateway under test should see what it would see in production, including refresh-token rotation,
/// per-location rate limits, cross-location 403s and HighLevel's odd spellings (`succeded`).
///
/// Controls are available in-process (the methods below) and over HTTP under `/_sandbox/` for tests that run
/// in another process.
public final class HighLevelSandbox: Sendable {
    let configuration: SandboxConfiguration
    let state: Mutex<SandboxState>
    let webhooks: SandboxWebhookSender

    public init(configuration: SandboxConfiguration = .init()) {
        var initial = SandboxState(limit: configuration.rateLimit)
        let now = Date()
        for location in configuration.locations {
            initial.locations[location] = true
            if configuration.seedContacts {
                SandboxSeed.seed(&initial.contacts, locationId: location, now: now)
            }
        }
        self.configuration = configuration
        self.state = Mutex(initial)
        self.webhooks = SandboxWebhookSender(
            url: configuration.webhookURL, retryDelays: configuration.webhookRetryDelays,
            timeout: configuration.webhookTimeout)
    }

    /// The Ed25519 public key the sandbox signs its webhook events with (`X-GHL-Signature`): base64 of the raw
    /// 32 bytes, a form the gateway's `webhook.public.key` (and HighLevel's SDKs) accept. A new key each start.
    public var webhookPublicKey: String { Data(webhooks.publicKey).base64EncodedString() }

    /// Where events for later changes go; `nil` stops sending. Events already queued keep their URL.
    public func setWebhookURL(_ url: String?) {
        webhooks.webhookURL = url
    }

    public var webhookURL: String? { webhooks.webhookURL }

    /// A standalone server on `host:port` (port 0 picks a free one; `onServerRunning` receives the bound port).
    ///
    /// Prefer this over ``addRoutes(to:)`` when faults with `drop` are needed: only this server has the
    /// channel handler that closes a connection without writing a response.
    public func makeApplication(
        host: String = "127.0.0.1",
        port: Int = 0,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        addRoutes(to: router)
        var logger = Logger(label: "HighLevelSandbox")
        logger.logLevel = .warning
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [DropConnectionHandler()])),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }

    /// A static Private Integration Token for `locationId` that never expires.
    /// An unknown location is registered as known and active, so tests can invent locations freely.
    public func issuePrivateIntegrationToken(locationId: String) -> String {
        state.withLock { s in
            if s.locations[locationId] == nil { s.locations[locationId] = true }
            return s.oauth.issuePrivateIntegrationToken(locationId: locationId)
        }
    }

    public func stats() -> SandboxStats {
        var stats = state.withLock { $0.stats }
        stats.webhooks = webhooks.stats
        return stats
    }

    /// An inactive location's refresh grants fail with `Location is not active` without consuming the
    /// refresh token (highlevel-api.md §2.2). API calls with existing tokens keep working: HighLevel
    /// documents no behaviour for them.
    public func setLocationActive(_ locationId: String, _ active: Bool) {
        state.withLock { $0.locations[locationId] = active }
    }

    /// Makes the location's current OAuth access tokens answer 401 from now on (PITs are unaffected).
    public func expireAccessTokens(locationId: String) {
        _ = expireAccessTokensCounting(locationId: locationId)
    }

    func expireAccessTokensCounting(locationId: String) -> Int {
        state.withLock { $0.oauth.expireAccessTokens(locationId: locationId, now: .now) }
    }

    public func addFault(_ fault: SandboxFault) {
        guard fault.times > 0 else { return }
        state.withLock { $0.faults.append(fault) }
    }

    public func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }
}
