import GatewaySQLite
import Logging
import ServiceLifecycle

/// Runs the store's background checkpoint every `interval` while the server runs (see ``WALCheckpointer``).
///
/// Nothing here can fail the server: SQLite's own checkpoint on commit still bounds the log, so a checkpointer that
/// cannot open or cannot checkpoint is worth a warning, not an outage. It is opened again on the next round.
struct WALCheckpointService: Service {
    let store: SQLiteStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Returning before the shutdown would stop the whole server (ServiceGroup treats it as a failure).
        await cancelWhenGracefulShutdown {
            var checkpointer: WALCheckpointer?
            var failing = false
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    if checkpointer == nil { checkpointer = try store.makeCheckpointer() }
                    try await checkpointer?.checkpoint()
                    if failing { logger.info("background WAL checkpoints work again") }
                    failing = false
                } catch {
                    checkpointer = nil
                    // Once per failing spell, not twenty times a second.
                    if !failing { logger.warning("background WAL checkpoint failed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
        }
    }
}
