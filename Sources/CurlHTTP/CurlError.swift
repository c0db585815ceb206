import CCurl

/// Failure of a ``CurlHTTPClient`` transfer.
///
/// Equality compares ``kind`` only, so `error == .timeout` reads naturally; `curlCode`,
/// `message` and `requestMayHaveReachedServer` are diagnostics. `message` is libcurl's error
/// buffer text (or a short fixed description) and never contains request/response data.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Opaque so that new kinds can be added without breaking exhaustive switches.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case timeout, connectFailed, resolveFailed, connectionLost, tls, responseTooLarge,
                invalidURL, unsupportedProtocol, invalidRequest, shutdown, other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The total (``CurlRequest/timeout``) budget ran out after the request may have been sent.
        public static let timeout = Kind(.timeout)
        /// TCP connect refused/failed, or the connect/TLS phase timed out.
        public static let connectFailed = Kind(.connectFailed)
        public static let resolveFailed = Kind(.resolveFailed)
        /// The server closed or reset the connection mid-exchange, or sent nothing.
        public static let connectionLost = Kind(.connectionLost)
        public static let tls = Kind(.tls)
        /// The response body exceeded ``CurlHTTPClient/Configuration/maxResponseBytes``.
        public static let responseTooLarge = Kind(.responseTooLarge)
        public static let invalidURL = Kind(.invalidURL)
        /// Scheme other than http/https (including on redirects, which are never followed anyway).
        public static let unsupportedProtocol = Kind(.unsupportedProtocol)
        /// Method or header name is not an HTTP token, or a header value contains CR, LF or NUL.
        /// Raised before anything is sent.
        public static let invalidRequest = Kind(.invalidRequest)
        /// The client was shut down before the transfer completed.
        public static let shutdown = Kind(.shutdown)
        public static let other = Kind(.other)

        public var description: String { base.rawValue }
    }

    public var kind: Kind
    /// The `CURLcode` that caused the failure, when libcurl reported one.
    public var curlCode: Int32?
    public var message: String
    /// `false` only when the request provably never left this process: DNS failure, connect
    /// failure, timeout before the request was sent, invalid URL/request, unsupported protocol.
    /// Safe-to-retry decisions for non-idempotent methods should rely on this.
    public var requestMayHaveReachedServer: Bool

    public init(kind: Kind, curlCode: Int32? = nil, message: String = "", requestMayHaveReachedServer: Bool? = nil) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message.isEmpty ? kind.description : message
        self.requestMayHaveReachedServer = requestMayHaveReachedServer ?? Self.defaultMayHaveReachedServer(kind)
    }

    public static let timeout = CurlError(kind: .timeout)
    public static let connectFailed = CurlError(kind: .connectFailed)
    public static let resolveFailed = CurlError(kind: .resolveFailed)
    public static let connectionLost = CurlError(kind: .connectionLost)
    public static let tls = CurlError(kind: .tls)
    public static let responseTooLarge = CurlError(kind: .responseTooLarge)
    public static let invalidURL = CurlError(kind: .invalidURL)
    public static let unsupportedProtocol = CurlError(kind: .unsupportedProtocol)
    public static let invalidRequest = CurlError(kind: .invalidRequest)
    public static let shutdown = CurlError(kind: .shutdown)
    public static let other = CurlError(kind: .other)

    public static func == (lhs: CurlError, rhs: CurlError) -> Bool {
        lhs.kind == rhs.kind
    }

    public var description: String {
        var text = "CurlError(\(kind)"
        if let curlCode { text += ", curl code \(curlCode)" }
        text += "): \(message)"
        return text
    }

    private static func defaultMayHaveReachedServer(_ kind: Kind) -> Bool {
        switch kind {
        case .resolveFailed, .connectFailed, .invalidURL, .unsupportedProtocol, .invalidRequest:
            return false
        default:
            return true
        }
    }
}

extension CurlError {
    /// Maps a failed transfer's result code.
    ///
    /// - Parameter requestStarted: whether libcurl reached the pre-transfer stage (connected and,
    ///   for https, finished the handshake). A timeout before that point never sent a byte of the
    ///   request, which matters to callers deciding whether a non-idempotent request can be retried.
    init(code: CURLcode, errorBuffer: String, requestStarted: Bool) {
        let kind: Kind
        var mayHaveReached: Bool? = nil
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            if requestStarted {
                kind = .timeout
            } else {
                kind = .connectFailed
                mayHaveReached = false
            }
        case CURLE_COULDNT_CONNECT:
            kind = .connectFailed
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .resolveFailed
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_HTTP3:
            kind = .connectionLost
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_URL_MALFORMAT:
            kind = .invalidURL
        case CURLE_UNSUPPORTED_PROTOCOL:
            kind = .unsupportedProtocol
        case CURLE_FILESIZE_EXCEEDED:
            // curl refusing an oversized Content-Length before reading the body
            // (CURLOPT_MAXFILESIZE_LARGE); our write callback's abort is detected by the transfer.
            kind = .responseTooLarge
        default:
            kind = .other
        }
        let message = errorBuffer.isEmpty ? String(cString: curl_easy_strerror(code)) : errorBuffer
        self.init(kind: kind, curlCode: Int32(code.rawValue), message: message,
                  requestMayHaveReachedServer: mayHaveReached)
    }
}
