extension CurlHTTPClient {
    public struct Configuration: Sendable {
        /// Larger bodies fail the transfer with ``CurlError/responseTooLarge``.
        public var maxResponseBytes: Int
        /// `CURLMOPT_MAX_HOST_CONNECTIONS`; further transfers to the host queue inside curl
        /// (their `timeout` keeps running while queued).
        public var maxConnectionsPerHost: Int
        /// `CURLMOPT_MAX_TOTAL_CONNECTIONS`, also used as the idle pool size.
        public var maxTotalConnections: Int
        /// Only for tests against self-signed servers. Never disable in production.
        public var verifyTLS: Bool
        /// Sent when the request has no `User-Agent` header of its own; `nil` sends none.
        public var userAgent: String?

        public init(
            maxResponseBytes: Int = 10 << 20,
            maxConnectionsPerHost: Int = 64,
            maxTotalConnections: Int = 256,
            verifyTLS: Bool = true,
            userAgent: String? = nil
        ) {
            self.maxResponseBytes = maxResponseBytes
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.verifyTLS = verifyTLS
            self.userAgent = userAgent
        }
    }
}
