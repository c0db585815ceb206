import ServiceLifecycle

/// The loop of a background service that does a piece of work every `interval` while the server runs, and once more
/// at graceful shutdown, so that nothing gathered in memory is left behind.
enum PeriodicWork {
    static func run(every interval: Duration, _ work: @escaping @Sendable () async -> Void) async {
        // Returning before the shutdown would stop the whole server (ServiceGroup treats it as a failure).
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await work()
            }
        }
        await work()
    }
}
