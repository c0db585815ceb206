import Foundation

/// An error answer, thrown by handlers and rendered by the route wrapper.
///
/// Bodies follow `common-schemas.json` (`BadRequestDTO`, `UnauthorizedDTO`, `UnprocessableDTO`) and the live
/// bodies quoted in highlevel-api.md §4.5. Contacts API errors carry a `traceId` because live HighLevel error
/// bodies do; OAuth token errors are kept exactly as documented (`statusCode` + `message` only).
struct SandboxFailure: Error {
    let status: Int
    let body: JSONValue

    /// A Contacts API error with a string `message`.
    static func api(_ status: Int, _ message: String, error: String? = nil) -> SandboxFailure {
        var body: [String: JSONValue] = [
            "statusCode": .int(status), "message": .string(message), "traceId": .string(SandboxFailure.newTraceId()),
        ]
        if let error { body["error"] = .string(error) }
        return SandboxFailure(status: status, body: .object(body))
    }

    /// `UnprocessableDTO`: the one shape whose `message` is an array (class-validator messages).
    static func unprocessable(_ messages: [String]) -> SandboxFailure {
        SandboxFailure(
            status: 422,
            body: [
                "statusCode": 422, "message": .strings(messages), "error": "Unprocessable Entity",
                "traceId": .string(SandboxFailure.newTraceId()),
            ]
        )
    }

    /// Token-endpoint errors: exactly the documented `{statusCode, message}` body.
    static func oauth(_ status: Int, _ message: String) -> SandboxFailure {
        SandboxFailure(status: status, body: ["statusCode": .int(status), "message": .string(message)])
    }

    // 404 bodies are the sandbox's own choice: HighLevel documents no NotFound shape for v2,
    // so these follow BadRequestDTO's `{statusCode, message}` with "<Thing> not found".
    static func notFound(_ what: String) -> SandboxFailure {
        .api(404, "\(what) not found")
    }

    /// Live body quoted in highlevel-api.md §4.5 (issue #213).
    static let forbiddenLocation = SandboxFailure.api(403, "The token does not have access to this location.")

    static func newTraceId() -> String {
        UUID().uuidString.lowercased()
    }
}
