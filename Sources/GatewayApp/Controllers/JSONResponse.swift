import Foundation
import Hummingbird
import NIOCore

/// JSON answers of the gateway's own routes: dates in RFC 3339 with milliseconds, keys sorted for stable output.
enum JSONResponse {
    static let encoder = GatewayJSON.encoder()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-25T02:20:40.123Z`.
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().timeZone(separator: .omitted).time(includingFractionalSeconds: true)
            .timeSeparator(.colon).dateSeparator(.dash).dateTimeSeparator(.standard))
    }
}
