import ChildProcess
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import GatewaySQLite
import HighLevelSandbox
import Testing

/// The built `contacts-gateway` executable, run as people and scripts run it.
enum Executable {
    static var path: String { built("contacts-gateway") }
    /// The benchmark programs, apart from the product.
    static var benchPath: String { built("gateway-bench") }
    /// The development tools, apart from the product.
    static var devPath: String { built("gateway-dev") }

    private static func built(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/\(name)").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the gateway's executable, or with `python: true` python3 (tests edit the SQLite file through it).
    /// A command that should have failed but serves instead is stopped after 20 s rather than hang the suite.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], python: Bool = false, bench: Bool = false,
        dev: Bool = false, stdin: String? = nil
    ) throws -> Result {
        let finished = try ChildProcess.run(
            executable: python ? "/usr/bin/python3" : bench ? benchPath : dev ? devPath : path, arguments: arguments,
            environment: environment, stdin: stdin)
        let status: Int32
        switch finished.termination {
        case .exited(let code): status = code
        case .signalled(let signal): status = 128 + signal
        }
        return Result(status: status, stdout: finished.standardOutput, stderr: finished.standardError)
    }
}

@Suite(.serialized) struct ProcessTests {
    @Test func executableIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Executable.path), "build it first: swift build")
    }

    @Test func processKilledRightAfterARefreshRestartsWithAWorkingRefreshToken() async throws {
        var options = TestGateway.Options()
        options.tokenLifetime = .seconds(3)
        try await withGateway(options) { gw in
            let database = gw.database
            let secret = gw.gateway.storage.secret.base64
            let arguments = [
                "serve", "--listen", "127.0.0.1:0", "--database", database, "--upstream-url", gw.sandboxURL,
                "--client-id", "sandbox-client-id", "--client-secret", "sandbox-client-secret",
            ]
            try await Task.sleep(for: .milliseconds(3100))

            // First life: the refresh is committed, then the process dies before its new token has been answered.
            // Driven from outside: the sandbox holds the first call that uses the new token (a gateway uses a
            // rotated pair only once it is committed), and the test kills the process while it waits.
            let first = try await ServerProcess.start(arguments: arguments, environment: ["GATEWAY_SECRET_KEY": secret])
            gw.sandbox.addFault(SandboxFault(pathPrefix: "/contacts", delayMilliseconds: 30_000))
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let request = CurlRequest(
                method: "GET", url: "http://127.0.0.1:\(first.port)/contacts/?locationId=loc-sandbox",
                headers: [("Authorization", "Bearer \(gw.editorKey)")])
            let call = Task { try await client.execute(request) }
            var held = false
            for _ in 0..<200 where !held {
                try await Task.sleep(for: .milliseconds(50))
                held = gw.sandbox.stats().faultsInjected == 1
            }
            #expect(held, "the call with the new token never reached the sandbox")
            #expect(gw.sandbox.stats().refreshGrants == 1)
            first.child.signal(SIGKILL)
            #expect(try await blocking { first.waitUntilExit() } == .signalled(SIGKILL))
            await #expect(throws: CurlError.self) { _ = try await call.value }
            gw.sandbox.clearFaults()

            // Second life: the committed pair works; nothing was lost.
            let second = try await ServerProcess.start(arguments: arguments, environment: ["GATEWAY_SECRET_KEY": secret])
            defer { second.stop() }
            var again = request
            again.url = "http://127.0.0.1:\(second.port)/contacts/?locationId=loc-sandbox"
            let answer = try await client.execute(again)
            #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
            let stats = gw.sandbox.stats()
            #expect(stats.invalidGrants == 0)
            // Later refreshes use the committed refresh token too.
            try await Task.sleep(for: .milliseconds(3100))
            #expect(try await client.execute(again).status == 200)
            #expect(gw.sandbox.stats().invalidGrants == 0)
            #expect(gw.sandbox.stats().refreshGrants == 2)
        }
    }

    @Test func cliManagesKeysAndConnectionsWithJSONAndPlainErrors() async throws {
        try await blocking { try Self.cliChecks() }
    }

    /// A database as `serve` makes one: started, then stopped at once.
    static func makeDatabase(_ database: String) throws {
        let server = try ChildProcess(
            executable: Executable.path, arguments: ["serve", "--listen", "127.0.0.1:0", "--database", database],
            environment: [:], stdout: .pipe, stderr: .discard)
        var seen = ""
        while !seen.contains("listening on"), let out = server.standardOutput {
            let data = server.read(out)
            guard !data.isEmpty else { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        server.signal(SIGTERM)
        server.wait()
        #expect(seen.contains("listening on"), "serve did not start: \(seen)")
    }

    static func cliChecks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("g.sqlite").path
        // Only `serve` makes a database: a command pointed at one that does not exist says so and makes none.
        let nowhere = try Executable.run(["keys", "create", "--database", database, "--name", "ci", "--role", "reader"])
        #expect(nowhere.status == 1 && nowhere.stderr.contains("no database at") && nowhere.stderr.contains("only `contacts-gateway serve` creates one"), "\(nowhere.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("g.sqlite").path))
        let verifyNowhere = try Executable.run(["audit", "verify", "--database", database])
        #expect(verifyNowhere.status == 1 && verifyNowhere.stderr.contains("no database at"), "\(verifyNowhere.stderr)")
        try makeDatabase(database)
        let created = try Executable.run(["keys", "create", "--database", database, "--name", "ci", "--role", "reader",
                                          "--locations", "loc-1", "--expires-in", "30d", "--output", "json"])
        #expect(created.status == 0, "\(created.stderr)")
        let key = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        for field in ["id", "key", "name", "role", "locations", "expiresAt"] { #expect(key[field] != nil, "\(field)") }
        let secret = try #require(key["key"] as? String)
        #expect(secret.hasPrefix("cgw_"))

        let listed = try Executable.run(["keys", "list", "--database", database, "--output", "json"])
        #expect(listed.status == 0)
        #expect(!listed.stdout.contains(secret))
        #expect(listed.stdout.contains(key["id"] as? String ?? "?"))
        let revoked = try Executable.run(["keys", "revoke", key["id"] as? String ?? "", "--database", database])
        #expect(revoked.status == 0)

        let badRole = try Executable.run(["keys", "create", "--database", database, "--name", "x", "--role", "wizard"])
        #expect(badRole.status != 0)
        #expect(badRole.stderr.split(separator: "\n").count == 1)
        #expect(badRole.stderr.contains("Unknown role 'wizard'"))
        let missing = try Executable.run(["keys", "show", "nosuchkey", "--database", database])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("No key with id"))

        let added = try Executable.run(["connections", "add-token", "--database", database, "--location", "loc-9",
                                        "--token", "pit-abc", "--no-verify", "--output", "json"])
        #expect(added.status == 0, "\(added.stderr)")
        let connections = try Executable.run(["connections", "list", "--database", database, "--output", "json"])
        #expect(connections.stdout.contains("loc-9"))
        #expect(!connections.stdout.contains("pit-abc"))
        let badLocation = try Executable.run(["connections", "add-token", "--database", database, "--location", "../x", "--token", "t", "--no-verify"])
        #expect(badLocation.status != 0)
        #expect(badLocation.stderr.split(separator: "\n").count == 1)

        // The CLI's address is the gateway's own /oauth/start: the server's OAuth client, not this environment's.
        let link = try Executable.run(["connections", "authorize-url", "--database", database, "--output", "json"],
                                      environment: ["GATEWAY_CLIENT_ID": ""])
        #expect(link.status == 0, "\(link.stderr)")
        let linkJSON = try #require(try JSONSerialization.jsonObject(with: Data(link.stdout.utf8)) as? [String: Any])
        let state = try #require(linkJSON["state"] as? String)
        #expect(linkJSON["authorizeUrl"] as? String == "http://127.0.0.1:8080/oauth/start?state=\(state)", "\(linkJSON)")
        #expect(linkJSON["expiresAt"] is String)
        let elsewhere = try Executable.run(["connections", "authorize-url", "--database", database, "--output", "json"],
                                           environment: ["GATEWAY_REDIRECT_URL": "https://gw.example.com/oauth/callback"])
        #expect(elsewhere.stdout.contains("https://gw.example.com/oauth/start?state="), "\(elsewhere.stdout)")
        let badURL = try Executable.run(["connections", "authorize-url", "--database", database, "--url", "gw"])
        #expect(badURL.status == 1 && badURL.stderr.contains("--url"), "\(badURL.stderr)")

        let removed = try Executable.run(["connections", "remove", "loc-9", "--database", database])
        #expect(removed.status == 0)
        let removedAgain = try Executable.run(["connections", "remove", "loc-9", "--database", database])
        #expect(removedAgain.status != 0)

        // No secret in the database file, in clear.
        let file = try Data(contentsOf: directory.appendingPathComponent("g.sqlite"))
            + ((try? Data(contentsOf: directory.appendingPathComponent("g.sqlite-wal"))) ?? Data())
        #expect(file.range(of: Data(secret.utf8)) == nil)
        #expect(file.range(of: Data(secret.suffix(32).utf8)) == nil)
    }
}

/// A `contacts-gateway serve` child process, with the port it reports.
final class ServerProcess: Sendable {
    let child: ChildProcess
    let port: Int

    /// - Parameter stderr: a file for the server's log lines; by default they are dropped.
    static func start(arguments: [String], environment: [String: String], stderr: URL? = nil) async throws
        -> ServerProcess
    {
        try await blocking { try ServerProcess(arguments: arguments, environment: environment, stderr: stderr) }
    }

    private init(arguments: [String], environment: [String: String], stderr: URL?) throws {
        child = try ChildProcess(
            executable: Executable.path, arguments: arguments, environment: environment,
            stdout: .pipe, stderr: stderr.map { .file($0.path) } ?? .discard)
        var seen = ""
        var found: Int?
        while found == nil, let out = child.standardOutput {
            let data = child.read(out)
            guard !data.isEmpty else { break }
            seen += String(decoding: data, as: UTF8.self)
            if let line = seen.split(separator: "\n").first(where: { $0.contains("listening on") }),
                let last = line.split(separator: ":").last?.split(separator: " ").first
            {
                found = Int(last)
            }
        }
        guard let found else {
            child.signal(SIGKILL)
            child.wait()
            throw RawHTTP.Failure(what: "server did not start: \(seen)")
        }
        port = found
    }

    /// Waits for the server to end; blocks, so call it from `blocking {}`.
    func waitUntilExit() -> ChildProcess.Termination { child.wait() }

    func stop() {
        if child.isRunning {
            child.signal(SIGTERM)
            child.wait()
        }
    }
}

@Suite struct ServeSettingsTests {
    @Test(arguments: [
        (["serve", "--listen", "nowhere"], #"listen: "nowhere" is not HOST:PORT"#),
        (["serve", "--upstream-timeout", "soon"], #"upstream.timeout: "soon" is not a duration"#),
        (["serve", "--upstream-limit", "lots"], #"upstream.limit: "lots" is not a rate like 100/10s, or off"#),
        (["serve", "--audit-durability", "maybe"], #"audit.durability: "maybe" is not commit or async"#),
        (["serve", "--audit-checkpoint-interval", "often"], #"audit.checkpoint.interval: "often""#),
        (["serve", "--audit-checkpoint-interval", "10ms"], "at least 1s"),
        (["serve", "--node", "gw one"], #"node: "gw one""#),
        (["serve", "--upstream-limt", "5/s"], "unknown option --upstream-limt"),
        (["serve", "--database", "mysql://x"], "sqlite:PATH"),
        (["serve", "--idle-timeout", "soon"], "--idle-timeout"),
        (["serve", "--idle-timeout", "0s"], "--idle-timeout"),
        (["serve", "--header-timeout", "10"], "--header-timeout"),
        (["serve", "--header-timeout", "0ms"], "--header-timeout"),
        (["serve", "--body-timeout", "later"], "--body-timeout"),
        (["serve", "--body-timeout", "0m"], "--body-timeout"),
        (["serve", "--max-connections", "0"], "--max-connections"),
        (["serve", "--max-connections", "many"], "--max-connections"),
        (["serve", "--max-connections", "1.5"], "--max-connections"),
    ])
    func badSettingsGetOnePlainLine(arguments: [String], fragment: String) async throws {
        let result = try await blocking { try Executable.run(arguments) }
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
    }

    @Test(arguments: [
        ("GATEWAY_IDLE_TIMEOUT", "soon"), ("GATEWAY_IDLE_TIMEOUT", "0s"),
        ("GATEWAY_HEADER_TIMEOUT", "10"), ("GATEWAY_HEADER_TIMEOUT", "0ms"),
        ("GATEWAY_BODY_TIMEOUT", "later"), ("GATEWAY_BODY_TIMEOUT", "0m"),
        ("GATEWAY_MAX_CONNECTIONS", "0"), ("GATEWAY_MAX_CONNECTIONS", "many"), ("GATEWAY_MAX_CONNECTIONS", "-3"),
    ])
    func badConnectionSettingsInTheEnvironmentGetOnePlainLine(variable: String, value: String) async throws {
        let result = try await blocking { try Executable.run(["serve"], environment: [variable: value]) }
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(variable), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("\"\(value)\""), "stderr: \(result.stderr)")
    }

    @Test func connectionSettingsAreReadFromTheEnvironmentAsTypedValues() throws {
        let defaults = try SettingsReader(flags: [], environment: [:]).read()
        #expect(defaults.idleTimeout == .seconds(75))
        #expect(defaults.headerTimeout == .seconds(10))
        #expect(defaults.bodyTimeout == .seconds(30))
        #expect(defaults.maxConnections == 1024)
        let environment = [
            "GATEWAY_IDLE_TIMEOUT": "2m", "GATEWAY_HEADER_TIMEOUT": "500ms", "GATEWAY_BODY_TIMEOUT": "45s",
            "GATEWAY_MAX_CONNECTIONS": "64",
        ]
        let set = try SettingsReader(flags: [], environment: environment).read()
        #expect(set.idleTimeout == .seconds(120))
        #expect(set.headerTimeout == .milliseconds(500))
        #expect(set.bodyTimeout == .seconds(45))
        #expect(set.maxConnections == 64)
        // What `serve` does with its flags, on top.
        let flagged = try SettingsReader(flags: ["--idle-timeout", "5s", "--max-connections", "8"], environment: environment).read()
        #expect(flagged.idleTimeout == .seconds(5))
        #expect(flagged.maxConnections == 8)
    }

    @Test func badSecretKeyIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await blocking {
            try Executable.run(["keys", "list", "--database", "sqlite:" + directory.appendingPathComponent("g.sqlite").path],
                               environment: ["GATEWAY_SECRET_KEY": "too-short"])
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("GATEWAY_SECRET_KEY"))
    }
}
