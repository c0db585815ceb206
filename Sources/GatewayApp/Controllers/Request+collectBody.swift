import GatewayCore
import Hummingbird
import NIOCore

extension Request {
    /// The whole body, or 413 problem+json past `limit`: refused from `Content-Length` before anything is read, and
    /// while reading for a chunked body.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
    }
}
