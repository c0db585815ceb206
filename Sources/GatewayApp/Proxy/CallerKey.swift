import GatewayCore
import HTTPTypes
import Hummingbird

/// The local key a caller presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
enum CallerKey {
    /// On every request: plain byte work, no Foundation (`lowercased()` and `trimmingCharacters(in:)` went through
    /// NSString and cost more than the key check).
    ///
    /// An `Authorization` header that is not `Bearer <key>` is refused (401) with what is wrong with it: a bare key
    /// without its scheme is the most common mistake, and "no API key" would send the caller looking elsewhere.
    static func presented(in headers: HTTPFields) throws(GatewayError) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, isBearer(parts[0]) {
                return trimmed(parts[1])
            }
            if parts.count == 1 {
                throw .unauthenticated(
                    "The Authorization header lacks the scheme 'Bearer': send 'Authorization: Bearer <key>' "
                        + "(or 'X-API-Key: <key>').")
            }
            if parts.isEmpty { return "" }
            // The scheme is named only when it looks like one: a header is never echoed wholesale.
            let scheme = parts[0].utf8.count <= 20 && parts[0].allSatisfy({ $0.isLetter }) ? " '\(parts[0])'" : ""
            throw .unauthenticated(
                "The Authorization scheme\(scheme) is not accepted: send 'Authorization: Bearer <key>' "
                    + "(or 'X-API-Key: <key>').")
        }
        return headers[.xAPIKey]
    }

    private static func isBearer(_ scheme: Substring) -> Bool {
        let utf8 = scheme.utf8
        guard utf8.count == 6 else { return false }
        // ASCII case folding: `| 0x20` maps A-Z to a-z and leaves a-z as they are.
        return zip(utf8, "bearer".utf8).allSatisfy { ($0 | 0x20) == $1 }
    }

    private static func trimmed(_ value: Substring) -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let utf8 = value.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isBlank(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(value[start..<end])
    }
}
