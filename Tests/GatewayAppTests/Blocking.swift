import GatewayCore

/// Runs a blocking call (a socket read, waiting for a process) on its own thread, so that the few cooperative
/// threads (two on this machine) keep serving the in-process servers the test talks to.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingWork.run(body)
}
