import ArgumentParser
import Foundation

/// `gateway-bench`: the benchmark programs that bench/ scripts run, kept out of the product's command line.
@main
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-bench", abstract: "Benchmarks of ContactsGateway's parts (run by the scripts in bench/).",
        subcommands: [AuditBench.self, UpstreamBench.self, WebhookBench.self])
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a benchmark; a failure is one plain line on stderr and exit status 1.
func benchmarking(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
