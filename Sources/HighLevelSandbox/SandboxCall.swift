import Foundation
import Hummingbird

/// What a handler needs from one request, gathered before the state lock is taken
/// (the body is already collected, query and path parameters already decoded).
struct SandboxCall: Sendable {
    let method: String
    let path: String
    let headers: HTTPFields
    let query: [String: String]
    let parameters: [String: String]
    let body: [UInt8]
    /// The location of the bearer token; set for Contacts API calls once authenticated.
    var locationId: String = ""

    /// Path parameter names used by the routes; `Parameters` is per-context, so they are copied out by name.
    static let parameterNames = ["contactId", "taskId", "id", "campaignId", "workflowId", "businessId", "type", "locationId"]

    func parameter(_ name: String) -> String {
        parameters[name] ?? ""
    }

    /// The JSON object body. An empty body counts as `{}` so missing required fields become 422s;
    /// anything that is not a JSON object is a 400, as from HighLevel's JSON body parser.
    func jsonObject() throws(SandboxFailure) -> [String: JSONValue] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            // The sandbox's own wording: HighLevel's parser message names the offending token.
            throw .api(400, "Unexpected token in JSON body", error: "Bad Request")
        }
        guard case .object(let object) = value else {
            throw .api(400, "Request body must be a JSON object", error: "Bad Request")
        }
        return object
    }

    /// The `locationId` a request names must be the token's own location.
    func requireOwnLocation(_ locationId: String) throws(SandboxFailure) {
        guard locationId == self.locationId else { throw .forbiddenLocation }
    }

    /// Query parameters are validated like bodies: a missing required one is a 422.
    func requiredQuery(_ name: String) throws(SandboxFailure) -> String {
        guard let value = query[name], !value.isEmpty else {
            throw .unprocessable(["\(name) should not be empty", "\(name) must be a string"])
        }
        return value
    }

    func intQuery(_ name: String, default fallback: Int, min lower: Int, max upper: Int) throws(SandboxFailure) -> Int {
        guard let raw = query[name], !raw.isEmpty else { return fallback }
        guard let value = Int(raw) else { throw .unprocessable(["\(name) must be a number conforming to the specified constraints"]) }
        if value < lower { throw .unprocessable(["\(name) must not be less than \(lower)"]) }
        if value > upper { throw .unprocessable(["\(name) must not be greater than \(upper)"]) }
        return value
    }
}
