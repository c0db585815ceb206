/// An HTTP request to be executed by ``CurlHTTPClient``.
///
/// `body`, when non-nil, is sent for every method (including `GET` and `DELETE`), because
/// gateways forward whatever the client sent. `HEAD` is the exception: libcurl must be told
/// not to expect a response body, so a body on `HEAD` is ignored.
///
/// Header names must be HTTP tokens and values must not contain CR, LF or NUL; the method
/// must be a token too. Violations fail with ``CurlError/invalidRequest`` before anything is
/// sent, so header or request-line injection is impossible.
public struct CurlRequest: Sendable {
    public var method: String
    /// Absolute `http://` or `https://` URL, already percent-encoded.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Total time budget for the transfer, including connect and queueing.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Use a new connection and close it afterwards. libcurl silently sends a request again when a reused
    /// keep-alive connection dies before any answer; a request that must never be sent twice (a single-use
    /// refresh token) asks for a fresh connection, where curl never does that.
    public var freshConnection: Bool

    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        freshConnection: Bool = false
    ) {
        self.freshConnection = freshConnection
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

extension CurlRequest {
    /// Rejects anything that could let caller-supplied data escape its field on the wire.
    func validate() throws(CurlError) {
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw CurlError(kind: .invalidRequest, message: "invalid HTTP method")
        }
        // libcurl's own parser rejects most bad URLs, but an embedded NUL would silently
        // truncate the C string, so it must be caught here.
        guard !url.isEmpty, !url.utf8.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) else {
            throw CurlError(kind: .invalidURL, message: "URL contains control characters")
        }
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(Self.isTokenByte) else {
                throw CurlError(kind: .invalidRequest, message: "invalid header name")
            }
            guard !header.value.utf8.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) else {
                throw CurlError(kind: .invalidRequest, message: "invalid value for header \(header.name)")
            }
        }
    }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
