import Foundation
import GatewayCore

/// A call the gateway makes to HighLevel on its own behalf (reconciliation's searches, a delivery's contact): the
/// same location token, shaping, safe retries, 401 refresh and audit trail as a caller's request, so it never draws
/// a 429 that a caller's request would not, and a reviewer sees it. The record names the work in place of a key
/// (`keyName` in parentheses, no `keyId`).
struct OwnUpstreamCall: Sendable {
    /// What the record says made the call, e.g. `(reconciliation)`.
    let actor: String
    let tokens: TokenBroker
    let caller: UpstreamCaller
    let audit: any AuditSink
    /// HighLevel's base URL, without a trailing slash.
    let upstreamBase: String
    let timeout: Duration
    let clock: any WallClock

    /// Sends `operation` for `locationId` and returns HighLevel's answer, whatever its status. Throws the
    /// ``GatewayError`` a caller would have got when HighLevel was not asked or gave no answer (no connection, no
    /// budget before the deadline, the audit trail not writable, no answer), after recording it in the trail.
    func send(
        _ operation: UpstreamOperation, parameters: [String: String] = [:], body: [UInt8]? = nil,
        locationId: String, requestId: String
    ) async throws(GatewayError) -> UpstreamResponse {
        let started = ContinuousClock.now
        let path = operation.path.render(parameters)
        var record = AuditRecord(
            time: clock.now(), requestId: requestId, method: operation.method, route: operation.label, path: path,
            status: 0, outcome: .ok, keyName: actor, locationId: locationId, contactId: parameters["contactId"],
            resourceId: operation.resourceParameter.flatMap { parameters[$0] })
        do {
            let response = try await exchange(operation, path: path, body: body, locationId: locationId, record: &record)
            record.status = response.status
            record.upstreamStatus = response.status
            record.outcome = ((200..<300).contains(response.status) ? AuditRecord.Outcome.ok : .upstreamError).rawValue
            try await commit(record, started: started)
            return response
        } catch let problem {
            record.status = problem.status
            record.outcome = (problem.status == 429 ? AuditRecord.Outcome.rateLimited
                : record.upstreamAttempts > 0 || problem.status >= 502 ? .upstreamError : .error).rawValue
            try? await commit(record, started: started)
            throw problem
        }
    }

    private func exchange(
        _ operation: UpstreamOperation, path: String, body: [UInt8]?, locationId: String, record: inout AuditRecord
    ) async throws(GatewayError) -> UpstreamResponse {
        let deadline = ContinuousClock.now + timeout
        do {
            // Fail closed as the proxy does: nothing reaches HighLevel that the trail could not record.
            try await audit.ensureWritable()
        } catch {
            throw .storeUnavailable("The audit trail cannot record the gateway's own calls right now.")
        }
        var credential: TokenBroker.Credential
        do {
            credential = try await tokens.credential(for: locationId)
        } catch {
            throw Self.problem(error)
        }
        var request = UpstreamRequest(method: operation.method, url: upstreamBase + path, body: body, timeout: timeout)
        var refreshed = false
        while true {
            request.headers = [
                ("Authorization", "Bearer \(credential.accessToken)"), ("Version", operation.version),
                ("Accept", "application/json"),
            ]
            if body != nil { request.headers.append(("Content-Type", "application/json")) }
            let result: UpstreamCaller.Result
            do {
                result = try await caller.send(request, locationId: locationId, deadline: deadline)
            } catch let failure as UpstreamCaller.Failure {
                record.upstreamAttempts += failure.attempts
                throw failure.problem
            } catch {
                throw Self.problem(error)
            }
            record.upstreamAttempts += result.attempts
            guard result.response.status == 401, !refreshed else { return result.response }
            refreshed = true
            do {
                credential = try await tokens.credential(for: locationId, replacing: credential.accessToken)
            } catch {
                throw Self.problem(error)
            }
        }
    }

    private func commit(_ record: AuditRecord, started: ContinuousClock.Instant) async throws(GatewayError) {
        var record = record
        let elapsed = ContinuousClock.now - started
        record.durationMicros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        do {
            try await audit.record(record)
        } catch {
            throw .storeUnavailable("The audit trail did not record the gateway's own call: \(error)")
        }
    }

    private static func problem(_ error: any Error) -> GatewayError {
        if let problem = error as? GatewayError { return problem }
        if error is CancellationError { return .upstreamTimeout("The gateway is stopping.") }
        return .internalError("\(error)")
    }
}
