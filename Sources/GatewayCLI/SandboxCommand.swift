import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import HighLevelSandbox
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox", abstract: "Run the HighLevel sandbox alone, for trials, tests and benchmarks.")

    @Option(help: "HOST:PORT to listen on.") var listen: String = "127.0.0.1:8090"
    @Option(name: .customLong("token-lifetime"), help: "Access-token lifetime, e.g. 24h or 5s.") var tokenLifetime: String = "86399s"
    @Option(name: .customLong("rate-limit"), help: "Per-location limit, e.g. 100/10s, or off.") var rateLimit: String = "100/10s"
    @Option(help: "Comma-separated known locations.") var locations: String = "loc-sandbox"
    @Option(
        name: .customLong("webhook-url"),
        help: "Where to send HighLevel's webhook events for the changes made through the sandbox, signed with its own Ed25519 key (printed at start), e.g. http://127.0.0.1:8080/webhooks/highlevel.")
    var webhookURL: String?

    func run() async throws {
        try await reportingFailures {
            guard let address = ListenAddress(listen) else {
                throw UsageError("--listen '\(listen)' must be HOST:PORT, e.g. 127.0.0.1:8090")
            }
            var configuration = SandboxConfiguration()
            guard let lifetime = DurationText.duration(tokenLifetime), lifetime >= .seconds(1) else {
                throw UsageError("--token-lifetime must be a duration of at least 1s, e.g. 24h")
            }
            configuration.tokenLifetime = lifetime
            if rateLimit == "off" {
                configuration.rateLimit = nil
            } else {
                guard let rate = Rate(rateLimit) else {
                    throw UsageError("--rate-limit must look like 100/10s, or be off")
                }
                configuration.rateLimit = .init(
                    max: rate.count, interval: .milliseconds(Int64(rate.perSeconds * 1000)), daily: 200_000)
            }
            configuration.locations = locations.split(separator: ",").map(String.init)
            if let webhookURL {
                guard let url = URL(string: webhookURL), url.scheme == "http" || url.scheme == "https",
                    url.host?.isEmpty == false
                else {
                    throw UsageError("--webhook-url '\(webhookURL)' must be an http or https URL, e.g. http://127.0.0.1:8080/webhooks/highlevel")
                }
                configuration.webhookURL = webhookURL
            }
            let sandbox = HighLevelSandbox(configuration: configuration)
            let host = address.host
            let credentials = "client id \(configuration.clientId), client secret \(configuration.clientSecret)"
            let eventsURL = configuration.webhookURL
            let app = sandbox.makeApplication(host: host, port: address.port) { port in
                if let eventsURL {
                    // Before "listening on", which scripts wait for: the key is known once they read on.
                    Output.line("Webhook events go to \(eventsURL), signed with Ed25519 public key \(sandbox.webhookPublicKey)")
                }
                Output.line("HighLevel sandbox listening on \(host):\(port) (\(credentials))")
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: Logger(label: "contacts-gateway.sandbox")))
            try await group.run()
        }
    }
}
