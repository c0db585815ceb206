import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The web console at `/console`: sign-in with a key, then pages and plain HTML forms over the same core services
/// as the admin API, with the same scopes (``GatewayRoute/console``).
///
/// Every route goes through ``guarded(_:_:)``: the session cookie is resolved to its key as the key is now, the
/// key is named in the request's audit record, the route's scope is checked, and a `POST` must carry the session's
/// `csrf` field. A page past the key's scopes answers 403, as the admin API does.
public struct ConsoleController<Context: ConsoleRequestContext>: Sendable {
    let services: ConsoleServices
    let templates: ConsoleTemplates
    let lastVerification = LastVerification()

    public init(services: ConsoleServices) {
        self.services = services
        self.templates = ConsoleTemplates()
    }

    public func addRoutes(to router: some RouterMethods<Context>) {
        let styles = ConsoleTemplates.asset("console.css")
        let script = ConsoleTemplates.asset("console.js")
        let icon = ConsoleTemplates.asset("icon.svg")
        router.on(.consoleStyles) { _, _ in ConsolePage.asset(styles, contentType: "text/css; charset=utf-8") }
        router.on(.consoleScript) { _, _ in ConsolePage.asset(script, contentType: "text/javascript; charset=utf-8") }
        router.on(.consoleIcon) { _, _ in ConsolePage.asset(icon, contentType: "image/svg+xml") }
        router.on(.consoleSignIn) { request, context in try await signIn(request, context) }
        router.on(.consoleOverview) { request, context in
            // Without a session, the overview's address is the sign-in form.
            guard try await session(of: request) != nil else { return signInPage(error: nil, status: .ok) }
            return try await guarded(.consoleOverview) { try await overview($0) }(request, context)
        }
        router.on(.consoleSignOut, use: guarded(.consoleSignOut) { call in
            try await services.sessions.signOut(token: call.request.cookies[ConsolePage.sessionCookie]?.value)
            var response = ConsolePage.redirect(to: "/console")
            response.setCookie(ConsolePage.sessionCookie("", secure: ConsolePage.isTLS(call.request), maxAge: 0))
            return response
        })
        router.on(.consoleKeys, use: guarded(.consoleKeys) { try await keysPage($0) })
        router.on(.consoleCreateKey, use: guarded(.consoleCreateKey) { try await createKey($0) })
        router.on(.consoleRotateKey, use: guarded(.consoleRotateKey) { try await rotateKey($0) })
        router.on(.consoleRevokeKey, use: guarded(.consoleRevokeKey) { try await revokeKey($0) })
        router.on(.consoleRoles, use: guarded(.consoleRoles) { try await rolesPage($0) })
        router.on(.consoleCreateRole, use: guarded(.consoleCreateRole) { try await createRole($0) })
        router.on(.consoleDeleteRole, use: guarded(.consoleDeleteRole) { try await deleteRole($0) })
        router.on(.consoleConnections, use: guarded(.consoleConnections) { try await connectionsPage($0) })
        router.on(.consoleAuthorizeConnection, use: guarded(.consoleAuthorizeConnection) { try await authorize($0) })
        router.on(.consoleAddToken, use: guarded(.consoleAddToken) { try await addToken($0) })
        router.on(.consoleRemoveConnection, use: guarded(.consoleRemoveConnection) { try await removeConnection($0) })
        router.on(.consoleAudit, use: guarded(.consoleAudit) { try await auditPage($0) })
        router.on(.consoleAuditRecord, use: guarded(.consoleAuditRecord) { try await auditRecord($0) })
        router.on(.consoleAuditExport, use: guarded(.consoleAuditExport) { try await auditExport($0) })
        router.on(.consoleAuditVerify, use: guarded(.consoleAuditVerify) { try await auditVerify($0) })
        router.on(.consoleSubscriptions, use: guarded(.consoleSubscriptions) { try await subscriptionsPage($0) })
        router.on(.consoleCreateSubscription, use: guarded(.consoleCreateSubscription) { try await createSubscription($0) })
        router.on(.consoleDeleteSubscription, use: guarded(.consoleDeleteSubscription) { try await deleteSubscription($0) })
        router.on(.consoleEnableSubscription, use: guarded(.consoleEnableSubscription) { try await enableSubscription($0) })
        router.on(.consoleRetryDelivery, use: guarded(.consoleRetryDelivery) { try await retryDelivery($0) })
    }

    // MARK: Sessions

    private func session(of request: Request) async throws -> ConsoleSessions.Current? {
        try await services.sessions.current(token: request.cookies[ConsolePage.sessionCookie]?.value)
    }

    private func signIn(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await ConsoleCall<Context>.form(of: request, limit: services.maxBody)
        guard let key = form["key"] else {
            return signInPage(error: "Paste a key (it starts with cgw_).", status: .badRequest)
        }
        let started: ConsoleSessions.Started
        do {
            started = try await services.sessions.signIn(key: key)
        } catch let error as GatewayError where error.status == 401 {
            return signInPage(error: error.detail, status: .unauthorized)
        }
        context.noteConsoleAction(by: started.principal, resourceId: nil, locationId: nil)
        var response = ConsolePage.redirect(to: "/console")
        response.setCookie(
            ConsolePage.sessionCookie(
                started.token, secure: ConsolePage.isTLS(request), maxAge: Int(ConsoleSessions.lifetime)))
        return response
    }

    private func signInPage(error: String?, status: HTTPResponse.Status) -> Response {
        var values: [String: Any] = ["title": "Sign in"]
        if let error { values["error"] = error }
        return ConsolePage.html(templates.render("signin", values), status: status)
    }

    /// The checks every console route passes before its handler (see the type's comment).
    func guarded(
        _ route: GatewayRoute, _ handler: @escaping @Sendable (ConsoleCall<Context>) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        { request, context in
            guard let current = try await session(of: request) else {
                if request.method == .get { return ConsolePage.redirect(to: "/console") }
                return errorPage(
                    nil, status: .forbidden,
                    message: "This form needs a signed-in session and its form token: sign in again.")
            }
            let principal = current.principal
            context.noteConsoleAction(
                by: principal,
                resourceId: context.parameters.get("id") ?? context.parameters.get("name")
                    ?? context.parameters.get("seq"),
                locationId: context.parameters.get("locationId"))
            let form: FormFields
            if request.method == .post {
                form = try await ConsoleCall<Context>.form(of: request, limit: services.maxBody)
                guard ConsoleControllerTokens.same(form.raw("csrf"), current.csrf) else {
                    let call = ConsoleCall(request: request, context: context, current: current, form: form)
                    return errorPage(
                        call, status: .forbidden,
                        message: "The form's token does not match this session, so nothing was changed. "
                            + "Reload the page and try again.")
                }
            } else {
                form = FormFields(request.uri.query ?? "")
            }
            let call = ConsoleCall(request: request, context: context, current: current, form: form)
            if let scope = route.scope, !principal.role.scopes.contains(scope) {
                return errorPage(
                    call, status: .forbidden,
                    message: "Your key's role '\(principal.role.name)' lacks the scope '\(scope.rawValue)' "
                        + "that this page needs.")
            }
            do {
                return try await handler(call)
            } catch let error as GatewayError where error.status < 500 {
                return errorPage(call, status: HTTPResponse.Status(code: error.status), message: error.detail)
            }
        }
    }


    // MARK: Rendering

    /// What every signed-in page shows around its content: who is signed in, the pages their scopes open, the
    /// form token for its forms.
    func layout(_ call: ConsoleCall<Context>, title: String, active: String) -> [String: Any] {
        let scopes = call.principal.role.scopes
        let pages: [(String, String, String, Scope?)] = [
            ("overview", "Overview", "/console", nil), ("keys", "Keys", "/console/keys", .keysManage),
            ("roles", "Roles", "/console/roles", .rolesManage),
            ("connections", "Connections", "/console/connections", .connectionsManage),
            ("subscriptions", "Subscriptions", "/console/subscriptions", .webhooksManage),
            ("audit", "Audit", "/console/audit", .auditRead),
        ]
        let nav: [[String: Any]] = pages.filter { $0.3.map(scopes.contains) ?? true }.map { page in
            ["label": page.1, "href": page.2, "current": page.0 == active]
        }
        return [
            "title": title, "nav": nav, "keyName": call.principal.keyName, "keyId": call.principal.keyId,
            "role": call.principal.role.name, "csrf": call.current.csrf, "signedIn": true,
        ]
    }

    func page(
        _ call: ConsoleCall<Context>, _ template: String, title: String, active: String, _ values: [String: Any],
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let merged = layout(call, title: title, active: active).merging(values) { _, new in new }
        return ConsolePage.html(templates.render(template, merged), status: status)
    }

    func errorPage(_ call: ConsoleCall<Context>?, status: HTTPResponse.Status, message: String) -> Response {
        var values: [String: Any] = call.map { layout($0, title: "Not allowed", active: "") } ?? ["title": "Not allowed"]
        values["title"] = status.code == 403 ? "Not allowed" : status.reasonPhrase
        values["status"] = status.code
        values["message"] = message
        return ConsolePage.html(templates.render("error", values), status: status)
    }
}

/// The form token's comparison.
enum ConsoleControllerTokens {
    /// Compares without stopping at the first difference, so timing does not reveal how much of a guess was right.
    static func same(_ presented: String?, _ expected: String) -> Bool {
        guard let presented, presented.utf8.count == expected.utf8.count else { return false }
        return zip(presented.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// One console request past the checks: the signed-in key, and the form (a `POST`'s body, a `GET`'s query).
struct ConsoleCall<Context: ConsoleRequestContext>: Sendable {
    let request: Request
    let context: Context
    let current: ConsoleSessions.Current
    let form: FormFields

    var principal: Principal { current.principal }
    /// Every change is made as the signed-in key, so it may reach no further than that key could itself.
    var actor: AdministrativeActor { .key(current.principal) }

    static func form(of request: Request, limit: Int) async throws -> FormFields {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError.bodyTooLarge(limit: limit)
        }
        return FormFields(String(buffer: body))
    }
}

extension RouterMethods {
    /// Registers a console route from ``GatewayRoute/console``: method and path from the table.
    @discardableResult
    func on(
        _ route: GatewayRoute,
        use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.path), method: HTTPRequest.Method(route.method)!, use: handler)
    }
}
