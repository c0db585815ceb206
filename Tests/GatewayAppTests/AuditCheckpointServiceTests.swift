import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import GatewaySQLite
import Testing

/// The gateway signs its trail on its own: every interval while it serves, not when nothing changed, and once more
/// when it shuts down gracefully.
@Suite struct AuditCheckpointServiceTests {
    static func latest(_ store: SQLiteStore, _ key: AuditCheckpointKey) async throws -> AuditCheckpoint? {
        try await store.latestAuditCheckpoint(key: key)?.signed.checkpoint
    }

    static func lastSeq(_ store: SQLiteStore) async throws -> Int64 {
        try await store.auditRecords(matching: AuditQuery(), limit: 1).first?.seq ?? 0
    }

    /// Polls until `condition` holds, for up to `seconds`: how long a loaded machine takes is not the point.
    static func eventually(seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test func signsOnTheIntervalAndNotWhenNothingChanged() async throws {
        var options = TestGateway.Options()
        options.auditCheckpointInterval = .milliseconds(100)
        options.node = "gw-interval"
        try await withGateway(options) { gw in
            let store = gw.store
            let key = gw.gateway.storage.checkpointSigner.publicKey
            for _ in 0..<3 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            let covered = try await Self.eventually {
                try await Self.latest(store, key)?.seq == Self.lastSeq(store)
            }
            #expect(covered, "no checkpoint covered the last record")
            let checkpoint = try #require(try await Self.latest(store, key))
            #expect(checkpoint.node == "gw-interval" && checkpoint.pruned == 0)

            // Idle: rounds come and go, and write nothing.
            let count = try await store.auditCheckpoints().count
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await store.auditCheckpoints().count == count)

            // One more record: the next round signs it.
            _ = try await gw.call("GET", "/openapi.json", key: nil)
            let signedAgain = try await Self.eventually { try await Self.latest(store, key)?.seq == checkpoint.seq + 1 }
            #expect(signedAgain)
            #expect(try await gw.verifyAudit().ok)
        }
    }

    @Test func signsAtShutdownOnceTheTrailIsFlushed() async throws {
        // `async`: records still queued at shutdown are written first, then signed.
        var options = TestGateway.Options()
        options.auditDurability = .async
        let gw = try await TestGateway.start(options)
        defer { try? FileManager.default.removeItem(at: gw.directory) }
        for _ in 0..<20 { _ = try await gw.call("GET", "/contacts/?locationId=\(TestGateway.location)") }
        let store = gw.store
        let key = gw.gateway.storage.checkpointSigner.publicKey
        // The interval is a minute: nothing is signed yet.
        #expect(try await Self.latest(store, key) == nil)
        await gw.stop(removeFiles: false)

        let checkpoint = try #require(try await Self.latest(store, key), "nothing signed at shutdown")
        #expect(checkpoint.seq == 20 && checkpoint.node == "test-node")
        #expect(try await Self.lastSeq(store) == 20)
        let verification = try await store.verifyAudit(key: key)
        #expect(verification.ok && verification.signedSeq == 20, "\(String(describing: verification.firstFailure))")
    }

    @Test func refusesToSignATrailThatContradictsTheLastCheckpointAndSaysWhy() async throws {
        let capture = LogCapture()
        var options = TestGateway.Options()
        options.auditCheckpointInterval = .milliseconds(100)
        options.logger = capture.logger()
        try await withGateway(options) { gw in
            let store = gw.store
            let key = gw.gateway.storage.checkpointSigner.publicKey
            for _ in 0..<4 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            #expect(try await Self.eventually { try await Self.latest(store, key)?.seq == 4 })
            let path = gw.databasePath
            // Records cut from the end by another process, and a new one appended after the cut.
            _ = try await blocking {
                try Executable.run(["-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('DELETE FROM audit_records WHERE seq > 2')\nc.commit()", path], python: true)
            }
            for _ in 0..<2 { _ = try await gw.call("GET", "/openapi.json", key: nil) }
            // Which checkpoint signed record 4 depends on how the rounds fell between the requests.
            let logged = try await Self.eventually { capture.text.contains("record 4 no longer has the hash checkpoint #") }
            #expect(logged, "\(capture.text)")
            #expect(capture.text.contains("audit checkpoint not signed"), "\(capture.text)")
            #expect(try await Self.latest(store, key)?.seq == 4, "signed over the cut")
        }
    }

    @Test func settingsReadTheIntervalAndTheNode() throws {
        let defaults = try SettingsReader(flags: [], environment: [:]).read()
        #expect(defaults.auditCheckpointInterval == .seconds(60))
        #expect(AuditCheckpoint.isValidNode(defaults.resolvedNode))
        let set = try SettingsReader(
            flags: [], environment: ["GATEWAY_AUDIT_CHECKPOINT_INTERVAL": "90s", "GATEWAY_NODE": "gw-7.example"]
        ).read()
        #expect(set.auditCheckpointInterval == .seconds(90) && set.resolvedNode == "gw-7.example")
        for bad in [["GATEWAY_AUDIT_CHECKPOINT_INTERVAL": "often"], ["GATEWAY_AUDIT_CHECKPOINT_INTERVAL": "200ms"],
                    ["GATEWAY_NODE": "gw 7"], ["GATEWAY_NODE": String(repeating: "n", count: 254)]] {
            #expect(throws: SettingsError.self, "\(bad)") { try SettingsReader(flags: [], environment: bad).read() }
        }
    }
}
