/// Why no HTTP answer came back from upstream.
public struct UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case timeout, unreachable, connectionLost, responseTooLarge, invalidRequest
    }

    public var kind: Kind
    /// False only when the request provably never left (no connection was made): such a request is safe to repeat.
    public var requestMayHaveReachedServer: Bool
    /// A short technical reason for logs (curl's message). Never holds headers or bodies.
    public var message: String

    public init(kind: Kind, requestMayHaveReachedServer: Bool, message: String) {
        self.kind = kind
        self.requestMayHaveReachedServer = requestMayHaveReachedServer
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    /// The problem the caller gets.
    public var gatewayError: GatewayError {
        switch kind {
        case .timeout: .upstreamTimeout("HighLevel did not answer in time.")
        case .responseTooLarge: .upstreamUnreachable("HighLevel's answer was larger than the gateway accepts.")
        case .unreachable, .connectionLost, .invalidRequest:
            .upstreamUnreachable("HighLevel could not be reached (\(kind.rawValue)).")
        }
    }
}
