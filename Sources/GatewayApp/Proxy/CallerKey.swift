import HTTPTypes
import Hummingbird

/// The local key a caller presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
enum CallerKey {
    /// On every request: plain byte work, no Foundation (`lowercased()` and `trimmingCharacters(in:)` went through
    /// NSString and cost more than the key check).
    static func presented(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, isBearer(parts[0]) {
                return trimmed(parts[1])
            }
            return ""
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
