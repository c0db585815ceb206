import Foundation
import Synchronization
import HTTPTypes
import Hummingbird

/// Route table and the request pipeline shared by every route:
/// fault → (Contacts API only) auth → rate limit → `Version` header → handler.
extension HighLevelSandbox {
    enum RouteKind: Sendable {
        case oauth
        case api
        case control
    }

    typealias Handler = @Sendable (SandboxCall) throws -> SandboxOutcome

    /// Registers the OAuth endpoints, the 32 Contacts operations and the `/_sandbox/` controls on `router`.
    /// Routes only: a `drop` fault needs the channel handler installed by ``makeApplication(host:port:onServerRunning:)``;
    /// on another server it degrades to an empty 502 carrying an `x-highlevel-sandbox-drop` header.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        func on(_ method: HTTPRequest.Method, _ path: String, _ kind: RouteKind, _ handler: @escaping Handler) {
            router.on(RouterPath(path), method: method) { request, context in
                await self.serve(request, parameters: context.parameters, kind: kind, handler: handler)
            }
        }

        // OAuth 2.0 (highlevel-api.md §2). The authorize page exists at both the current and the pre-2026 path.
        on(.get, "/v2/oauth/chooselocation", .oauth) { try self.authorize($0) }
        on(.get, "/oauth/chooselocation", .oauth) { try self.authorize($0) }
        on(.post, "/oauth/token", .oauth) { try self.token($0) }

        // Contacts (contacts.json; numbering as in highlevel-api.md §3).
        on(.post, "/contacts/search", .api) { try self.searchContacts($0) }  // 1
        on(.get, "/contacts/search/duplicate", .api) { try self.duplicateContact($0) }  // 2
        on(.get, "/contacts/:contactId", .api) { try self.getContact($0) }  // 3
        on(.post, "/contacts/", .api) { try self.createContact($0) }  // 4
        on(.put, "/contacts/:contactId", .api) { try self.updateContact($0) }  // 5
        on(.delete, "/contacts/:contactId", .api) { try self.deleteContact($0) }  // 6
        on(.post, "/contacts/upsert", .api) { try self.upsertContact($0) }  // 7
        on(.get, "/contacts/", .api) { try self.listContactsDeprecated($0) }  // 8
        on(.get, "/contacts/business/:businessId", .api) { try self.contactsByBusiness($0) }  // 9
        on(.get, "/contacts/:contactId/tasks", .api) { try self.listTasks($0) }  // 10
        on(.post, "/contacts/:contactId/tasks", .api) { try self.createTask($0) }  // 11
        on(.get, "/contacts/:contactId/tasks/:taskId", .api) { try self.getTask($0) }  // 12
        on(.put, "/contacts/:contactId/tasks/:taskId", .api) { try self.updateTask($0) }  // 13
        on(.delete, "/contacts/:contactId/tasks/:taskId", .api) { try self.deleteTask($0) }  // 14
        on(.put, "/contacts/:contactId/tasks/:taskId/completed", .api) { try self.completeTask($0) }  // 15
        on(.get, "/contacts/:contactId/notes", .api) { try self.listNotes($0) }  // 16
        on(.post, "/contacts/:contactId/notes", .api) { try self.createNote($0) }  // 17
        on(.get, "/contacts/:contactId/notes/:id", .api) { try self.getNote($0) }  // 18
        on(.put, "/contacts/:contactId/notes/:id", .api) { try self.updateNote($0) }  // 19
        on(.delete, "/contacts/:contactId/notes/:id", .api) { try self.deleteNote($0) }  // 20
        on(.post, "/contacts/:contactId/tags", .api) { try self.addTags($0) }  // 21
        on(.delete, "/contacts/:contactId/tags", .api) { try self.removeTags($0) }  // 22
        on(.get, "/contacts/:contactId/appointments", .api) { try self.appointments($0) }  // 23
        on(.post, "/contacts/:contactId/followers", .api) { try self.addFollowers($0) }  // 24
        on(.delete, "/contacts/:contactId/followers", .api) { try self.removeFollowers($0) }  // 25
        on(.post, "/contacts/:contactId/campaigns/:campaignId", .api) { try self.addToCampaign($0) }  // 26
        on(.delete, "/contacts/:contactId/campaigns/:campaignId", .api) { try self.removeFromCampaign($0) }  // 27
        on(.delete, "/contacts/:contactId/campaigns/removeAll", .api) { try self.removeFromAllCampaigns($0) }  // 28
        on(.post, "/contacts/:contactId/workflow/:workflowId", .api) { try self.addToWorkflow($0) }  // 29
        on(.delete, "/contacts/:contactId/workflow/:workflowId", .api) { try self.removeFromWorkflow($0) }  // 30
        on(.post, "/contacts/bulk/tags/update/:type", .api) { try self.bulkTags($0) }  // 31
        on(.post, "/contacts/bulk/business", .api) { try self.bulkBusiness($0) }  // 32

        // Sandbox controls, for tests in other processes.
        on(.get, "/_sandbox/stats", .control) { try self.controlStats($0) }
        on(.post, "/_sandbox/faults", .control) { try self.controlAddFault($0) }
        on(.delete, "/_sandbox/faults", .control) { try self.controlClearFaults($0) }
        on(.post, "/_sandbox/private-tokens", .control) { try self.controlPrivateToken($0) }
        on(.post, "/_sandbox/locations/:locationId/active", .control) { try self.controlLocationActive($0) }
        on(.post, "/_sandbox/locations/:locationId/expire-tokens", .control) { try self.controlExpireTokens($0) }
        on(.get, "/_sandbox/webhook-public-key", .control) { try self.controlWebhookPublicKey($0) }
    }

    /// Largest request body read; bigger ones are answered 413.
    static let maxBodySize = 4 * 1024 * 1024

    func serve(_ request: Request, parameters: Parameters, kind: RouteKind, handler: Handler) async -> Response {
        let method = request.method.rawValue
        let path = request.uri.path

        if kind != .control, let fault = state.withLock({ $0.takeFault(method: method, path: path) }) {
            if let delay = fault.delayMilliseconds, delay > 0 {
                try? await Task.sleep(for: .milliseconds(delay))
            }
            if fault.drop == true {
                return Response(status: .badGateway, headers: [DropConnectionHandler.marker: "1"])
            }
            if let status = fault.status {
                return Self.faultResponse(fault, status: status)
            }
        }

        var request = request
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: Self.maxBodySize).readableBytesView)
        } catch {
            return SandboxFailure.api(413, "Payload Too Large", error: "Payload Too Large").outcome.response()
        }

        var pathParameters: [String: String] = [:]
        for name in SandboxCall.parameterNames {
            if let value = parameters.get(name) { pathParameters[name] = value.removingPercentEncoding ?? value }
        }
        let call = SandboxCall(
            method: method,
            path: path,
            headers: request.headers,
            query: FormEncoding.parse(request.uri.query ?? ""),
            parameters: pathParameters,
            body: body
        )

        switch kind {
        case .api:
            return serveAPI(call, handler: handler)
        case .oauth, .control:
            return Self.run(handler, call).response()
        }
    }

    private static func run(_ handler: Handler, _ call: SandboxCall) -> SandboxOutcome {
        do {
            return try handler(call)
        } catch let failure as SandboxFailure {
            return failure.outcome
        } catch {
            return SandboxFailure.api(500, "Internal Server Error", error: "Internal Server Error").outcome
        }
    }

    private enum Gate {
        case admitted(locationId: String, headers: [(String, String)])
        case rejected(SandboxFailure, headers: [(String, String)])
    }

    /// The Contacts API gate. 401 rule (one rule, applied everywhere): a missing or non-Bearer
    /// `Authorization` header, or a token the sandbox never issued, gets the live body
    /// `{"statusCode":401,"message":"Invalid JWT"}` (issue #213); a token the sandbox issued that has since
    /// expired gets `UnauthorizedDTO` (`Invalid token: access token is invalid`, `error: Unauthorized`).
    /// Rate limiting follows authentication because the budget is per token's location.
    private func serveAPI(_ call: SandboxCall, handler: Handler) -> Response {
        let token = Self.bearerToken(call.headers)
        let now = ContinuousClock.now
        let wallClock = Date()
        let gate: Gate = state.withLock { s in
            s.stats.apiRequests += 1
            let locationId: String
            switch token.map({ s.oauth.authenticate($0, now: now) }) ?? .unknown {
            case .unknown:
                return .rejected(.api(401, "Invalid JWT"), headers: [])
            case .expired:
                return .rejected(.api(401, "Invalid token: access token is invalid", error: "Unauthorized"), headers: [])
            case .valid(let location):
                locationId = location
            }
            let decision = s.limiter.admit(locationId: locationId, now: now, wallClock: wallClock)
            guard decision.allowed else {
                s.stats.rateLimited += 1
                // Body as the brief specifies; HighLevel documents neither a body nor Retry-After.
                return .rejected(.api(429, "Too Many Requests"), headers: decision.headers)
            }
            return .admitted(locationId: locationId, headers: decision.headers)
        }

        switch gate {
        case .rejected(let failure, let headers):
            return failure.outcome.response(extraHeaders: headers)
        case .admitted(let locationId, let headers):
            // Every Contacts operation declares `Version: 2021-07-28` as required. HighLevel documents no
            // error for a missing/other value; this 400 body is the sandbox's own choice.
            guard call.headers[Self.versionHeader] == "2021-07-28" else {
                return SandboxFailure.api(400, "Version header is missing or unsupported").outcome.response(extraHeaders: headers)
            }
            var call = call
            call.locationId = locationId
            return Self.run(handler, call).response(extraHeaders: headers)
        }
    }

    private static let versionHeader = HTTPField.Name("Version")!

    private static func bearerToken(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    private static func faultResponse(_ fault: SandboxFault, status: Int) -> Response {
        // Default body for a fault without one: the sandbox's own `{statusCode, message}` in BadRequestDTO style.
        // A status outside 100...599 (possible from the Swift API) would trap in HTTPTypes; answer 500 instead.
        let code = (100...599).contains(status) ? status : 500
        let text = fault.body ?? JSONValue.object([
            "statusCode": .int(code),
            "message": .string(HTTPResponse.Status(code: code).reasonPhrase),
        ]).serialized()
        var response = SandboxOutcome.jsonResponse(code, text)
        for (name, value) in fault.headers ?? [:] {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        return response
    }
}

extension SandboxFailure {
    var outcome: SandboxOutcome { .json(status, body) }
}
