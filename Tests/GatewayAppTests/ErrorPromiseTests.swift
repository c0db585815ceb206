import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import HighLevelSandbox
import Testing

extension FirstHour {
    /// Issue 19, item 7: every failure is said the way the README promises: one plain line and exit 1 on the command
    /// line (usage mistakes included, with ArgumentParser's suggestion), and a problem that says what is wrong over HTTP.
    @Suite struct ErrorPromiseTests {
        @Test func usageMistakesAreOneLineAndExitOne() async throws {
            try await blocking {
                let typo = try Executable.run(["keys", "create", "--name", "x", "--role", "reader", "--expires", "30d"])
                #expect(typo.status == 1, "\(typo.status)")
                #expect(typo.stderr.split(separator: "\n").count == 1, "\(typo.stderr)")
                #expect(typo.stderr.hasPrefix("error: ") && typo.stderr.contains("Did you mean '--expires-in'?"), "\(typo.stderr)")
                let missing = try Executable.run(["keys", "create", "--name", "x"])
                #expect(missing.status == 1 && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
                #expect(missing.stderr.contains("--role"), "\(missing.stderr)")
                let unknown = try Executable.run(["kees", "list"])
                #expect(unknown.status == 1 && unknown.stderr.split(separator: "\n").count == 1, "\(unknown.stderr)")
                let badChoice = try Executable.run(["keys", "list", "--output", "yaml"])
                #expect(badChoice.status == 1 && badChoice.stderr.split(separator: "\n").count == 1, "\(badChoice.stderr)")
                // Help is not a failure.
                let help = try Executable.run(["keys", "update", "--help"])
                #expect(help.status == 0 && help.stdout.contains("--expires-in") && help.stderr.isEmpty, "\(help.stderr)")
            }
        }

        @Test func aKeyWithoutBearerIsToldSo() async throws {
            try await withGateway { gw in
                let path = "/contacts/?locationId=\(TestGateway.location)"
                try await gw.call("GET", path, key: nil, headers: [("Authorization", gw.editorKey)])
                    .expectProblem(401, containing: "lacks the scheme 'Bearer'")
                try await gw.call("GET", path, key: nil, headers: [("Authorization", "Basic dXNlcjpwYXNz")])
                    .expectProblem(401, containing: "scheme 'Basic' is not accepted")
                try await gw.call("GET", "/admin/v1/keys", key: nil, headers: [("Authorization", gw.adminKey)])
                    .expectProblem(401, containing: "Bearer")
                // Neither the key nor the rest of the header comes back.
                let answer = try await gw.call("GET", path, key: nil, headers: [("Authorization", "Token \(gw.editorKey)")])
                #expect(!answer.text.contains(gw.editorKey))
                #expect(try await gw.call("GET", path, key: nil, headers: [("Authorization", "bearer \(gw.editorKey)")]).status == 200)
            }
        }

        @Test func aLocationWithoutAConnectionIsAConfigurationProblem() async throws {
            var options = TestGateway.Options()
            options.connect = false
            try await withGateway(options) { gw in
                for path in ["/contacts/?locationId=loc-unknown", "/contacts/"] {
                    let answer = try await gw.call("GET", path)
                    try answer.expectProblem(503, containing: "Configuration problem")
                    #expect((try answer.json()["type"] as? String)?.hasSuffix("no-connection") == true)
                    #expect(answer.header("Retry-After") == String(GatewayError.noConnectionRetryAfterSeconds))
                    #expect((try answer.json()["detail"] as? String)?.contains("connections") == true)
                }
            }
        }
    }
}
