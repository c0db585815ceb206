import GRDB

/// Copies the write-ahead log into the database file from a connection of its own, so that the audit writer's commits
/// rarely wait for a checkpoint.
///
/// SQLite checkpoints on the committing connection once the WAL holds 1,000 pages: that commit, and every request
/// whose record waits for it, pays for copying the pages and an fsync of the database file (p99 at four connections
/// 3.7–4.4 ms with it, 1.6–1.8 ms with it switched off, in side-by-side wrk runs). Run every few tens of
/// milliseconds, a PASSIVE checkpoint here copies nearly everything first; the writer's own checkpoint stays on as
/// the backstop that resets the log, and finds little left to do. PASSIVE never waits for readers or writers, so it
/// cannot stall anyone either.
public final class WALCheckpointer: Sendable {
    /// A separate connection: a checkpoint through the pool's writer would queue behind, and hold up, audit commits.
    private let connection: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "wal-checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// One PASSIVE checkpoint: frames in the log and frames now in the database file. Runs on GRDB's queue, off the
    /// cooperative pool, since it writes and fsyncs.
    @discardableResult
    public func checkpoint() async throws -> (walFrames: Int, checkpointed: Int) {
        try await connection.writeWithoutTransaction { db in
            let result = try db.checkpoint(.passive)
            return (result.walFrameCount, result.checkpointedFrameCount)
        }
    }
}

extension SQLiteStore {
    /// A checkpointer for this store's file, for a long-running server; short CLI commands leave it to SQLite.
    public func makeCheckpointer() throws -> WALCheckpointer {
        try WALCheckpointer(path: path)
    }
}
