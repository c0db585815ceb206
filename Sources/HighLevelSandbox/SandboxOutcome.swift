import HTTPTypes
import Hummingbird
import NIOCore

/// A handler's successful answer, turned into a `Response` by the route wrapper.
enum SandboxOutcome: Sendable {
    case json(Int, JSONValue)
    case redirect(String)
    /// A page for a person (the sandbox's location picker).
    case html(String)

    func response(extraHeaders: [(String, String)] = []) -> Response {
        switch self {
        case .html(let page):
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        case .json(let status, let body):
            return Self.jsonResponse(status, body.serialized(), extraHeaders: extraHeaders)
        case .redirect(let location):
            var headers = HTTPFields()
            headers[.location] = location
            headers[.contentLength] = "0"
            return Response(status: .found, headers: headers)
        }
    }

    static func jsonResponse(_ status: Int, _ text: String, extraHeaders: [(String, String)] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        for (name, value) in extraHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
