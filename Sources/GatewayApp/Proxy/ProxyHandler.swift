import Foundation
import GatewayCore
import Hummingbird
import NIOCore

/// Forwards one of the 32 Contacts operations: authenticate, match the route table, check the scope, read what must
/// be read, choose the location, take its token, call HighLevel, and hand its answer back as it is.
///
/// Every refusal happens before the upstream call, so bad input never costs HighLevel's rate budget.
struct ProxyHandler: Sendable {
    let routes: RouteTable
    let directory: KeyDirectory
    let keyLimits: KeyRateLimiter
    let tokens: TokenBroker
    let upstreamCaller: UpstreamCaller
    let gate: AuditGate
    /// The upstream's base URL, without a trailing slash.
    let upstreamBase: String
    let upstreamTimeout: Duration
    let maxBody: Int

    func forward(_ request: Request, context: GatewayContext) async throws -> Response {
        // GATEWAY_UPSTREAM_TIMEOUT bounds everything upstream: waiting for a slot, retries, the 401 refresh.
        let deadline = ContinuousClock.now + upstreamTimeout
        let note = context.note
        // 1. Which operation: the route table is the router. Matched first so that even a refused caller's audit
        //    record names the route template; a key is still demanded before anything else is answered.
        let method = request.method.rawValue
        let match = routes.match(method: method, rawPath: request.uri.path)
        switch match {
        case .matched(let operation, _), .invalidParameter(let operation, _, _):
            note.update { $0.route = operation.label }
        case .notFound:
            break
        }

        // 2. Who is calling.
        let principal = try await directory.authenticate(CallerKey.presented(in: request.headers))
        note.update { $0.principal = principal }

        let operation: UpstreamOperation
        let parameters: [String: String]
        switch match {
        case .notFound:
            throw GatewayError.notFound(
                "No such route: \(method) \(request.uri.path). The gateway serves HighLevel's 32 Contacts operations.")
        case .invalidParameter(_, let name, let reason):
            throw GatewayError.badRequest("The path parameter '\(name)' must be \(reason).")
        case .matched(let matched, let values):
            operation = matched
            parameters = values
        }
        // A key pasted as an id would reach HighLevel and the audit record (whose path the edge redacts).
        if let name = parameters.first(where: { KeyShapedText.isKeyShaped($0.value) })?.key {
            throw GatewayError.badRequest(
                "The path parameter '\(name)' has the shape of a local API key (\(KeyFormat.prefix)…). A key goes in "
                    + "'Authorization: Bearer <key>' or 'X-API-Key', never in the path; this request was not forwarded.")
        }
        note.update {
            $0.contactId = parameters["contactId"]
            $0.resourceId = operation.resourceParameter.flatMap { parameters[$0] }
        }

        // 3. May this key use it.
        try principal.require(operation.scope)

        // 4. What the gateway must read: the query and, for operations with one, the body.
        guard let query = QueryString(raw: request.uri.query ?? "") else {
            throw GatewayError.badRequest("The query string is malformed (bad percent-encoding or a forbidden character).")
        }
        let body = try await readBody(request, operation: operation)

        // 5. Which location.
        let resolution = try await LocationResolver(tokens: tokens).resolve(
            query: query, body: body, contentType: request.headers[.contentType], header: request.headers[.xLocationId],
            principal: principal)
        let locationId = resolution.locationId
        note.update { $0.locationId = locationId }
        guard principal.mayUse(location: locationId) else { throw GatewayError.locationNotAllowed(locationId) }

        // 6. The key's own rate: a refused request costs nothing upstream.
        try await context.rateLimit.admit(principal, with: keyLimits)

        // Fail closed: HighLevel is not called for a request the audit trail cannot record.
        try await gate.requireWritable()

        // 7. Call HighLevel with the location's token, shaped and retried where safe; after a 401, once more with a
        //    refreshed token.
        var credential = try await tokens.credential(for: locationId)
        // HighLevel needs the location where the operation reads it, also when the gateway chose it.
        var upstreamQuery = query
        var upstreamBody = body.map { Array($0.readableBytesView) }
        switch operation.locationIn {
        case .query: upstreamQuery = LocationPlacement.query(query, placing: locationId)
        case .body:
            if Self.isJSON(request.headers[.contentType]) {
                upstreamBody = LocationPlacement.body(
                    upstreamBody ?? [], placing: locationId, present: resolution.namedInBody)
            }
        case nil: break
        }
        let url = upstreamBase + operation.path.render(parameters)
            + (upstreamQuery.raw.isEmpty ? "" : "?" + upstreamQuery.raw)
        var upstreamRequest = UpstreamRequest(
            method: method, url: url, headers: [], body: upstreamBody, timeout: upstreamTimeout)
        var response: UpstreamResponse
        var attempts = 0
        var refreshed = false
        while true {
            upstreamRequest.headers = ForwardedHeaders.upstream(
                from: request.headers, token: credential.accessToken, version: operation.version, hasBody: body != nil)
            let result: UpstreamCaller.Result
            do {
                result = try await upstreamCaller.send(upstreamRequest, locationId: locationId, deadline: deadline)
            } catch let failure as UpstreamCaller.Failure {
                note.update { $0.upstreamAttempts = attempts + failure.attempts }
                throw failure.problem
            }
            response = result.response
            attempts += result.attempts
            note.update {
                $0.upstreamAttempts = attempts
                $0.upstreamStatus = response.status
            }
            guard response.status == 401, !refreshed else { break }
            refreshed = true
            credential = try await tokens.credential(for: locationId, replacing: credential.accessToken)
        }
        return ForwardedHeaders.response(from: response)
    }

    /// A body the gateway may edit: JSON, or no declared type (sent upstream as JSON).
    private static func isJSON(_ contentType: String?) -> Bool {
        contentType.map { $0.lowercased().contains("json") } ?? true
    }

    private func readBody(_ request: Request, operation: UpstreamOperation) async throws -> ByteBuffer? {
        let buffer = try await request.collectBody(limit: maxBody)
        // Operations without a body get none upstream, whatever the caller sent.
        guard operation.hasBody else { return nil }
        return buffer
    }
}
