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
            var failures = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    if checkpointer == nil { checkpointer = try store.makeCheckpointer() }
                    try await checkpointer?.checkpoint()
                    if failures >= Self.failuresBeforeWarning { logger.info("background WAL checkpoints work again") }
                    failures = 0
                } catch {
                    checkpointer = nil
                    failures += 1
                    // A single failed round is routine: another gateway or a CLI command on the same file may be
                    // checkpointing at that moment (SQLITE_BUSY). Failing for a second on end is worth one warning.
                    if failures == Self.failuresBeforeWarning {
                        logger.warning("background WAL checkpoint failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }

    static let failuresBeforeWarning = 20
}
