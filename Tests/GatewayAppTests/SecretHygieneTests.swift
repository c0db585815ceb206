import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing

/// Secrets are shown once and kept nowhere: not in the database file, not in its WAL, not in the logs.
@Suite struct SecretHygieneTests {
    @Test func noKeyOrUpstreamTokenInTheDatabaseOrTheLogs() async throws {
        let capture = LogCapture()
        var options = TestGateway.Options()
        options.logger = capture.logger()
        options.lastUsedFlushInterval = .milliseconds(100)
        try await withGateway(options) { gw in
            var secrets = [gw.adminKey, gw.editorKey, gw.readerKey]
            let created = try await gw.call(
                "POST", "/admin/v1/keys", key: gw.adminKey, json: #"{"name":"hygiene","role":"editor"}"#).json()
            let id = try #require(created["id"] as? String)
            secrets.append(try #require(created["key"] as? String))
            let rotated = try await gw.call(
                "POST", "/admin/v1/keys/\(id)/rotate", key: gw.adminKey, json: #"{"grace":"1h"}"#).json()
            secrets.append(try #require(rotated["key"] as? String))
            let cli = try await CLI.json(["keys", "create", "--name", "cli", "--role", "reader"], database: gw.database)
            secrets.append(try #require(cli["key"] as? String))
            let cliRotated = try await CLI.json(["keys", "rotate", try #require(cli["id"] as? String)], database: gw.database)
            secrets.append(try #require(cliRotated["key"] as? String))

            // Traffic of every kind: good, wrong secret, revoked, refused by scope.
            for key in secrets.prefix(3) + [secrets[4]] {
                _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: key)
                _ = try await gw.call("POST", "/contacts/", key: key, json: #"{"locationId":"loc-sandbox","firstName":"Ann"}"#)
            }
            let wrong = String(secrets[0].dropLast()) + (secrets[0].hasSuffix("x") ? "y" : "x")
            _ = try await gw.call("GET", "/contacts/", key: wrong)
            _ = try await gw.call("GET", "/admin/v1/keys", key: secrets[2])
            try await Task.sleep(for: .milliseconds(300))

            let connection = try await gw.storedConnection()
            var tokens = [connection.accessToken]
            if let refresh = connection.refreshToken { tokens.append(refresh) }

            let directory = gw.directory
            var file = try Data(contentsOf: directory.appendingPathComponent("gateway.sqlite"))
            file += (try? Data(contentsOf: directory.appendingPathComponent("gateway.sqlite-wal"))) ?? Data()
            let logs = capture.text
            #expect(!logs.isEmpty, "the capture saw the gateway's log lines")
            for secret in secrets {
                // The whole key and its secret part alone.
                for needle in [secret, String(secret.suffix(KeyFormat.secretLength))] {
                    #expect(file.range(of: Data(needle.utf8)) == nil, "a key secret is in the database")
                    #expect(!logs.contains(needle), "a key secret is in the logs")
                }
            }
            for token in tokens {
                #expect(file.range(of: Data(token.utf8)) == nil, "an upstream token is in the database")
                #expect(!logs.contains(token), "an upstream token is in the logs")
            }
        }
    }

    @Test func lastUsedTimesAreWrittenInBatchesNotPerRequest() async throws {
        var options = TestGateway.Options()
        options.lastUsedFlushInterval = .seconds(3600)
        try await withGateway(options) { gw in
            let key = try await gw.makeKey(role: "reader")
            for _ in 0..<5 {
                #expect(try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: key.key).status == 200)
            }
            // Nothing written yet: requests do not write.
            #expect(try await gw.store.key(id: key.id)?.lastUsedAt == nil)
            try await gw.gateway.keyUsage.flush()
            let used = try #require(try await gw.store.key(id: key.id)?.lastUsedAt)
            #expect(abs(used.timeIntervalSinceNow) < 10)
        }
        options.lastUsedFlushInterval = .milliseconds(100)
        try await withGateway(options) { gw in
            let key = try await gw.makeKey(role: "reader")
            _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)", key: key.key)
            try await Task.sleep(for: .milliseconds(400))
            let shown = try await gw.call("GET", "/admin/v1/keys/\(key.id)", key: gw.adminKey).json()
            #expect(shown["lastUsedAt"] is String)
        }
    }
}
