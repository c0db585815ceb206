/// How the gateway talks HTTP to HighLevel. The production client is libcurl (`CurlHTTP`); the core only sees this.
public protocol UpstreamClient: Sendable {
    /// Throws `UpstreamError` when no HTTP answer came back; any status, 5xx included, is a response.
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse
}

public struct UpstreamRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var timeout: Duration
    /// Never reuse a kept-alive connection: an HTTP client may transparently resend a request whose reused
    /// connection died, and a single-use refresh token must not be sent twice.
    public var freshConnection: Bool

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30), freshConnection: Bool = false
    ) {
        self.freshConnection = freshConnection
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}
