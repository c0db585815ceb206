import Foundation
import GatewayCore
import Testing

/// What every store must do, written once: the SQLite, PostgreSQL and in-memory stores each run every case.
///
///     @Test(arguments: RepositoryConformance.cases)
///     func conforms(_ check: RepositoryConformance) async throws { try await check.run(on: try makeStore()) }
struct ConformanceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

public struct RepositoryConformance: Sendable, CustomTestStringConvertible {
    public typealias Store = KeyRepository & RoleRepository & ConnectionRepository & AuthorizationStateRepository
        & AuditRepository & ConsoleSessionRepository & RefreshJournal
    public let name: String
    let body: @Sendable (any Store) async throws -> Void

    public var testDescription: String { name }

    public func run(on store: any Store) async throws { try await body(store) }

    /// Whole seconds: every store keeps at least that precision.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(_ id: String, role: String = "reader", createdAt: Date = now) -> APIKey {
        APIKey(
            id: id, name: "key \(id)", role: role, secretHash: Data("hash-\(id)".utf8), locations: ["loc-a", "loc-b"],
            rate: "10/s", burst: 5, expiresAt: createdAt.addingTimeInterval(86_400), createdAt: createdAt)
    }

    static func connection(_ location: String = "loc-1", access: String = "access-1", refresh: String? = "refresh-1")
        -> Connection
    {
        Connection(
            locationId: location, kind: .oauth, accessToken: access, refreshToken: refresh, accessTokenIssuedAt: now,
            accessTokenExpiresAt: now.addingTimeInterval(86_399), scope: "contacts.readonly", companyId: "co",
            userId: "u", createdAt: now, updatedAt: now)
    }

    static func record(_ index: Int, key: String? = "k1", status: Int = 200, at offset: TimeInterval = 0) -> AuditRecord {
        var record = AuditRecord(
            time: now.addingTimeInterval(offset), requestId: "r\(index)", method: "GET", route: "GET /contacts/{contactId}",
            path: "/contacts/c\(index)", status: status, outcome: AuditRecord.outcome(forGatewayStatus: status),
            keyId: key, keyName: key.map { "name of \($0)" }, role: "reader", locationId: "loc-a", contactId: "c\(index)",
            upstreamStatus: status == 200 ? 200 : nil, upstreamAttempts: status == 200 ? 1 : 0, durationMs: 1.5,
            client: "127.0.0.1", count: index == 3 ? 42 : nil)
        record.node = index == 2 ? nil : "node-\(index % 2)"
        return record
    }

    static let signer = AuditCheckpointSigner(secret: try! GatewaySecret(bytes: Array(repeating: 9, count: 32)))

    public static let cases: [RepositoryConformance] = [
        .init(name: "the trail chains what is appended, and reads it back field for field") { store in
            try store.appendAudit((1...3).map { record($0) })
            try store.appendAudit([record(4, key: nil, status: 401)])
            let records = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10)
            #expect(records.map(\.seq) == [1, 2, 3, 4])
            var previous = AuditChain.genesis
            for (index, stored) in records.enumerated() {
                let expected = record(index + 1, key: index == 3 ? nil : "k1", status: index == 3 ? 401 : 200)
                    .chained(seq: Int64(index + 1), prevHash: previous)
                #expect(stored == expected, "record \(index + 1)")
                previous = stored.hash
            }
            #expect(records[2].count == 42 && records[0].count == nil)
            #expect(records.map(\.node) == ["node-1", nil, "node-1", "node-0"])
            #expect(try await store.verifyAudit(key: signer.publicKey).ok)
        },
        .init(name: "reviews filter, page by seq both ways, and limit") { store in
            try store.appendAudit((1...6).map { record($0, key: $0 % 2 == 0 ? "k2" : "k1", status: $0 == 5 ? 403 : 200, at: Double($0)) })
            func seqs(_ query: AuditQuery, after: Int64? = nil, before: Int64? = nil, ascending: Bool = false, limit: Int = 10)
                async throws -> [Int64]
            {
                try await store.auditRecords(
                    matching: query, afterSeq: after, beforeSeq: before, ascending: ascending, limit: limit
                ).map(\.seq)
            }
            var byKey = AuditQuery()
            byKey.keyId = "k2"
            #expect(try await seqs(byKey) == [6, 4, 2])
            var denied = AuditQuery()
            denied.outcome = .denied
            #expect(try await seqs(denied) == [5])
            var status = AuditQuery()
            status.status = 403
            #expect(try await seqs(status) == [5])
            var window = AuditQuery()
            (window.sinceMs, window.untilMs) = (record(0, at: 2).timeMs, record(0, at: 4).timeMs)
            #expect(try await seqs(window) == [3, 2])
            var contact = AuditQuery()
            contact.contactId = "c4"
            #expect(try await seqs(contact) == [4])
            #expect(try await seqs(AuditQuery(), before: 4, limit: 2) == [3, 2])
            #expect(try await seqs(AuditQuery(), after: 4, ascending: true) == [5, 6])
            #expect(try await seqs(AuditQuery(), limit: 1) == [6])
        },
        .init(name: "a checkpoint is signed when the trail changed, and verification holds the trail to it") { store in
            #expect(try await store.signAuditCheckpoint(signer: signer, node: "n1", nowMs: 1).plan == .empty)
            try store.appendAudit((1...3).map { record($0) })
            let first = try await store.signAuditCheckpoint(signer: signer, node: "n1", nowMs: 2)
            guard case .sign(let checkpoint) = first.plan else { throw ConformanceFailure("no checkpoint: \(first.plan)") }
            #expect(checkpoint.seq == 3 && checkpoint.node == "n1" && first.id != nil)
            #expect(try await store.signAuditCheckpoint(signer: signer, node: "n1", nowMs: 3).plan == .unchanged)
            try store.appendAudit([record(4)])
            let second = try await store.signAuditCheckpoint(signer: signer, node: "n2", nowMs: 4)
            #expect(second.id != nil && second.id != first.id)
            let latest = try #require(try await store.latestAuditCheckpoint(key: signer.publicKey))
            #expect(latest.signed.checkpoint.seq == 4 && latest.signed.checkpoint.node == "n2")
            #expect(try await store.auditCheckpoints().count == 2)
            let verified = try await store.verifyAudit(key: signer.publicKey)
            #expect(verified.ok && verified.checked == 4 && verified.checkpointsChecked == 2 && verified.signedSeq == 4)
            // Another gateway's secret: the stored checkpoints are not its.
            let stranger = AuditCheckpointSigner(secret: GatewaySecret.generate()).publicKey
            #expect(try await !store.verifyAudit(key: stranger).ok)
            await #expect(throws: UnusableAuditCheckpoint.self) { _ = try await store.latestAuditCheckpoint(key: stranger) }
            // A checkpoint kept elsewhere is checked too.
            let external = AuditTrailVerifier.Input(source: .file("saved.json"), filedSeq: nil, note: latest.signed.note.rendered)
            #expect(try await store.verifyAudit(key: signer.publicKey, external: external).checkpointsChecked == 3)
        },
        .init(name: "a prune keeps the rest verifiable, signs its boundary, and new records chain on") { store in
            try store.appendAudit((1...5).map { record($0, at: Double($0)) })
            _ = try await store.signAuditCheckpoint(signer: signer, node: "n1", nowMs: 1)
            let cutoff = record(0, at: 3).timeMs
            #expect(try await store.pruneAudit(beforeMs: cutoff, nowMs: 10, signer: signer, node: "n1") == 2)
            #expect(try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10).map(\.seq) == [3, 4, 5])
            #expect(try await store.pruneAudit(beforeMs: cutoff, nowMs: 11, signer: signer, node: "n1") == 0)
            let boundary = try await store.auditCheckpoints().compactMap { try? SignedAuditCheckpoint(parsing: $0.note) }
                .filter { $0.checkpoint.pruned == 2 && $0.checkpoint.seq == 2 }
            #expect(boundary.count == 1)
            try store.appendAudit([record(6)])
            let verified = try await store.verifyAudit(key: signer.publicKey)
            #expect(verified.ok && verified.checked == 4 && verified.checkpointSeq == 2 && verified.lastSeq == 6, "\(verified)")
            // Everything pruned: the chain goes on from the boundary.
            #expect(try await store.pruneAudit(beforeMs: .max, nowMs: 12, signer: signer, node: "n1") == 4)
            try store.appendAudit([record(7)])
            let records = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10)
            #expect(records.map(\.seq) == [7])
            #expect(try await store.verifyAudit(key: signer.publicKey).ok)
        },
        .init(name: "appends from two writers at once form one chain") { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<2 {
                    group.addTask {
                        for batch in 0..<20 {
                            try store.appendAudit((0..<5).map { record(writer * 1000 + batch * 5 + $0) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            let verified = try await store.verifyAudit(key: signer.publicKey)
            #expect(verified.ok && verified.checked == 200 && verified.lastSeq == 200)
        },
        .init(name: "keys come back as they were stored, oldest first") { store in
            try await store.insertKey(key("bbbbbbbbbbbb", createdAt: now))
            try await store.insertKey(key("aaaaaaaaaaaa", createdAt: now.addingTimeInterval(1)))
            var minimal = key("cccccccccccc", createdAt: now.addingTimeInterval(2))
            (minimal.locations, minimal.rate, minimal.burst, minimal.expiresAt) = (nil, nil, nil, nil)
            try await store.insertKey(minimal)
            #expect(try await store.keys().map(\.id) == ["bbbbbbbbbbbb", "aaaaaaaaaaaa", "cccccccccccc"])
            #expect(try await store.key(id: "bbbbbbbbbbbb") == key("bbbbbbbbbbbb", createdAt: now))
            #expect(try await store.key(id: "cccccccccccc") == minimal)
            #expect(try await store.key(id: "missing") == nil)
        },
        .init(name: "a key is revoked once, at its first revocation") { store in
            try await store.insertKey(key("k1"))
            #expect(try await store.revokeKey(id: "k1", at: now.addingTimeInterval(5)))
            #expect(try await store.revokeKey(id: "k1", at: now.addingTimeInterval(9)))
            #expect(try await store.key(id: "k1")?.revokedAt == now.addingTimeInterval(5))
            #expect(try await !store.revokeKey(id: "missing", at: now))
        },
        .init(name: "rotation keeps the old secret only for its grace, and never on a revoked key") { store in
            try await store.insertKey(key("k1"))
            #expect(try await store.rotateKey(id: "k1", secretHash: Data("new".utf8), previousValidUntil: now.addingTimeInterval(60)))
            var rotated = try #require(try await store.key(id: "k1"))
            #expect(rotated.secretHash == Data("new".utf8) && rotated.previousSecretHash == Data("hash-k1".utf8))
            #expect(rotated.previousSecretExpiresAt == now.addingTimeInterval(60))
            #expect(try await store.rotateKey(id: "k1", secretHash: Data("newer".utf8), previousValidUntil: nil))
            rotated = try #require(try await store.key(id: "k1"))
            #expect(rotated.secretHash == Data("newer".utf8) && rotated.previousSecretHash == nil)
            #expect(rotated.previousSecretExpiresAt == nil)
            _ = try await store.revokeKey(id: "k1", at: now)
            #expect(try await !store.rotateKey(id: "k1", secretHash: Data("x".utf8), previousValidUntil: nil))
            #expect(try await !store.rotateKey(id: "missing", secretHash: Data("x".utf8), previousValidUntil: nil))
        },
        .init(name: "an update changes what a key may do, never its secret, and never a revoked key") { store in
            try await store.insertKey(key("k1"))
            var changed = try #require(try await store.key(id: "k1"))
            (changed.name, changed.role, changed.locations) = ("renamed", "editor", ["loc-a", "loc-b"])
            (changed.rate, changed.burst, changed.expiresAt) = ("5/s", 7, now.addingTimeInterval(3600))
            changed.secretHash = Data("not-stored".utf8)
            #expect(try await store.updateKey(changed))
            let stored = try #require(try await store.key(id: "k1"))
            #expect(stored.name == "renamed" && stored.role == "editor" && stored.locations == ["loc-a", "loc-b"])
            #expect(stored.rate == "5/s" && stored.burst == 7 && stored.expiresAt == now.addingTimeInterval(3600))
            #expect(stored.secretHash == Data("hash-k1".utf8))
            (changed.locations, changed.rate, changed.burst, changed.expiresAt) = (nil, nil, nil, nil)
            #expect(try await store.updateKey(changed))
            let unset = try #require(try await store.key(id: "k1"))
            #expect(unset.locations == nil && unset.rate == nil && unset.burst == nil && unset.expiresAt == nil)
            _ = try await store.revokeKey(id: "k1", at: now)
            changed.name = "after revocation"
            #expect(try await !store.updateKey(changed))
            #expect(try await store.key(id: "k1")?.name == "renamed")
            changed.id = "missing"
            #expect(try await !store.updateKey(changed))
        },
        .init(name: "last-used times never move backwards") { store in
            try await store.insertKey(key("k1"))
            try await store.recordLastUsed(["k1": now.addingTimeInterval(10), "missing": now])
            try await store.recordLastUsed(["k1": now.addingTimeInterval(5)])
            #expect(try await store.key(id: "k1")?.lastUsedAt == now.addingTimeInterval(10))
        },
        .init(name: "roles: one of each name, deleted only when no unrevoked key has them") { store in
            #expect(try await store.insertRole(Role(name: "support", scopes: [.contactsReadonly, .auditRead]), at: now))
            #expect(try await !store.insertRole(Role(name: "support", scopes: [.contactsWrite]), at: now))
            #expect(try await store.insertRole(Role(name: "alpha", scopes: [.keysManage]), at: now))
            let roles = try await store.customRoles()
            #expect(roles.map(\.name) == ["alpha", "support"])
            #expect(roles.last?.scopes == [.contactsReadonly, .auditRead] && roles.allSatisfy { !$0.builtIn })
            try await store.insertKey(key("k1", role: "support"))
            try await store.insertKey(key("k2", role: "support", createdAt: now.addingTimeInterval(1)))
            #expect(try await store.deleteRole(name: "support") == .inUse(keyIds: ["k1", "k2"]))
            _ = try await store.revokeKey(id: "k1", at: now)
            _ = try await store.revokeKey(id: "k2", at: now)
            #expect(try await store.deleteRole(name: "support") == .deleted)
            #expect(try await store.deleteRole(name: "support") == .notFound)
            #expect(try await store.customRoles().map(\.name) == ["alpha"])
        },
        .init(name: "connections: saving bumps the generation, tokens come back in clear") { store in
            let first = try await store.save(connection())
            #expect(first.generation == 1)
            #expect(try await store.connection(locationId: "loc-1") == first)
            let replaced = try await store.save(connection(access: "access-2"))
            #expect(replaced.generation == 2 && replaced.accessToken == "access-2")
            _ = try await store.save(connection("loc-0"))
            #expect(try await store.connections().map(\.locationId) == ["loc-0", "loc-1"])
            #expect(try await store.connection(locationId: "nowhere") == nil)
            #expect(try await store.removeConnection(locationId: "loc-0"))
            #expect(try await !store.removeConnection(locationId: "loc-0"))
        },
        .init(name: "a refresh commits only over the generation it read") { store in
            let first = try await store.save(connection())
            var next = first
            (next.accessToken, next.refreshToken, next.generation) = ("access-2", "refresh-2", 2)
            #expect(try await store.commitRefresh(next, expectedGeneration: 1))
            var stale = first
            (stale.refreshToken, stale.generation) = ("refresh-stale", 2)
            #expect(try await !store.commitRefresh(stale, expectedGeneration: 1))
            #expect(try await store.connection(locationId: "loc-1")?.refreshToken == "refresh-2")
            #expect(try await !store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 1, detail: "x"))
            #expect(try await store.markNeedsAuthorization(locationId: "loc-1", expectedGeneration: 2, detail: "refused"))
            let dead = try #require(try await store.connection(locationId: "loc-1"))
            #expect(dead.status == .needsAuthorization && dead.statusDetail == "refused")
            #expect(dead.refreshToken == "refresh-2" && dead.generation == 2)
            // A later refresh (a new authorization's) makes it active again.
            var revived = dead
            (revived.generation, revived.status) = (3, .active)
            #expect(try await store.commitRefresh(revived, expectedGeneration: 2))
            let active = try #require(try await store.connection(locationId: "loc-1"))
            #expect(active.status == .active && active.statusDetail == nil)
        },
        .init(name: "a refresh is claimed by one attempt per generation, until it finishes or its lease ends") { store in
            _ = try await store.save(connection())
            let first = RefreshAttempt(
                id: "a1", locationId: "loc-1", generation: 1, tokenHash: RefreshAttempt.hash(refreshToken: "refresh-1"),
                node: "n1", startedAt: now, leaseUntil: now.addingTimeInterval(30))
            #expect(try await store.claimRefresh(first, now: now) == .granted)
            var second = first
            (second.id, second.node, second.startedAt, second.leaseUntil) = ("a2", "n2", now.addingTimeInterval(31), now.addingTimeInterval(61))
            #expect(try await store.claimRefresh(second, now: now.addingTimeInterval(1)) == .held(by: first))
            // The first node died in its call: once its lease is over, another may try.
            #expect(try await store.claimRefresh(second, now: now.addingTimeInterval(31)) == .granted)
            var third = second
            (third.id, third.startedAt) = ("a3", now.addingTimeInterval(32))
            #expect(try await store.claimRefresh(third, now: now.addingTimeInterval(32)) == .held(by: second))
            try await store.finishRefresh(id: "a2", outcome: .failed, at: now.addingTimeInterval(33))
            #expect(try await store.claimRefresh(third, now: now.addingTimeInterval(34)) == .granted)
            try await store.finishRefresh(id: "a3", outcome: .rotated, at: now.addingTimeInterval(35))
            let attempts = try await store.refreshAttempts(locationId: "loc-1", limit: 10)
            #expect(attempts.map(\.id) == ["a3", "a2", "a1"])
            #expect(attempts.map(\.outcome) == [.rotated, .failed, nil])
            #expect(attempts[1].finishedAt == now.addingTimeInterval(33) && attempts[2].node == "n1")
            #expect(attempts.allSatisfy { $0.tokenHash == first.tokenHash && $0.generation == 1 })
            #expect(try await store.refreshAttempts(locationId: "loc-1", limit: 1).map(\.id) == ["a3"])
            // A claim over a generation that moved on, or on no connection, is told to read the store again.
            var next = try #require(try await store.connection(locationId: "loc-1"))
            (next.refreshToken, next.generation) = ("refresh-2", 2)
            #expect(try await store.commitRefresh(next, expectedGeneration: 1))
            var late = first
            late.id = "a4"
            #expect(try await store.claimRefresh(late, now: now.addingTimeInterval(40)) == .superseded)
            late.locationId = "nowhere"
            #expect(try await store.claimRefresh(late, now: now.addingTimeInterval(40)) == .superseded)
            #expect(try await store.refreshAttempts(locationId: "nowhere", limit: 10).isEmpty)
        },
        .init(name: "an authorization state is used once, and not after it expires") { store in
            try await store.insertAuthorizationState(
                .init(stateHash: "s1", locationId: "loc-a", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            try await store.insertAuthorizationState(.init(stateHash: "s2", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 { group.addTask { try await store.consumeAuthorizationState(hash: "s1", now: now) != nil } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
            #expect(try await store.consumeAuthorizationState(hash: "unknown", now: now) == nil)
            #expect(try await store.consumeAuthorizationState(hash: "s2", now: now.addingTimeInterval(61)) == nil)
            try await store.insertAuthorizationState(
                .init(stateHash: "s3", locationId: "loc-b", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            let used = try await store.consumeAuthorizationState(hash: "s3", now: now)
            #expect(used == AuthorizationState(stateHash: "s3", locationId: "loc-b", createdAt: now, expiresAt: now.addingTimeInterval(60)))
        },
        .init(name: "a console session reads back by its hash until it expires or is deleted") { store in
            let session = ConsoleSession(
                tokenHash: ConsoleSession.hash("token-1"), keyId: "k1", createdAt: now,
                expiresAt: now.addingTimeInterval(ConsoleSessions.lifetime))
            try await store.insertConsoleSession(session)
            try await store.insertConsoleSession(
                .init(tokenHash: "h2", keyId: "k2", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            #expect(try await store.consoleSession(tokenHash: session.tokenHash, now: now) == session)
            #expect(try await store.consoleSession(tokenHash: "token-1", now: now) == nil, "looked up by hash only")
            #expect(try await store.consoleSession(tokenHash: "h2", now: now.addingTimeInterval(60)) == nil)
            #expect(try await store.consoleSession(tokenHash: "unknown", now: now) == nil)
            #expect(try await store.deleteConsoleSession(tokenHash: session.tokenHash))
            #expect(try await !store.deleteConsoleSession(tokenHash: session.tokenHash))
            #expect(try await store.consoleSession(tokenHash: session.tokenHash, now: now) == nil)
            // The other session is untouched by the deletion.
            #expect(try await store.consoleSession(tokenHash: "h2", now: now)?.keyId == "k2")
        },
        .init(name: "a new console session clears those over for more than a day") { store in
            try await store.insertConsoleSession(
                .init(tokenHash: "old", keyId: "k1", createdAt: now, expiresAt: now.addingTimeInterval(60)))
            let later = now.addingTimeInterval(2 * 86_400)
            try await store.insertConsoleSession(
                .init(tokenHash: "new", keyId: "k1", createdAt: later, expiresAt: later.addingTimeInterval(60)))
            #expect(try await !store.deleteConsoleSession(tokenHash: "old"), "the old session was cleared")
            #expect(try await store.consoleSession(tokenHash: "new", now: later)?.keyId == "k1")
        },
    ]
}
