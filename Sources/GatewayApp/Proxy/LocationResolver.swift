import Foundation
import GatewayCore
import NIOCore

/// Chooses the location a call acts on, in the contract's order: the query's `locationId`, the JSON body's,
/// `X-Location-Id`, the key's one allowed location, the one connection there is.
///
/// Every place that names a location must name the same one (and the query at most once): the gateway checks the
/// key against the location it resolves, so a request that says A to the gateway and B to HighLevel is refused
/// before it could be forwarded. HighLevel's token is bound to one location today, which is what stopped such
/// requests so far; the gateway does not rely on it.
struct LocationResolver {
    let tokens: TokenBroker

    /// The location, and whether the JSON body named it itself.
    struct Resolution: Equatable {
        var locationId: String
        var namedInBody: Bool
    }

    func resolve(
        query: QueryString, body: ByteBuffer?, contentType: String?, header: String?, principal: Principal
    ) async throws -> Resolution {
        let locationId = try await choose(
            query: query, body: body, contentType: contentType, header: header, principal: principal)
        return Resolution(locationId: locationId.value, namedInBody: locationId.inBody)
    }

    private func choose(
        query: QueryString, body: ByteBuffer?, contentType: String?, header: String?, principal: Principal
    ) async throws -> (value: String, inBody: Bool) {
        let inQuery = query.values(of: "locationId")
        guard inQuery.count <= 1 else {
            throw GatewayError.badRequest("The query names locationId \(inQuery.count) times; name it once.")
        }
        var named: [(source: String, value: String)] = []
        if let fromQuery = inQuery.first { named.append(("the query's locationId", fromQuery)) }
        var inBody = false
        if let body, body.readableBytes > 0, let fromBody = try locationInBody(body, contentType: contentType) {
            named.append(("the body's locationId", fromBody))
            inBody = true
        }
        if let header, !header.isEmpty { named.append(("X-Location-Id", header)) }
        for (source, value) in named where !PathIdentifier.isValid(value) {
            throw GatewayError.badRequest("\(source) must be \(PathIdentifier.rule).")
        }
        if let first = named.first {
            if let other = named.first(where: { $0.value != first.value }) {
                throw GatewayError.badRequest(
                    "The request names two locations: \(first.source) is '\(first.value)' but \(other.source) is "
                        + "'\(other.value)'. Name one location.")
            }
            return (first.value, inBody)
        }
        if let allowed = principal.locations, allowed.count == 1 {
            return (allowed[0], false)
        }
        let connections = try await tokens.connections()
        if connections.count == 1 { return (connections[0].locationId, false) }
        if connections.isEmpty {
            throw GatewayError.noConnection(
                "No HighLevel location is connected. Connect one: `contacts-gateway connections authorize-url` "
                    + "or `connections add-token`.")
        }
        throw GatewayError.badRequest(
            "Several locations are connected: say which with a locationId in the query or body, or X-Location-Id.")
    }

    /// The body's top-level `locationId`. A body the gateway must read this way has to be JSON, without duplicate
    /// keys (see `RoutedJSONBody`).
    private func locationInBody(_ body: ByteBuffer, contentType: String?) throws -> String? {
        if let contentType, !contentType.lowercased().contains("json") { return nil }
        do {
            return try body.withUnsafeReadableBytes { bytes throws(RoutedJSONBody.Failure) in
                try RoutedJSONBody(bytes).locationId
            }
        } catch .malformed {
            throw GatewayError.badRequest("The request body is not valid JSON.")
        } catch .duplicateKey(let key, let path) {
            throw GatewayError.badRequest(
                "The request body repeats the key '\(key)' in \(path == "$" ? "its top-level object" : path): "
                    + "parsers differ on which one counts, so the gateway does not forward it.")
        } catch .locationIdNotString {
            throw GatewayError.badRequest("The body's locationId must be a string.")
        }
    }
}
