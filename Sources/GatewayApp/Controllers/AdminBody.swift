import Foundation
import GatewayCore
import Hummingbird
import NIOCore

/// Reads the JSON body of an admin request, turning every way it can be wrong into a 400 that says which.
enum AdminBody {
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, limit: Int, emptyAs empty: T? = nil
    ) async throws -> T {
        let buffer = try await request.collectBody(limit: limit)
        let data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }), let empty { return empty }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw GatewayError.badRequest("The body needs the field '\(key.stringValue)'.")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw GatewayError.badRequest("The body's field '\(field)' has the wrong type.")
        } catch {
            throw GatewayError.badRequest("The request body is not a valid JSON object.")
        }
    }
}
