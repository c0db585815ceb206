import Foundation
import GatewayCore
import NIOCore

/// Chooses the location a call acts on, in the contract's order: the query's `locationId`, the JSON body's,
/// `X-Location-Id`, the key's one allowed location, the one connection there is.
struct LocationResolver {
    let gateway: Gateway

    func resolve(
        query: QueryString, body: ByteBuffer?, contentType: String?, header: String?, principal: Principal
    ) async throws -> String {
        if let fromQuery = query.value(of: "locationId") {
            return try validated(fromQuery, source: "the query's locationId")
        }
        if let body, body.readableBytes > 0, let fromBody = try locationInBody(body, contentType: contentType) {
            return try validated(fromBody, source: "the body's locationId")
        }
        if let header, !header.isEmpty {
            return try validated(header, source: "X-Location-Id")
        }
        if let allowed = principal.locations, allowed.count == 1 {
            return allowed[0]
        }
        let connections = try await gateway.tokens.connections()
        if connections.count == 1 { return connections[0].locationId }
        if connections.isEmpty {
            throw GatewayError.noConnection(
                "No HighLevel location is connected. Connect one: `contacts-gateway connections authorize-url` "
                    + "or `connections add-token`.")
        }
        throw GatewayError.badRequest(
            "Several locations are connected: say which with a locationId in the query or body, or X-Location-Id.")
    }

    private func validated(_ value: String, source: String) throws -> String {
        guard PathIdentifier.isValid(value) else {
            throw GatewayError.badRequest("\(source) must be \(PathIdentifier.rule).")
        }
        return value
    }

    /// The body's top-level `locationId`. A body the gateway must read this way has to be JSON.
    private func locationInBody(_ body: ByteBuffer, contentType: String?) throws -> String? {
        if let contentType, !contentType.lowercased().contains("json") { return nil }
        let object: Any
        do {
            object = try body.withUnsafeReadableBytes { try JSONSerialization.jsonObject(with: Data($0), options: [.fragmentsAllowed]) }
        } catch {
            throw GatewayError.badRequest("The request body is not valid JSON.")
        }
        guard let dictionary = object as? [String: Any], let value = dictionary["locationId"] else { return nil }
        guard let text = value as? String else { throw GatewayError.badRequest("The body's locationId must be a string.") }
        return text
    }
}
