import Foundation
import GatewayCore
import Logging
import ServiceLifecycle

/// Writes gathered last-used times every `interval`, and once more when the server shuts down gracefully.
struct KeyUsageFlusher: Service {
    let usage: KeyUsageRecorder
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await PeriodicWork.run(every: interval) { await flush() }
    }

    private func flush() async {
        do {
            try await usage.flush()
        } catch {
            // Kept in memory for the next try; a last-used time is never worth failing a request.
            logger.warning("cannot record key last-used times", metadata: ["error": "\(error)"])
        }
    }
}
