import Foundation
import HTTPTypes
import Hummingbird

/// The local key a caller presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
enum CallerKey {
    static func presented(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
            return ""
        }
        return headers[.xAPIKey]
    }
}
