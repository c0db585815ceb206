import ChildProcess
import CurlHTTP
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension FirstHour {
    /// Issue 19, items 1, 2 and 8, as a newcomer meets them: `serve` says where it made a database, survives a reader
    /// that goes away (`| head -2`), makes no key when it cannot listen, and `health` probes it for a container.
    @Suite(.serialized) struct ServeStartTests {
        /// A port that was free a moment ago (bound to 0, read, closed).
        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(fd, pointer, length) == 0 else { return -1 }
                    return getsockname(fd, pointer, &length)
                }
            }
            try #require(bound == 0)
            return Int(UInt16(bigEndian: address.sin_port))
        }

        /// Starts the executable and reads its stdout until "listening on" (or its end), off the cooperative threads:
        /// a test that blocks one of them slows every other test of the process.
        static func startServing(_ arguments: [String], environment: [String: String] = [:]) async throws
            -> (child: ChildProcess, output: String)
        {
            try await blocking {
                let child = try ChildProcess(
                    executable: Executable.path, arguments: arguments, environment: environment, stdout: .pipe,
                    stderr: .discard)
                var seen = ""
                while !seen.contains("listening on"), let out = child.standardOutput {
                    let data = child.read(out)
                    guard !data.isEmpty else { break }
                    seen += String(decoding: data, as: UTF8.self)
                }
                return (child, seen)
            }
        }

        @discardableResult
        static func stop(_ child: ChildProcess) async -> ChildProcess.Termination? {
            try? await blocking {
                child.signal(SIGTERM)
                return child.wait()
            }
        }

        static func directory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-serve-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return directory
        }

        @Test func serveSurvivesAClosedStdoutAndSaysWhereItMadeTheDatabase() async throws {
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("g.sqlite").path
            let port = try Self.freePort()
            // As `serve --sandbox | head -0`: the reader is gone before the first line.
            let child = try ChildProcess(
                executable: Executable.path,
                arguments: ["serve", "--sandbox", "--listen", "127.0.0.1:\(port)", "--database", "sqlite:\(path)"],
                stdout: .pipe, stderr: .discard)
            close(child.standardOutput!)
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            var ready = false
            for _ in 0..<200 where !ready {
                try await Task.sleep(for: .milliseconds(50))
                let answer = try? await client.execute(CurlRequest(method: "GET", url: "http://127.0.0.1:\(port)/readyz"))
                ready = answer?.status == 200
            }
            #expect(ready, "serve died or never listened with its stdout closed")
            #expect(child.isRunning)
            // `health` says so, exit 0; SIGTERM still ends it cleanly.
            let health = try await blocking { try Executable.run(["health", "--url", "http://127.0.0.1:\(port)"]) }
            #expect(health.status == 0 && health.stdout.contains("ready"), "\(health.stderr)")
            child.signal(SIGTERM)
            #expect(try await blocking { child.wait() } == .exited(0))

            // Stopped: `health` fails in one line, exit 1 (what a container's HEALTHCHECK needs).
            let down = try await blocking {
                try Executable.run(["health"], environment: ["GATEWAY_LISTEN": "127.0.0.1:\(port)"])
            }
            CLI.expectFailure(down, containing: "does not answer")
        }

        @Test func serveSaysWhereItCreatedTheDatabase() async throws {
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("new.sqlite").path
            let arguments = ["serve", "--listen", "127.0.0.1:0", "--database", "sqlite:\(path)"]
            let (child, seen) = try await Self.startServing(arguments)
            await Self.stop(child)
            #expect(seen.contains("Created a new database at \(path)"), "\(seen)")
            // The second start opens it and says nothing of the kind.
            let (again, second) = try await Self.startServing(arguments)
            await Self.stop(again)
            #expect(second.contains("listening on") && !second.contains("Created a new database"), "\(second)")
        }

        @Test func serveThatCannotListenMakesNoKey() async throws {
            try await withGateway { gw in
                let directory = try Self.directory()
                defer { try? FileManager.default.removeItem(at: directory) }
                let path = directory.appendingPathComponent("g.sqlite").path
                // The test gateway holds the port.
                let taken = try await blocking {
                    try Executable.run(["serve", "--sandbox", "--listen", "127.0.0.1:\(gw.port)", "--database", "sqlite:\(path)"])
                }
                #expect(taken.status != 0)
                #expect(!taken.stdout.contains("cgw_") && !taken.stdout.contains("admin key"), "\(taken.stdout)")
                #expect(!taken.stdout.contains("listening on"))
                let keys = try await CLI.json(["keys", "list"], database: "sqlite:\(path)")
                #expect((keys["keys"] as? [Any])?.isEmpty == true, "\(keys)")
            }
        }

        /// Item 3: the README's OAuth steps, as written, on `serve --sandbox --locations`, with a browser's requests.
        @Test func theReadmeOAuthStepsConnectASecondSandboxLocation() async throws {
            let directory = try Self.directory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let database = "sqlite:" + directory.appendingPathComponent("g.sqlite").path
            let port = try Self.freePort()
            let environment = ["GATEWAY_LISTEN": "127.0.0.1:\(port)", "GATEWAY_DATABASE": database]
            let (child, seen) = try await Self.startServing(
                ["serve", "--sandbox", "--locations", "loc-sandbox,loc-east"], environment: environment)
            // Stopped at the end; on an early failure, signalled here (safe: no signal goes to a reaped child).
            defer { child.signal(SIGTERM) }
            #expect(seen.contains("Connect the others (loc-east)"), "\(seen)")
            let adminKey = try #require(seen.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("cgw_") }.map(String.init))

            // `contacts-gateway connections authorize-url`, in the same environment as the server (no client id there).
            let link = try await blocking {
                try Executable.run(["connections", "authorize-url", "--location", "loc-east", "--output", "json"],
                                   environment: environment)
            }
            #expect(link.status == 0, "\(link.stderr)")
            let address = try #require(
                (try JSONSerialization.jsonObject(with: Data(link.stdout.utf8)) as? [String: Any])?["authorizeUrl"] as? String)
            #expect(address.hasPrefix("http://127.0.0.1:\(port)/oauth/start?state="), "\(address)")

            // The browser: the gateway sends it to the sandbox's consent page, which lists both locations.
            let client = try CurlHTTPClient()
            defer { client.shutdown() }
            let html = [("Accept", "text/html,application/xhtml+xml")]
            let start = try await client.execute(CurlRequest(method: "GET", url: address, headers: html))
            #expect(start.status == 302, "\(start.text)")
            let consentURL = try #require(start.header("Location"))
            #expect(consentURL.contains("client_id=sandbox-client-id"), "\(consentURL)")
            let picker = try await client.execute(CurlRequest(method: "GET", url: consentURL, headers: html))
            #expect(picker.status == 200 && picker.text.contains("loc-east") && picker.text.contains("loc-sandbox"), "\(picker.text)")
            let href = try #require(
                picker.text.matches(of: /href="([^"]+)"/).map { String($0.output.1) }.first { $0.contains("locationId=loc-east") })
            let origin = try #require(consentURL.range(of: "/v2/oauth").map { String(consentURL[..<$0.lowerBound]) })
            let chosen = try await client.execute(
                CurlRequest(method: "GET", url: origin + href.replacingOccurrences(of: "&amp;", with: "&"), headers: html))
            let callback = try #require(chosen.header("Location"))
            #expect(callback.hasPrefix("http://127.0.0.1:\(port)/oauth/callback?"), "\(callback)")
            let page = try await client.execute(CurlRequest(method: "GET", url: callback, headers: html))
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true, "\(page.text)")
            #expect(page.text.contains("Location loc-east is connected"), "\(page.text)")
            #expect(page.header("Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)

            // Connected: listed, and usable through the gateway.
            let listed = try await blocking {
                try Executable.run(["connections", "list", "--output", "json"], environment: environment)
            }
            #expect(listed.stdout.contains("loc-east") && listed.stdout.contains("loc-sandbox"), "\(listed.stdout)")
            let contacts = try await client.execute(CurlRequest(
                method: "GET", url: "http://127.0.0.1:\(port)/contacts/?locationId=loc-east",
                headers: [("Authorization", "Bearer \(adminKey)")]))
            #expect(contacts.status == 200, "\(contacts.text)")
            // A used state gets 400, as the contract says; a start without a state too.
            let replay = try await client.execute(CurlRequest(method: "GET", url: callback))
            #expect(replay.status == 400 && replay.header("Content-Type") == "application/problem+json", "\(replay.text)")
            let replayPage = try await client.execute(CurlRequest(method: "GET", url: callback, headers: html))
            #expect(replayPage.status == 400 && replayPage.text.contains("Nothing was connected"), "\(replayPage.text)")
            #expect(replayPage.text.contains("already used"), "\(replayPage.text)")
            let noState = try await client.execute(CurlRequest(method: "GET", url: "http://127.0.0.1:\(port)/oauth/start"))
            #expect(noState.status == 400 && noState.text.contains("state"), "\(noState.text)")
            #expect(await Self.stop(child) == .exited(0))
        }

        /// Item 1 from another directory: a relative database path that is not there is named as the absolute path it
        /// stands for, and nothing is made there (every command but serve; `audit verify` would have passed on nothing).
        @Test func aMissingRelativeDatabaseIsNamedInFull() async throws {
            let relative = "no-such-dir-\(UUID().uuidString)/gateway.sqlite"
            let absolute = FileManager.default.currentDirectoryPath + "/" + relative
            for command in [["keys", "create", "--name", "x", "--role", "admin"], ["audit", "verify"], ["roles", "list"],
                            ["connections", "authorize-url"], ["audit", "export"]] {
                let result = try await blocking {
                    try Executable.run(command, environment: ["GATEWAY_DATABASE": "sqlite:\(relative)"])
                }
                CLI.expectFailure(result, containing: "that is \(absolute)")
                #expect(result.status == 1)
            }
            #expect(!FileManager.default.fileExists(atPath: absolute))
        }

        @Test func versionNamesTheLibraries() async throws {
            let version = try await blocking { try Executable.run(["--version"]) }
            #expect(version.status == 0, "\(version.stderr)")
            #expect(version.stdout.hasPrefix("contacts-gateway "), "\(version.stdout)")
            #expect(version.stdout.contains("libcurl/") && version.stdout.contains("SQLite: 3."), "\(version.stdout)")
            let completion = try await blocking { try Executable.run(["--generate-completion-script", "bash"]) }
            #expect(completion.status == 0 && completion.stdout.contains("contacts-gateway"), "\(completion.stderr)")
        }
    }
}
