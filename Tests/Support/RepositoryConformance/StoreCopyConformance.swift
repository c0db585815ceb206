import Foundation
import GatewayCore
import Testing

/// What every store must do for `store copy`, written once: each store runs every case with a source and a target
/// of its own kind, both opened with the same secret.
public struct StoreCopyConformance: Sendable, CustomTestStringConvertible {
    public typealias Store = RepositoryConformance.Store & WebhookRepository & StoreCopying
    public let name: String
    let body: @Sendable (_ source: any Store, _ target: any Store) async throws -> Void

    public var testDescription: String { name }

    public func run(source: any Store, target: any Store) async throws { try await body(source, target) }

    static let now = RepositoryConformance.now
    static let signer = RepositoryConformance.signer

    /// A source with something of every kind: keys revoked, rotated and used, a role, two connections, a used and an
    /// unused authorization state, a pruned and signed trail, a disabled subscription, events, deliveries, a cursor.
    static func fill(_ store: any Store) async throws {
        var revoked = RepositoryConformance.key("k-revoked", createdAt: now)
        revoked.locations = nil
        try await store.insertKey(revoked)
        #expect(try await store.revokeKey(id: "k-revoked", at: now.addingTimeInterval(60)))
        try await store.insertKey(RepositoryConformance.key("k-rotated", role: "auditor", createdAt: now.addingTimeInterval(1)))
        #expect(try await store.rotateKey(
            id: "k-rotated", secretHash: Data("new-hash".utf8), previousValidUntil: now.addingTimeInterval(3_600)))
        try await store.recordLastUsed(["k-rotated": now.addingTimeInterval(120)])
        #expect(try await store.insertRole(
            Role(name: "auditor", scopes: [Scope(rawValue: "audit.read")]), at: now.addingTimeInterval(2)))
        try await store.save(RepositoryConformance.connection("loc-1", access: "access-one", refresh: "refresh-one"))
        var privateToken = RepositoryConformance.connection("loc-2", access: "pit-two", refresh: nil)
        privateToken.kind = .privateToken
        try await store.save(privateToken)
        try await store.insertAuthorizationState(
            AuthorizationState(stateHash: "state-used", locationId: "loc-1", createdAt: now, expiresAt: now.addingTimeInterval(900)))
        try await store.insertAuthorizationState(
            AuthorizationState(stateHash: "state-open", createdAt: now, expiresAt: now.addingTimeInterval(900)))
        _ = try await store.consumeAuthorizationState(hash: "state-used", now: now.addingTimeInterval(10))
        try store.appendAudit((1...5).map { RepositoryConformance.record($0, at: Double($0)) })
        _ = try await store.signAuditCheckpoint(signer: signer, node: "node-a", nowMs: 1_800_000_010_000)
        let pruned = try await store.pruneAudit(
            beforeMs: 1_800_000_003_000, nowMs: 1_800_000_011_000, signer: signer, node: "node-a")
        #expect(pruned == 2)
        try store.appendAudit((6...8).map { RepositoryConformance.record($0, at: Double($0)) })
        _ = try await store.signAuditCheckpoint(signer: signer, node: "node-b", nowMs: 1_800_000_012_000)
        try await store.insertSubscription(WebhookConformance.subscription("sub-1"))
        try await store.insertSubscription(WebhookConformance.subscription("sub-2e", events: ["*"], locations: ["loc-1"], at: 1))
        try await store.setSubscriptionDisabled(id: "sub-2e", at: now.addingTimeInterval(30), reason: "410 from receiver")
        let event = WebhookConformance.event("ev-1")
        let deliveries = [
            WebhookConformance.delivery("d-1", of: event, to: "sub-1"),
            WebhookConformance.delivery("d-2", of: event, to: "sub-2e", due: 5),
        ]
        #expect(try await store.acceptEvent(event, deliveries: deliveries) == .accepted(deliveries: 2))
        #expect(try await store.recordDeliveryProgress(
            id: "d-1", progress: DeliveryProgress(status: .delivered, attempts: 1, nextAttemptAt: nil, lastStatus: 204, lastError: nil)))
        #expect(try await store.acceptEvent(WebhookConformance.event("ev-2", contact: "c2", source: .reconcile), deliveries: []) == .accepted(deliveries: 0))
        try await store.setReconciliationCursor(locationId: "loc-1", to: now.addingTimeInterval(45))
    }

    /// The trail a page at a time, as `store copy` moves it.
    static func copyTrail(from source: any Store, to target: any Store) async throws -> Int {
        var after: Int64?
        var copied = 0
        while true {
            let page = try await source.auditRecords(matching: AuditQuery(), afterSeq: after, ascending: true, limit: 2)
            guard let last = page.last else { return copied }
            try await target.importAuditRecords(page)
            copied += page.count
            after = last.seq
        }
    }

    public static let cases: [StoreCopyConformance] = [
        .init(name: "a copy holds everything as it was, verifies, and goes on from where the source was") { source, target in
            try await fill(source)
            let snapshot = try await source.exportSnapshot()
            #expect(snapshot.keys.count == 2 && snapshot.roles.count == 1 && snapshot.connections.count == 2)
            #expect(snapshot.authorizationStates.count == 2 && snapshot.auditBoundary?.seq == 2)
            #expect(snapshot.subscriptions.count == 2 && snapshot.events.count == 2 && snapshot.deliveries.count == 2)
            #expect(snapshot.reconciliationCursors.count == 1)
            #expect(try await target.storeContents().isEmpty)

            try await target.importSnapshot(snapshot)
            #expect(try await copyTrail(from: source, to: target) == 6)

            #expect(try await target.exportSnapshot() == snapshot)
            let records = try await source.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
            #expect(try await target.auditRecords(matching: AuditQuery(), ascending: true, limit: 100) == records)
            #expect(try await target.storeContents() == source.storeContents())
            // Tokens and secrets open on the target: sealed again with the same secret.
            #expect(try await target.connection(locationId: "loc-1")?.refreshToken == "refresh-one")
            #expect(try await target.subscription(id: "sub-1")?.secret == WebhookConformance.subscription("sub-1").secret)
            // The used state stays used.
            #expect(try await target.consumeAuthorizationState(hash: "state-used", now: now.addingTimeInterval(20)) == nil)
            #expect(try await target.consumeAuthorizationState(hash: "state-open", now: now.addingTimeInterval(20)) != nil)

            let verification = try await target.verifyAudit(key: signer.publicKey)
            #expect(verification.ok, "\(String(describing: verification.firstFailure))")
            #expect(verification.checked == 6 && verification.lastSeq == 8 && verification.checkpointSeq == 2)
            #expect(verification.checkpointsChecked == snapshot.auditCheckpoints.count && verification.signedSeq == 8)
            // The copy goes on: an append chains onto the copied tail, a checkpoint gets an id after the copied ones.
            try target.appendAudit([RepositoryConformance.record(9, at: 9)])
            let round = try await target.signAuditCheckpoint(signer: signer, node: "node-c", nowMs: 1_800_000_013_000)
            #expect((round.id ?? 0) > (snapshot.auditCheckpoints.map(\.id).max() ?? 0))
            let after = try await target.verifyAudit(key: signer.publicKey)
            #expect(after.ok && after.lastSeq == 9 && after.signedSeq == 9)
        },
        .init(name: "a store that holds anything refuses a copy and keeps what it had") { source, target in
            try await fill(source)
            let snapshot = try await source.exportSnapshot()
            try await target.insertConsoleSession(
                ConsoleSession(tokenHash: "t", keyId: "k", createdAt: now, expiresAt: now.addingTimeInterval(600)))
            var expected = StoreContents()
            expected.consoleSessions = 1
            #expect(try await target.storeContents() == expected)
            do {
                try await target.importSnapshot(snapshot)
                Issue.record("a store with a console session took a copy")
            } catch let refused as StoreNotEmpty {
                #expect(refused.contents == expected)
                #expect(refused.description.contains("1 console session"))
            }
            #expect(try await target.storeContents() == expected)
            #expect(try await target.keys().isEmpty)
            // A store with data of its own, the source itself: refused too.
            do {
                try await source.importSnapshot(snapshot)
                Issue.record("a full store took a copy")
            } catch let refused as StoreNotEmpty {
                #expect(refused.description.contains("2 API keys") && refused.description.contains("6 audit records"))
            }
            #expect(try await source.exportSnapshot() == snapshot)
        },
    ]
}
