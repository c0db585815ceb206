import Foundation
import GatewayCore
import Synchronization

/// The trail in memory, with the SQLite store's semantics: one chain, a prune boundary, signed checkpoints filed by
/// the seq they cover. Everything under the store's one lock, so each call sees one consistent state.
extension InMemoryStore: AuditRepository {
    struct AuditState {
        var records: [AuditRecord] = []
        /// The last pruned record's seq and hash.
        var boundary: (seq: Int64, hash: String)?
        var checkpoints: [(id: Int64, seq: Int64, note: String)] = []
        var nextCheckpointId: Int64 = 1

        var tail: (seq: Int64, hash: String) {
            if let last = records.last { return (last.seq, last.hash) }
            return boundary ?? (0, AuditChain.genesis)
        }

        func hash(at seq: Int64) -> String? {
            if seq == 0 { return AuditChain.genesis }
            if let boundary, boundary.seq == seq { return boundary.hash }
            return records.first { $0.seq == seq }?.hash
        }

        mutating func insert(_ note: SignedNote, seq: Int64) -> Int64 {
            let id = nextCheckpointId
            nextCheckpointId += 1
            checkpoints.append((id, seq, note.rendered))
            return id
        }

        /// The chain through `lastSeq` (all of it when `nil`) and its checkpoints, into `verifier`.
        func walk(through lastSeq: Int64?, external: AuditTrailVerifier.Input?, into verifier: inout AuditTrailVerifier) throws {
            let limit = lastSeq ?? .max
            var records = self.records.lazy.filter { $0.seq <= limit }.makeIterator()
            var checkpoints = self.checkpoints.filter { $0.seq <= limit }.sorted { ($0.seq, $0.id) < ($1.seq, $1.id) }
                .map { AuditTrailVerifier.Input(source: .stored(id: $0.id), filedSeq: $0.seq, note: $0.note) }
                .makeIterator()
            var walk = try AuditTrailWalk(
                records: { records.next() }, checkpoints: { checkpoints.next() }, external: external)
            try walk.run(into: &verifier)
        }

        func isSignedBoundary(key: AuditCheckpointKey) -> Bool {
            guard let boundary else { return true }
            let notes = checkpoints.filter { $0.seq == boundary.seq }.map(\.note)
            return AuditCheckpointPlan.signsBoundary(notes, boundary: boundary, key: key)
        }
    }

    public func appendAudit(_ events: [AuditRecord]) throws {
        audit.withLock { trail in
            var (seq, prevHash) = trail.tail
            for event in events {
                seq += 1
                let record = event.chained(seq: seq, prevHash: prevHash)
                trail.records.append(record)
                prevHash = record.hash
            }
        }
    }

    public func probeAuditWritable() async throws {}

    public func auditRecords(
        matching query: AuditQuery, afterSeq: Int64?, beforeSeq: Int64?, ascending: Bool, limit: Int
    ) async throws -> [AuditRecord] {
        audit.withLock { trail in
            let matching = trail.records.filter { r in
                (query.keyId.map { r.keyId == $0 } ?? true) && (query.locationId.map { r.locationId == $0 } ?? true)
                    && (query.contactId.map { r.contactId == $0 } ?? true) && (query.route.map { r.route == $0 } ?? true)
                    && (query.outcome.map { r.outcome == $0.rawValue } ?? true)
                    && (query.status.map { r.status == $0 } ?? true) && (query.sinceMs.map { r.timeMs >= $0 } ?? true)
                    && (query.untilMs.map { r.timeMs < $0 } ?? true) && (afterSeq.map { r.seq > $0 } ?? true)
                    && (beforeSeq.map { r.seq < $0 } ?? true)
            }
            return Array((ascending ? matching : matching.reversed()).prefix(max(0, limit)))
        }
    }

    public func verifyAudit(key: AuditCheckpointKey, external: AuditTrailVerifier.Input?) async throws
        -> AuditVerification
    {
        try audit.withLock { trail in
            var verifier = AuditTrailVerifier(key: key, boundary: trail.boundary)
            var failure: AuditTrailVerifier.Failure?
            do {
                try trail.walk(through: nil, external: external, into: &verifier)
                try verifier.finish()
            } catch let broken as AuditTrailVerifier.Failure {
                failure = broken
            }
            return AuditVerification(
                checked: verifier.checked, firstFailure: failure, lastSeq: verifier.lastSeq,
                checkpointSeq: trail.boundary?.seq, checkpointsChecked: verifier.checkpointsChecked,
                signedSeq: verifier.signedSeq)
        }
    }

    public func pruneAudit(beforeMs: Int64, nowMs: Int64, signer: AuditCheckpointSigner, node: String) async throws
        -> Int
    {
        try audit.withLock { trail in
            let lastPruned = trail.records.first { $0.timeMs >= beforeMs }.map { $0.seq - 1 } ?? trail.records.last?.seq
            guard let lastPruned, lastPruned > (trail.boundary?.seq ?? 0) else { return 0 }
            var verifier = AuditTrailVerifier(key: signer.publicKey, boundary: trail.boundary)
            do {
                try trail.walk(through: lastPruned, external: nil, into: &verifier)
                try verifier.finish()
            } catch let broken as AuditTrailVerifier.Failure {
                throw AuditPruneRefused(failure: broken)
            }
            guard verifier.checked > 0 else { return 0 }
            let hash = verifier.lastHash
            let note = try signer.sign(
                AuditCheckpoint(seq: lastPruned, hash: hash, node: node, timeMs: nowMs, pruned: lastPruned))
            trail.records.removeAll { $0.seq <= lastPruned }
            trail.boundary = (lastPruned, hash)
            _ = trail.insert(note, seq: lastPruned)
            trail.checkpoints.removeAll { $0.seq < lastPruned }
            return verifier.checked
        }
    }

    public func signAuditCheckpoint(signer: AuditCheckpointSigner, node: String, nowMs: Int64) async throws
        -> AuditCheckpointRound
    {
        try audit.withLock { trail in
            let (seq, hash) = trail.tail
            let current = AuditCheckpointPlan.Trail(seq: seq, hash: hash, pruned: trail.boundary?.seq ?? 0)
            let latest = trail.checkpoints.max { $0.id < $1.id }.map { entry in
                let signed = try? SignedAuditCheckpoint(parsing: entry.note)
                return AuditCheckpointPlan.Latest(
                    id: entry.id, checkpoint: signed?.checkpoint,
                    verdict: signed.map { signer.publicKey.verify($0.note) } ?? .invalid,
                    hashNow: signed.flatMap { trail.hash(at: $0.checkpoint.seq) })
            }
            let plan = AuditCheckpointPlan.decide(
                trail: current, latest: latest, boundarySigned: trail.isSignedBoundary(key: signer.publicKey),
                node: node, nowMs: nowMs)
            guard case .sign(let checkpoint) = plan else { return AuditCheckpointRound(plan: plan, id: nil) }
            return AuditCheckpointRound(plan: plan, id: trail.insert(try signer.sign(checkpoint), seq: checkpoint.seq))
        }
    }

    public func latestAuditCheckpoint(key: AuditCheckpointKey) async throws -> StoredAuditCheckpoint? {
        let entry = audit.withLock { $0.checkpoints.max { ($0.seq, $0.id) < ($1.seq, $1.id) } }
        return try entry.map { try StoredAuditCheckpoint(id: $0.id, note: $0.note, key: key) }
    }

    public func auditCheckpoints() async throws -> [(id: Int64, note: String)] {
        audit.withLock { $0.checkpoints.map { ($0.id, $0.note) } }
    }
}
