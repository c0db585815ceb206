import Foundation

/// Work that blocks its thread for long (fsyncs, waiting out another process's lock), run on a thread of its own.
///
/// Swift's cooperative pool has one thread per core, two here: a few such calls made on it hold up every task of the
/// process meanwhile. Opening a store blocks like that (migrations, the audit journal's preallocation); with many
/// opened at once (the tests), the tasks behind them waited 9 s.
public enum BlockingWork {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
