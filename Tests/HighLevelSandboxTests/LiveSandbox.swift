import Foundation
import HTTPTypes
import HighLevelSandbox
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// A sandbox served on 127.0.0.1 on an ephemeral port, with a keep-alive client, for one test.
struct LiveSandbox: Sendable {
    let sandbox: HighLevelSandbox
    let port: Int
    let client: TestClient

    static let version = "2021-07-28"

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPFields
        let text: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }

        func header(_ name: String) -> String? {
            HTTPField.Name(name).flatMap { headers[$0] }
        }
    }

    static func run(
        configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ test: (LiveSandbox) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        configure(&configuration)
        let sandbox = HighLevelSandbox(configuration: configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = sandbox.makeApplication(host: "127.0.0.1", port: 0) { port in
            continuation.yield(port)
            continuation.finish()
        }
        var logger = Logger(label: "sandbox-tests")
        logger.logLevel = .warning
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                Issue.record("server did not start")
                return
            }
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(10)))
            client.connect()
            let live = LiveSandbox(sandbox: sandbox, port: port, client: client)
            do {
                try await test(live)
            } catch {
                try? await client.shutdown()
                await serviceGroup.triggerGracefulShutdown()
                throw error
            }
            try? await client.shutdown()
            await serviceGroup.triggerGracefulShutdown()
        }
    }

    /// One request on the shared keep-alive connection (or on `client`, when given).
    @discardableResult
    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        version: String? = LiveSandbox.version,
        json: String? = nil,
        form: String? = nil,
        headers extra: HTTPFields = [:],
        on other: TestClient? = nil
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let version { headers[HTTPField.Name("Version")!] = version }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        } else if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form)
        }
        let request = TestClient.Request(path, method: method, authority: "127.0.0.1", headers: headers, body: body)
        let response = try await (other ?? client).execute(request)
        return Reply(
            status: Int(response.status.code),
            headers: response.head.headerFields,
            text: response.body.map { String(buffer: $0) } ?? ""
        )
    }

    /// Runs the authorization-code flow and returns the token response.
    func install(locationId: String? = nil, state: String = "xyz") async throws -> [String: Any] {
        var path = "/v2/oauth/chooselocation?response_type=code&client_id=sandbox-client-id"
            + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=contacts.readonly%20contacts.write&state=\(state)"
        if let locationId { path += "&locationId=\(locationId)" }
        let redirect = try await send(.get, path, version: nil)
        #expect(redirect.status == 302)
        let code = try #require(Self.queryItem("code", in: redirect.header("Location") ?? ""))
        let reply = try await send(
            .post, "/oauth/token", version: nil,
            form: "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=authorization_code"
                + "&code=\(code)&user_type=Location&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"
        )
        #expect(reply.status == 200)
        return reply.json
    }

    func refresh(_ refreshToken: String) async throws -> Reply {
        try await send(
            .post, "/oauth/token", version: nil,
            form: "client_id=sandbox-client-id&client_secret=sandbox-client-secret&grant_type=refresh_token"
                + "&refresh_token=\(refreshToken)&user_type=Location"
        )
    }

    /// Creates a contact through the API and returns its id.
    func createContact(token: String, locationId: String = "loc-sandbox", _ fields: String) async throws -> String {
        let reply = try await send(.post, "/contacts/", token: token, json: #"{"locationId":"\#(locationId)",\#(fields)}"#)
        #expect(reply.status == 201, "\(reply.text)")
        let contact = try #require(reply.json["contact"] as? [String: Any])
        return try #require(contact["id"] as? String)
    }

    static func queryItem(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }
}
