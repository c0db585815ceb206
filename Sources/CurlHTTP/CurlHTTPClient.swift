import CCurl

/// An HTTP/1.1 client on top of libcurl's multi interface.
///
/// One dedicated thread owns a single curl multi handle, so all blocking libcurl work stays off
/// Swift's cooperative pool, and keep-alive connections are pooled across all requests made
/// through this instance. Create one per process (or per upstream group) and reuse it.
public final class CurlHTTPClient: Sendable {
    private let driver: CurlMultiDriver

    /// Starts the driver thread.
    public init(configuration: Configuration = .init()) throws {
        if let error = CurlRuntime.ensureInitialized() {
            throw error
        }
        driver = try CurlMultiDriver(configuration: configuration)
    }

    deinit {
        driver.shutdown()
    }

    /// Executes one request. Redirects are not followed; any status is a successful response.
    ///
    /// - Throws: ``CurlError``, or `CancellationError` if the calling task is cancelled (the
    ///   transfer is then aborted and its connection discarded).
    public func execute(_ request: CurlRequest) async throws -> CurlResponse {
        try request.validate()
        return try await driver.execute(request)
    }

    /// Fails all pending and in-flight transfers with ``CurlError/shutdown`` and stops the driver
    /// thread, waiting for it to exit. Idempotent; later `execute` calls fail with `.shutdown`.
    /// Blocks briefly, so call it at process/service shutdown rather than in a hot path.
    public func shutdown() {
        driver.shutdown()
    }

    public static var libcurlVersion: String {
        CurlRuntime.version
    }
}
