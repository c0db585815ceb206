import Foundation
import GatewayCore
import Testing

/// The walk that holds records to the chain and to signed checkpoints, fed by hand: every way it fails, in memory.
@Suite struct AuditTrailVerifierTests {
    let signer = AuditCheckpointSigner(secret: GatewaySecret.generate())
    let records: [AuditRecord]

    init() {
        var records: [AuditRecord] = []
        var previous = AuditChain.genesis
        for seq in 1...10 {
            let record = AuditChainTests.event("r\(seq)").chained(seq: Int64(seq), prevHash: previous)
            records.append(record)
            previous = record.hash
        }
        self.records = records
    }

    func note(at seq: Int64, pruned: Int64 = 0, hash: String? = nil, by signer: AuditCheckpointSigner? = nil) throws
        -> String
    {
        let checkpoint = AuditCheckpoint(
            seq: seq, hash: hash ?? records[Int(seq) - 1].hash, node: "gw-1", timeMs: 1_800_000_000_000, pruned: pruned)
        return try (signer ?? self.signer).sign(checkpoint).rendered
    }

    func stored(_ id: Int64, _ note: String, filed: Int64? = nil) throws -> AuditTrailVerifier.Input {
        let seq = try SignedAuditCheckpoint(parsing: note).checkpoint.seq
        return .init(source: .stored(id: id), filedSeq: filed ?? seq, note: note)
    }

    /// Walks `records` (from after `boundary`) and `checkpoints` as the store does: each checkpoint before the record
    /// at its seq.
    func walk(
        _ records: [AuditRecord], _ checkpoints: [AuditTrailVerifier.Input], boundary: (seq: Int64, hash: String)? = nil
    ) throws(AuditTrailVerifier.Failure) -> AuditTrailVerifier {
        var verifier = AuditTrailVerifier(key: signer.publicKey, boundary: boundary)
        var queue = checkpoints.sorted { ($0.filedSeq ?? 0) < ($1.filedSeq ?? 0) }[...]
        for record in records {
            while let next = queue.first, (next.filedSeq ?? 0) <= record.seq {
                try verifier.check(next)
                queue.removeFirst()
            }
            try verifier.check(record)
        }
        for next in queue { try verifier.check(next) }
        try verifier.finish()
        return verifier
    }

    func failure(
        _ records: [AuditRecord], _ checkpoints: [AuditTrailVerifier.Input], boundary: (seq: Int64, hash: String)? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> AuditTrailVerifier.Failure? {
        do {
            _ = try walk(records, checkpoints, boundary: boundary)
            Issue.record("verified", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func anHonestTrailHoldsWithItsCheckpoints() throws {
        let verifier = try walk(records, [try stored(1, note(at: 5)), try stored(2, note(at: 10))])
        #expect(verifier.checked == 10 && verifier.checkpointsChecked == 2 && verifier.signedSeq == 10)
        // Records after the last checkpoint are only chained, not yet signed: that is not a failure.
        let partly = try walk(records, [try stored(1, note(at: 7))])
        #expect(partly.signedSeq == 7 && partly.lastSeq == 10)
    }

    @Test func recordsCutFromTheEndOrAllOfThemFail() throws {
        let checkpoints = [try stored(1, note(at: 5)), try stored(2, note(at: 10))]
        let cut = try #require(failure(Array(records.prefix(8)), checkpoints))
        #expect(cut.seq == 9 && cut.checkpoint?.source == .stored(id: 2))
        #expect(cut.description.hasPrefix("the audit trail is cut at record 9: records 9…10 are missing"), "\(cut)")
        let none = try #require(failure([], checkpoints))
        #expect(none.seq == 1 && none.description.contains("records 1…5 are missing"), "\(none)")
    }

    @Test func aRecomputedChainFailsAtTheFirstCheckpointItContradicts() throws {
        var forged = records
        forged[2].path = "/elsewhere"
        for index in 2..<forged.count {
            if index > 2 { forged[index].prevHash = forged[index - 1].hash }
            forged[index].hash = AuditChain.hash(of: forged[index])
        }
        let failure = try #require(failure(forged, [try stored(1, note(at: 5)), try stored(2, note(at: 10))]))
        #expect(failure.seq == 5 && failure.checkpoint?.source == .stored(id: 1))
        #expect(failure.description.hasPrefix("record 5 does not match checkpoint #1 (record 5, signed by gw-1"), "\(failure)")
    }

    @Test func checkpointsNotSignedByThisGatewayFail() throws {
        let other = AuditCheckpointSigner(secret: GatewaySecret.generate())
        let foreign = try #require(failure(records, [try stored(3, note(at: 5, by: other))]))
        #expect(foreign.description.contains("checkpoint #3 (record 5") && foreign.description.contains("not signed by this gateway's key"))
        let edited = try note(at: 5).replacingOccurrences(of: "\n5\n", with: "\n6\n")
        let changed = try #require(failure(records, [.init(source: .file("saved.json"), filedSeq: nil, note: edited)]))
        #expect(changed.description.contains("the checkpoint in saved.json (record 6") && changed.description.contains("does not verify"))
        let garbage = try #require(failure(records, [.init(source: .stored(id: 4), filedSeq: 2, note: "junk")]))
        #expect(garbage.description.hasPrefix("checkpoint #4 fails: it is not a well-formed signed checkpoint"), "\(garbage)")
        let refiled = try #require(failure(records, [try stored(5, note(at: 5), filed: 4)]))
        #expect(refiled.description.contains("filed under record 4"), "\(refiled)")
    }

    @Test func aPruneBoundaryHoldsWhenSignedOrWhenNoCheckpointShowsAnEarlierOne() throws {
        let boundary = (seq: Int64(4), hash: records[3].hash)
        let kept = Array(records.dropFirst(4))
        // Signed at the prune: holds, alongside checkpoints signed before it.
        _ = try walk(kept, [try stored(1, note(at: 8)), try stored(2, note(at: 4, pruned: 4))], boundary: boundary)
        // Pruned before checkpoints existed: every checkpoint was signed with it in place.
        _ = try walk(kept, [try stored(1, note(at: 8, pruned: 4))], boundary: boundary)
        _ = try walk(kept, [], boundary: boundary)
        // Not signed, and a checkpoint shows the trail unpruned: the oldest records were deleted, the boundary forged.
        let forged = try #require(failure(kept, [try stored(1, note(at: 8))], boundary: boundary))
        #expect(forged.seq == 1 && forged.checkpoint?.source == .stored(id: 1))
        #expect(forged.description.hasPrefix("the prune checkpoint at record 4 is not signed"), "\(forged)")
        #expect(forged.description.contains("records 1…4 are missing"), "\(forged)")
        // Signed at the boundary, but with another hash than the boundary holds.
        let wrong = (seq: Int64(4), hash: records[2].hash)
        let mismatch = try #require(failure(kept, [try stored(2, note(at: 4, pruned: 4))], boundary: wrong))
        #expect(mismatch.description.hasPrefix("the prune checkpoint at record 4 does not match checkpoint #2"), "\(mismatch)")
    }
}
