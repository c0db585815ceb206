import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird

/// RFC 9457 problem details, the one shape of every error the gateway makes.
enum ProblemResponse {
    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let requestId: String
    }

    static func make(_ error: GatewayError, requestId: String) -> Response {
        let data = encode(error, requestId: requestId)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        for (name, value) in error.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem+json body alone, for answers written below Hummingbird (a request head that came too late).
    static func encode(_ error: GatewayError, requestId: String) -> Data {
        let body = Body(type: error.type, title: error.title, status: error.status, detail: error.detail, requestId: requestId)
        return (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)
    }

    /// Hummingbird's own errors (no route, body too large, …) in the same shape.
    static func gatewayError(for error: any Error) -> GatewayError {
        if let error = error as? GatewayError { return error }
        if let error = error as? any HTTPResponseError {
            switch error.status.code {
            case 404: return .notFound("No such route.")
            case 405: return .notFound("No such route for this method.")
            case 413: return .init(status: 413, slug: "body-too-large", title: "Content Too Large",
                                   detail: "The request body is over the gateway's limit.")
            case 400..<500:
                return .init(status: error.status.code, slug: "bad-request", title: error.status.reasonPhrase,
                             detail: "The request could not be read.")
            default:
                return .internalError("The gateway failed to answer this request.")
            }
        }
        return .internalError("The gateway failed to answer this request.")
    }
}
