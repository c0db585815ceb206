import CCurl

/// A libcurl easy handle plus the C memory that must outlive each transfer on it.
///
/// Owned and used exclusively by the driver thread (libcurl easy handles are not
/// thread-safe), hence deliberately not `Sendable`. Instances are recycled without
/// `curl_easy_reset`: the options that are the same for every transfer are set once, when the handle is made, and
/// every option a transfer sets is set again (or cleared) by the next one, so nothing of one request reaches the next.
/// Resetting and setting all of them again cost about 1 µs a request in the curl layer alone (bench/README.md, "the curl
/// handle's options kept"). The connection itself lives in the multi handle's shared pool either way.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Must stay alive until the handle is removed from the multi handle: libcurl does not
    /// copy CURLOPT_HTTPHEADER.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    /// Sets the options that are the same for every transfer of this client; ``configure(for:userdata:)`` sets the rest.
    init(
        configuration: CurlHTTPClient.Configuration,
        writeCallback: ccurl_write_callback,
        headerCallback: ccurl_write_callback
    ) throws(CurlError) {
        guard let raw = curl_easy_init() else {
            throw CurlError(kind: .other, message: "curl_easy_init failed", requestMayHaveReachedServer: false)
        }
        self.raw = raw
        let size = Int(CURL_ERROR_SIZE)
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        // From here a throw runs deinit, which frees both.
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        // Timeouts are otherwise implemented with SIGALRM, which is fatal in a threaded process.
        try check(ccurl_easy_setopt_long(raw, CURLOPT_NOSIGNAL, 1))
        // Whitelisting schemes is what stops file://, gopher:// etc. from being fetched on
        // behalf of a caller (SSRF); redirects are not followed, but restrict them too.
        try check(ccurl_easy_setopt_string(raw, CURLOPT_PROTOCOLS_STR, "http,https"))
        try check(ccurl_easy_setopt_string(raw, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        try check(ccurl_easy_setopt_long(raw, CURLOPT_FOLLOWLOCATION, 0))
        // A gateway must talk to the upstream it was configured with, not to whatever
        // http_proxy/https_proxy happens to be in the environment.
        try check(ccurl_easy_setopt_string(raw, CURLOPT_PROXY, ""))
        if configuration.verifyTLS {
            try check(ccurl_easy_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, 1))
            try check(ccurl_easy_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, 2))
        } else {
            try check(ccurl_easy_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, 0))
            try check(ccurl_easy_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if let userAgent = configuration.userAgent, !userAgent.utf8.contains(where: { $0 < 0x20 }) {
            try check(ccurl_easy_setopt_string(raw, CURLOPT_USERAGENT, userAgent))
        }
        // Lets curl refuse an oversized body from Content-Length alone, before reading it.
        try check(ccurl_easy_setopt_off_t(raw, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(configuration.maxResponseBytes)))
        try check(ccurl_easy_setopt_write_function(raw, CURLOPT_WRITEFUNCTION, writeCallback))
        try check(ccurl_easy_setopt_header_function(raw, CURLOPT_HEADERFUNCTION, headerCallback))
    }

    deinit {
        curl_easy_cleanup(raw)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deinitialize(count: Int(CURL_ERROR_SIZE))
        errorBuffer.deallocate()
    }

    /// Call only after the handle has been removed from the multi handle. Unhooks the finished transfer's state;
    /// the handle's options stay for the next ``configure(for:userdata:)``, which sets every one a transfer may change.
    func prepareForReuse() {
        _ = ccurl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, nil)
        _ = ccurl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, nil)
        _ = ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, nil)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
        errorBuffer[0] = 0
    }

    var errorMessage: String {
        String(cString: errorBuffer)
    }

    func getLong(_ info: CURLINFO) -> Int? {
        var value = 0
        return ccurl_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : nil
    }

    func getOffset(_ info: CURLINFO) -> Int64? {
        var value: curl_off_t = 0
        return ccurl_easy_getinfo_off_t(raw, info, &value) == CURLE_OK ? Int64(value) : nil
    }

    /// Sets every option that differs between transfers, each one on every transfer: a recycled handle keeps the
    /// options of its last use.
    func configure(for request: CurlRequest, userdata: UnsafeMutableRawPointer) throws(CurlError) {
        errorBuffer[0] = 0
        let urlCode = ccurl_easy_setopt_string(raw, CURLOPT_URL, request.url)
        guard urlCode == CURLE_OK else {
            throw CurlError(code: urlCode, errorBuffer: errorMessage, requestStarted: false)
        }
        try check(ccurl_easy_setopt_long(raw, CURLOPT_FRESH_CONNECT, request.freshConnection ? 1 : 0))
        try check(ccurl_easy_setopt_long(raw, CURLOPT_FORBID_REUSE, request.freshConnection ? 1 : 0))
        try check(ccurl_easy_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)))
        try check(ccurl_easy_setopt_long(raw, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)))
        try configureMethodAndBody(request)
        try configureHeaders(request)
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_WRITEDATA, userdata))
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_HEADERDATA, userdata))
    }

    private func configureMethodAndBody(_ request: CurlRequest) throws(CurlError) {
        // Undo whatever the handle's last transfer set: drop its copied body, forget its size, and go back to a
        // plain GET (which also clears NOBODY and UPLOAD) with no custom verb.
        try check(ccurl_easy_setopt_pointer(raw, CURLOPT_POSTFIELDS, nil))
        try check(ccurl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, -1))
        try check(ccurl_easy_setopt_long(raw, CURLOPT_HTTPGET, 1))
        try check(ccurl_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, nil))
        let method = request.method
        if method == "HEAD" {
            // Without NOBODY curl would wait for a body that a HEAD response never has.
            try check(ccurl_easy_setopt_long(raw, CURLOPT_NOBODY, 1))
            return
        }
        var body = request.body
        if body == nil, method == "POST" || method == "PUT" || method == "PATCH" {
            // Send an explicit `Content-Length: 0`; many servers answer 411 otherwise.
            body = []
        }
        if let body {
            // The size must be set before COPYPOSTFIELDS so curl copies exactly this many
            // bytes (binary-safe) instead of calling strlen.
            try check(ccurl_easy_setopt_off_t(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            if body.isEmpty {
                // A NULL pointer would make curl fall back to its default read callback (stdin).
                try check(ccurl_easy_setopt_string(raw, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                let code = body.withUnsafeBytes { bytes in
                    ccurl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
                try check(code)
            }
            // COPYPOSTFIELDS switches the request to POST; the custom verb restores the
            // caller's method while keeping the body (DELETE/GET/PUT/PATCH with a body).
            try check(ccurl_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, method))
        } else if method != "GET" {
            try check(ccurl_easy_setopt_string(raw, CURLOPT_CUSTOMREQUEST, method))
        }
    }

    private func configureHeaders(_ request: CurlRequest) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        var hasContentType = false
        func append(_ line: String) throws(CurlError) {
            guard let newList = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw CurlError(kind: .other, message: "out of memory building header list",
                                requestMayHaveReachedServer: false)
            }
            list = newList
        }
        for header in request.headers {
            let lowered = header.name.lowercased()
            switch lowered {
            case "content-length", "transfer-encoding", "expect":
                // Framing is derived from `body`; a forwarded, mismatching Content-Length or
                // Transfer-Encoding would desynchronise the upstream connection.
                continue
            case "content-type":
                hasContentType = true
            default:
                break
            }
            // "Name:" with nothing after it tells curl to *remove* the header; "Name;" is
            // curl's syntax for sending it with an empty value.
            if header.value.isEmpty {
                try append("\(header.name);")
            } else {
                try append("\(header.name): \(header.value)")
            }
        }
        // Waiting for 100-continue costs a round trip (or a 1 s stall with servers that
        // ignore it) on every body above 1 KiB.
        try append("Expect:")
        if !hasContentType {
            // Otherwise curl invents `application/x-www-form-urlencoded` for any body.
            try append("Content-Type:")
        }
        if let headerList { curl_slist_free_all(headerList) }
        headerList = list
        try check(ccurl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list))
    }

    private func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else {
            throw CurlError(code: code, errorBuffer: errorMessage, requestStarted: false)
        }
    }

    /// curl treats 0 as "no timeout", so anything non-positive becomes the smallest real timeout.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let clampedSeconds = min(seconds, Int64(Int32.max))
        let ms = clampedSeconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(ms, 1))
    }
}

@available(*, unavailable)
extension CurlEasyHandle: Sendable {}
