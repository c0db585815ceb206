import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide libcurl initialisation.
///
/// `curl_global_init` is not thread-safe and must run exactly once before any other
/// libcurl call; a `static let` gives us a lazily evaluated, `swift_once`-guarded initialiser.
enum CurlRuntime {
    private static let initResult: Int32 = {
        // CURLOPT_NOSIGNAL keeps curl from installing its own handlers, but OpenSSL can
        // still write to a socket the peer already closed; without this the process dies.
        _ = signal(SIGPIPE, SIG_IGN)
        return Int32(ccurl_global_init_all().rawValue)
    }()

    /// Returns `nil` once libcurl is usable, or the error explaining why it is not.
    static func ensureInitialized() -> CurlError? {
        let code = initResult
        guard code == CURLE_OK.rawValue else {
            return CurlError(
                kind: .other,
                curlCode: code,
                message: "curl_global_init failed",
                requestMayHaveReachedServer: false
            )
        }
        return nil
    }

    static var version: String {
        _ = ensureInitialized()
        guard let cString = curl_version() else { return "unknown" }
        return String(cString: cString)
    }
}
