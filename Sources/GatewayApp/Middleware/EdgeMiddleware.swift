import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import Logging

/// The outermost layer: gives every request its id, maps every error to problem+json once, and writes the audit
/// record before the response leaves.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let audit: any AuditSink
    let clock: any WallClock
    /// Failed authentications per client; `nil` when the limit is off.
    let failedAuthentications: FailedAuthenticationGuard?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        var context = context
        let requestId = RequestIdentifier.accept(request.headers[.xRequestId]) ?? RequestIdentifier.make()
        context.requestId = requestId
        context.logger[metadataKey: "requestId"] = .string(requestId)

        var response: Response
        var ownError: GatewayError?
        do {
            response = try await next(request, context)
        } catch {
            let problem = ProblemResponse.gatewayError(for: error)
            if problem.status >= 500, !(error is GatewayError) {
                context.logger.error("unhandled error", metadata: ["requestId": "\(requestId)", "error": "\(error)"])
            }
            if problem.status == 401, let refused = refusingFailedAuthentication(context, requestId, started) {
                return refused
            }
            ownError = problem
            response = ProblemResponse.make(problem, requestId: requestId)
        }
        // The console's sign-in answers a wrong key with its form (401) rather than an error: it counts the same.
        if ownError == nil, response.status == .unauthorized,
            let refused = refusingFailedAuthentication(context, requestId, started)
        {
            return refused
        }
        context.logger.debug("answered", metadata: ["status": "\(response.status.code)"])
        response.headers[.xRequestId] = requestId

        let fields = context.note.snapshot
        let elapsed = ContinuousClock.now - started
        let path = KeyShapedText.redacting(path: request.uri.path)
        // The route that labels the record and the metrics: the proxy's operation, else the matched route's template
        // (the router's, the same text as the route table's); a request that matched nothing has none.
        let route = fields.route ?? context.matchedPath.map { "\(request.method.rawValue) \($0)" }
        let upstreamAnswered = ownError == nil && fields.upstreamStatus != nil
        let event = AuditRecord(
            time: clock.now(), requestId: requestId, method: request.method.rawValue,
            route: route ?? "\(request.method.rawValue) \(path)", path: path,
            status: response.status.code,
            // HighLevel's own 5xx passed through is an upstream error; any other answer of HighLevel's is the gateway
            // doing its job.
            outcome: upstreamAnswered
                ? ((fields.upstreamStatus ?? 0) >= 500 ? .upstreamError : .ok)
                : AuditRecord.outcome(forGatewayStatus: response.status.code),
            keyId: fields.principal?.keyId, keyName: fields.principal?.keyName, role: fields.principal?.role.name,
            locationId: fields.locationId, contactId: fields.contactId, resourceId: fields.resourceId,
            upstreamStatus: fields.upstreamStatus, upstreamAttempts: fields.upstreamAttempts,
            durationMs: Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000,
            client: context.client)
        if let route, GatewayRoute.isProbe(label: route) {
            GatewayMetrics.request(route: route, status: event.status, outcome: event.outcome, duration: elapsed)
            return response
        }
        let auditStarted = ContinuousClock.now
        do {
            try await audit.record(event)
            GatewayMetrics.auditCommit(duration: ContinuousClock.now - auditStarted, failed: false)
            GatewayMetrics.request(route: route, status: event.status, outcome: event.outcome, duration: elapsed)
        } catch {
            GatewayMetrics.auditCommit(duration: ContinuousClock.now - auditStarted, failed: true)
            GatewayMetrics.request(route: route, status: 503, outcome: "error", duration: elapsed)
            // HighLevel sends an event again only on 429; an event already committed comes back as a duplicate.
            let problem: GatewayError = route == GatewayRoute.highLevelWebhook.label
                ? .webhookNotTaken("the audit trail cannot record it")
                : .storeUnavailable("The audit trail cannot record this request, so the gateway does not answer it.")
            return ProblemResponse.make(problem, requestId: requestId)
        }
        return response
    }
}

extension EdgeMiddleware {
    /// Counts a failed authentication from the request's client; past its allowance, the 429 that answers instead.
    /// Those failures are counted into one record (FailedAuthenticationAuditor), not recorded one by one: a flood of
    /// wrong keys must not fill the disk.
    private func refusingFailedAuthentication(
        _ context: Context, _ requestId: String, _ started: ContinuousClock.Instant
    ) -> Response? {
        guard case .refuse(let seconds)? = failedAuthentications?.failure(from: context.client) else { return nil }
        let elapsed = ContinuousClock.now - started
        GatewayMetrics.request(route: FailedAuthentications.auditRoute, status: 429, outcome: "rate_limited", duration: elapsed)
        var refused = ProblemResponse.make(.tooManyFailedAuthentications(retryAfterSeconds: seconds), requestId: requestId)
        refused.headers[.xRequestId] = requestId
        return refused
    }
}

extension HTTPField.Name {
    static let xRequestId = Self("X-Request-Id")!
    static let xAPIKey = Self("X-API-Key")!
    static let xLocationId = Self("X-Location-Id")!
    static let version = Self("Version")!
}
