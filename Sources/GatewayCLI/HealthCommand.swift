import ArgumentParser
import CurlHTTP
import Foundation
import GatewayCore
import GatewaySettings

/// `health`: whether a running gateway is ready, for container health checks (`HEALTHCHECK CMD contacts-gateway
/// health`): the image needs no curl and no shell, and the probe asks what the gateway itself calls ready.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Exit 0 when the gateway at --url answers /readyz (its store answers); for container health checks.")

    @Option(help: "The gateway's address (default: http:// and the listen address, GATEWAY_LISTEN or the settings file).")
    var url: String?
    @Option(help: "A YAML or JSON settings file (default: GATEWAY_CONFIG).") var config: String?
    @Option(help: "How long to wait for the answer, e.g. 5s.") var timeout: String = "5s"
    @Option(help: "table or json.") var output: CommonOptions.Output = .table

    func run() async throws {
        try await reportingFailures {
            guard let wait = DurationText.duration(timeout), wait > .zero else {
                throw UsageError("--timeout '\(timeout)' is not a duration such as 5s")
            }
            let base = try url ?? defaultURL()
            guard let parsed = URL(string: base), parsed.scheme == "http" || parsed.scheme == "https" else {
                throw UsageError("--url '\(base)' is not an http or https URL")
            }
            var address = base
            while address.hasSuffix("/") { address.removeLast() }
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let response: CurlResponse
            do {
                response = try await client.execute(
                    CurlRequest(method: "GET", url: address + "/readyz", timeout: wait, connectTimeout: wait))
            } catch {
                throw UsageError("the gateway at \(address) does not answer: \(error)")
            }
            guard response.status == 200 else {
                throw UsageError("the gateway at \(address) is not ready: /readyz answered \(response.status)")
            }
            switch output {
            case .json: try Output.json(["status": "ready", "url": address])
            case .table: Output.line("ready: \(address)")
            }
        }
    }

    /// The listen address `serve` would use, read the same way; a wildcard host is probed on loopback.
    private func defaultURL() throws -> String {
        var flags: [String] = []
        if let config { flags += ["--config", config] }
        let listen = try SettingsReader(flags: flags, environment: ProcessInfo.processInfo.environment).read().listen
        let host = ["0.0.0.0", "::", "[::]", ""].contains(listen.host) ? "127.0.0.1" : listen.host
        return "http://\(host):\(listen.port)"
    }
}
