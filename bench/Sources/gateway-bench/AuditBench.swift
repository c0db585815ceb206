import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import Logging

/// `gateway-bench audit`: how many records per second the trail commits under concurrent load (bench/audit runs it).
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Measure the audit trail's throughput (for bench/audit).")
    @Option(help: "The database to write, e.g. sqlite:/tmp/bench.sqlite (made when missing).") var database: String
    @Option(help: "Records to write.") var records = 100_000
    @Option(help: "Concurrent writers, each awaiting its record like a request does.") var concurrency = 256
    @Option(help: "commit or async.") var durability = "commit"
    @Option(help: "The node its records name (bench/audit runs several on one PostgreSQL database).") var node: String?

    func run() async throws {
        try await benchmarking {
            var settings = try SettingsReader(flags: ["--database", database], environment: ProcessInfo.processInfo.environment).read()
            settings.secretKey = settings.secretKey ?? GatewaySecret.generate()
            let storage = try await GatewayStorage.open(settings, creating: true, serving: true, logger: Logger(label: "bench"))
            let store = storage.repositories.audit
            guard let mode = AuditTrail.Durability(rawValue: durability) else {
                throw BenchFailure("durability must be commit or async")
            }
            let trail = AuditTrail(ledger: store, durability: mode, node: node)
            let writers = max(1, min(concurrency, records))
            let total = max(1, records)
            let startedAt = Date()
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    let share = total / writers + (writer < total % writers ? 1 : 0)
                    group.addTask {
                        for index in 0..<share {
                            try await trail.record(AuditRecord(
                                time: Date(), requestId: "bench-\(writer)-\(index)", method: "GET",
                                route: "GET /contacts/{contactId}", path: "/contacts/c-\(index)", status: 200, outcome: .ok,
                                keyId: "key-\(writer % 8)", keyName: "bench", role: "reader", locationId: "loc-bench",
                                contactId: "c-\(index)", upstreamStatus: 200, upstreamAttempts: 1, durationMs: 1.25,
                                client: "127.0.0.1"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            await trail.flush()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let verifyStarted = ContinuousClock.now
            let verification = try await store.verifyAudit(key: storage.checkpointSigner.publicKey)
            let verifySeconds = ContinuousClock.now - verifyStarted
            let rate = Double(total) / seconds
            // The wall-clock span too, so that bench/audit can rate several processes writing at once over their union.
            print("durability=\(mode.rawValue) records=\(total) writers=\(writers) seconds=\(String(format: "%.2f", seconds)) records_per_second=\(Int(rate)) from=\(String(format: "%.3f", startedAt.timeIntervalSince1970)) to=\(String(format: "%.3f", startedAt.timeIntervalSince1970 + seconds))")
            print("verify: ok=\(verification.ok) checked=\(verification.checked) in \(verifySeconds)")
        }
    }
}
