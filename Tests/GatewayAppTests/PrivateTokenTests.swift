import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

extension FirstHour {
    /// Issue 19, item 5: private integration tokens are read from a file or stdin, checked with HighLevel (the sandbox,
    /// over HTTP) before they are stored, never replace a connection without being asked to, and can be added over the
    /// admin API too.
    @Suite struct PrivateTokenTests {
        static func connect(_ gw: TestGateway, _ json: String, key: String? = nil) async throws -> CurlResponse {
            try await gw.call("POST", "/admin/v1/connections", key: key ?? gw.adminKey, json: json)
        }

        @Test func theAdminAPIChecksATokenBeforeStoringIt() async throws {
            try await withGateway { gw in
                let token = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                let added = try await Self.connect(gw, #"{"locationId":"loc-east","token":"\#(token)"}"#)
                #expect(added.status == 201, "\(added.text)")
                #expect(try added.json()["kind"] as? String == "private_token", "\(added.text)")
                #expect(!added.text.contains(token))
                let proxied = try await gw.call("GET", "/contacts/?locationId=loc-east")
                #expect(proxied.status == 200, "\(proxied.text)")

                // A garbage token for a location HighLevel does not know: refused, nothing stored.
                try await Self.connect(gw, #"{"locationId":"loc-nowhere","token":"pit-garbage"}"#)
                    .expectProblem(400, containing: "HighLevel refused the token")
                #expect(try await gw.store.connection(locationId: "loc-nowhere") == nil)
                // A real token, but of another location.
                try await Self.connect(gw, #"{"locationId":"loc-west","token":"\#(token)"}"#)
                    .expectProblem(400, containing: "loc-west")
                #expect(try await gw.store.connection(locationId: "loc-west") == nil)

                // An existing connection is replaced only when asked.
                let second = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                try await Self.connect(gw, #"{"locationId":"loc-east","token":"\#(second)"}"#)
                    .expectProblem(409, containing: "connected already")
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == token)
                let replaced = try await Self.connect(gw, #"{"locationId":"loc-east","token":"\#(second)","replace":true}"#)
                #expect(replaced.status == 201, "\(replaced.text)")
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == second)
                // The OAuth connection of loc-sandbox is not overwritten by a token either.
                try await Self.connect(gw, #"{"locationId":"loc-sandbox","token":"\#(second)"}"#)
                    .expectProblem(409, containing: "--replace")

                // Unchecked, when asked: stored as given.
                let unchecked = try await Self.connect(gw, #"{"locationId":"loc-offline","token":"pit-unchecked","verify":false}"#)
                #expect(unchecked.status == 201, "\(unchecked.text)")
                #expect(try await gw.store.connection(locationId: "loc-offline")?.accessToken == "pit-unchecked")

                // Bad bodies.
                try await Self.connect(gw, #"{"locationId":"loc-east"}"#).expectProblem(400, containing: "'token'")
                try await Self.connect(gw, #"{"locationId":"../x","token":"t"}"#).expectProblem(400, containing: "location id")
            }
        }

        @Test func aKeyConnectsOnlyItsOwnLocations() async throws {
            try await withGateway { gw in
                _ = try await RoleAdministration(repository: gw.store).create(
                    name: "connector", scopes: ["connections.manage"], by: .operator)
                let limited = try await gw.makeKey(role: "connector", locations: ["loc-east"])
                let token = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-west")
                let refused = try await Self.connect(gw, #"{"locationId":"loc-west","token":"\#(token)"}"#, key: limited.key)
                try refused.expectProblem(403, containing: "loc-west")
                #expect((try refused.json()["type"] as? String)?.hasSuffix("beyond-authority") == true)
                #expect(try await gw.store.connection(locationId: "loc-west") == nil)
                let own = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                #expect(try await Self.connect(gw, #"{"locationId":"loc-east","token":"\#(own)"}"#, key: limited.key).status == 201)
            }
        }

        @Test func anUnreachableHighLevelIsSaidSoAndNoVerifySkipsTheCheck() async throws {
            // A port nothing listens on: the check cannot reach HighLevel.
            var options = TestGateway.Options()
            options.upstreamURL = "http://127.0.0.1:9"
            options.connect = false
            try await withGateway(options) { gw in
                try await Self.connect(gw, #"{"locationId":"loc-far","token":"pit-far"}"#)
                    .expectProblem(502, containing: "could not be reached")
                #expect(try await gw.store.connection(locationId: "loc-far") == nil)
                let skipped = try await Self.connect(gw, #"{"locationId":"loc-far","token":"pit-far","verify":false}"#)
                #expect(skipped.status == 201, "\(skipped.text)")
            }
        }

        @Test func theCommandLineReadsTheTokenFromAFileOrStdinAndChecksIt() async throws {
            try await withGateway { gw in
                let database = gw.database
                let upstream = ["GATEWAY_UPSTREAM_URL": gw.sandboxURL]
                let file = gw.directory.appendingPathComponent("east.token")
                let token = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                try Data((token + "\n").utf8).write(to: file)
                func run(_ arguments: [String], stdin: String? = nil) async throws -> Executable.Result {
                    try await blocking {
                        try Executable.run(arguments + ["--database", database], environment: upstream, stdin: stdin)
                    }
                }
                let fromFile = try await run(["connections", "add-token", "--location", "loc-east", "--token-file", file.path])
                #expect(fromFile.status == 0 && fromFile.stdout.contains("checked with HighLevel"), "\(fromFile.stderr)")
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == token)

                // Standard input, replacing the connection only with --replace.
                let second = gw.sandbox.issuePrivateIntegrationToken(locationId: "loc-east")
                let secondFile = gw.directory.appendingPathComponent("second.token")
                try Data(second.utf8).write(to: secondFile)
                CLI.expectFailure(
                    try await run(["connections", "add-token", "--location", "loc-east", "--token", "-"], stdin: secondFile.path),
                    containing: "--replace")
                let replaced = try await run(
                    ["connections", "add-token", "--location", "loc-east", "--token", "-", "--replace", "--output", "json"],
                    stdin: secondFile.path)
                #expect(replaced.status == 0, "\(replaced.stderr)")
                #expect(!replaced.stdout.contains(second))
                #expect(try await gw.store.connection(locationId: "loc-east")?.accessToken == second)

                // The trap of the issue: printed as connected before; now refused, and nothing stored.
                CLI.expectFailure(
                    try await run(["connections", "add-token", "--location", "loc-nowhere", "--token", "pit-garbage"]),
                    containing: "HighLevel refused the token")
                #expect(try await gw.store.connection(locationId: "loc-nowhere") == nil)
                let unchecked = try await run(
                    ["connections", "add-token", "--location", "loc-nowhere", "--token", "pit-garbage", "--no-verify"])
                #expect(unchecked.status == 0 && unchecked.stdout.contains("not checked"), "\(unchecked.stderr)")

                // No token, two tokens, a file that is not there: one line each.
                CLI.expectFailure(try await run(["connections", "add-token", "--location", "loc-x"]), containing: "--token-file")
                CLI.expectFailure(
                    try await run(["connections", "add-token", "--location", "loc-x", "--token", "a", "--token-file", file.path]),
                    containing: "not both")
                CLI.expectFailure(
                    try await run(["connections", "add-token", "--location", "loc-x", "--token-file", "/nonexistent/t"]),
                    containing: "cannot read the token file")
                // --help says why.
                let help = try await blocking { try Executable.run(["connections", "add-token", "--help"]) }
                #expect(help.status == 0 && help.stdout.contains("ps"), "\(help.stdout)")
            }
        }
    }
}
