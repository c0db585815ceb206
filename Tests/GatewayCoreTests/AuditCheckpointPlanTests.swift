import GatewayCore
import Testing

/// When a gateway signs: only a state that changed, and never one that contradicts what it signed before.
@Suite struct AuditCheckpointPlanTests {
    static let h5 = String(repeating: "5", count: 64)
    static let h9 = String(repeating: "9", count: 64)
    static let now: Int64 = 1_800_000_000_000

    static func latest(
        seq: Int64, hash: String, pruned: Int64 = 0, verdict: AuditCheckpointKey.Verdict = .verified,
        hashNow: String?
    ) -> AuditCheckpointPlan.Latest {
        .init(id: 7, checkpoint: AuditCheckpoint(seq: seq, hash: hash, node: "gw-1", timeMs: now - 60_000, pruned: pruned),
              verdict: verdict, hashNow: hashNow)
    }

    static func decide(
        _ trail: AuditCheckpointPlan.Trail, _ latest: AuditCheckpointPlan.Latest?, boundarySigned: Bool = true
    ) -> AuditCheckpointPlan {
        AuditCheckpointPlan.decide(trail: trail, latest: latest, boundarySigned: boundarySigned, node: "gw-2", nowMs: now)
    }

    @Test func signsAChangedTrailAndNothingElse() {
        let trail = AuditCheckpointPlan.Trail(seq: 9, hash: Self.h9, pruned: 0)
        #expect(Self.decide(.init(seq: 0, hash: AuditChain.genesis, pruned: 0), nil) == .empty)
        let first = AuditCheckpoint(seq: 9, hash: Self.h9, node: "gw-2", timeMs: Self.now, pruned: 0)
        #expect(Self.decide(trail, nil) == .sign(first))
        #expect(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, hashNow: Self.h5)) == .sign(first))
        #expect(Self.decide(trail, Self.latest(seq: 9, hash: Self.h9, hashNow: Self.h9)) == .unchanged)
        // A prune since: the same head, a new boundary, signed again so the latest says so.
        let pruned = AuditCheckpointPlan.Trail(seq: 9, hash: Self.h9, pruned: 5)
        #expect(Self.decide(pruned, Self.latest(seq: 5, hash: Self.h5, pruned: 5, hashNow: Self.h5))
            == .sign(AuditCheckpoint(seq: 9, hash: Self.h9, node: "gw-2", timeMs: Self.now, pruned: 5)))
        // Everything pruned: the head is the boundary, which the prune signed.
        let all = AuditCheckpointPlan.Trail(seq: 9, hash: Self.h9, pruned: 9)
        #expect(Self.decide(all, Self.latest(seq: 9, hash: Self.h9, pruned: 9, hashNow: Self.h9)) == .unchanged)
    }

    @Test func refusesToSignOverWhatContradictsTheLatestCheckpoint() {
        let trail = AuditCheckpointPlan.Trail(seq: 9, hash: Self.h9, pruned: 0)
        func refused(_ plan: AuditCheckpointPlan, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard case .refuse(let reason) = plan else {
                Issue.record("not refused: \(plan)", sourceLocation: sourceLocation)
                return
            }
            #expect(reason.contains(fragment), "\(reason)", sourceLocation: sourceLocation)
        }
        // Records after a signed one were cut, or it was changed and the chain recomputed.
        refused(Self.decide(trail, Self.latest(seq: 12, hash: Self.h5, hashNow: nil)), "records 10…12")
        refused(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, hashNow: String(repeating: "6", count: 64))),
                "record 5 no longer")
        refused(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, hashNow: nil)), "record 5 no longer")
        // The latest is not this gateway's, or not intact.
        refused(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, verdict: .notSigned(keyIDs: [1]), hashNow: Self.h5)),
                "not signed by this gateway's key")
        refused(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, verdict: .invalid, hashNow: Self.h5)), "does not verify")
        refused(Self.decide(trail, .init(id: 3, checkpoint: nil, verdict: .invalid, hashNow: nil)), "well-formed")
        // A boundary that moved without a signed prune, or moved back.
        let forged = AuditCheckpointPlan.Trail(seq: 9, hash: Self.h9, pruned: 4)
        refused(Self.decide(forged, Self.latest(seq: 5, hash: Self.h5, hashNow: Self.h5), boundarySigned: false),
                "prune checkpoint at record 4 is not signed")
        refused(Self.decide(trail, Self.latest(seq: 5, hash: Self.h5, pruned: 2, hashNow: Self.h5)), "pruned")
        // A head that is not a hash at all.
        refused(Self.decide(.init(seq: 9, hash: "x", pruned: 0), nil), "64 hex digits")
    }
}
