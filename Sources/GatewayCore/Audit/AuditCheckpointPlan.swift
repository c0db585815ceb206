/// Whether a gateway signs a checkpoint now, decided from what the store holds: a value, so every case is tested
/// without a store or a clock.
///
/// A log must never sign a state that contradicts what it signed before (tlog-checkpoint): if the record the latest
/// checkpoint pinned no longer has its hash, or records it covered are gone, signing now would bless the tampering.
/// The gateway refuses, says why, and leaves the evidence for `audit verify`.
public enum AuditCheckpointPlan: Sendable, Equatable {
    /// The trail holds no record yet: nothing to pin.
    case empty
    /// The latest checkpoint already signs this state.
    case unchanged
    case sign(AuditCheckpoint)
    case refuse(String)

    /// What the store holds now.
    public struct Trail: Sendable, Equatable {
        /// The last record's seq (or, when every record was pruned, the prune boundary's).
        public var seq: Int64
        public var hash: String
        /// The prune boundary: records 1…`pruned` are gone by `audit prune` (0: none).
        public var pruned: Int64

        public init(seq: Int64, hash: String, pruned: Int64) {
            self.seq = seq
            self.hash = hash
            self.pruned = pruned
        }
    }

    /// The checkpoint written last, as the store holds it.
    public struct Latest: Sendable {
        public var id: Int64
        /// nil when its text is not a checkpoint; `verdict` then says nothing.
        public var checkpoint: AuditCheckpoint?
        public var verdict: AuditCheckpointKey.Verdict
        /// The hash the trail holds now at the checkpoint's seq (a record's, or the prune boundary's); nil if none.
        public var hashNow: String?

        public init(id: Int64, checkpoint: AuditCheckpoint?, verdict: AuditCheckpointKey.Verdict, hashNow: String?) {
            self.id = id
            self.checkpoint = checkpoint
            self.verdict = verdict
            self.hashNow = hashNow
        }
    }

    /// - Parameter boundarySigned: whether a checkpoint signed at the prune boundary (seq = pruned = `trail.pruned`,
    ///   with its hash) verifies: a boundary that moved since `latest` must have one.
    public static func decide(
        trail: Trail, latest: Latest?, boundarySigned: Bool, node: String, nowMs: Int64
    ) -> AuditCheckpointPlan {
        guard trail.seq > 0 else { return .empty }
        guard AuditCheckpoint.bytes(ofHex: trail.hash) != nil else {
            return .refuse("record \(trail.seq)'s hash '\(trail.hash.prefix(70))' is not 64 hex digits")
        }
        let next = AuditCheckpoint(seq: trail.seq, hash: trail.hash, node: node, timeMs: nowMs, pruned: trail.pruned)
        guard let latest else { return .sign(next) }
        let name = "checkpoint #\(latest.id)"
        guard let signed = latest.checkpoint else { return .refuse("\(name) is not a well-formed checkpoint") }
        switch latest.verdict {
        case .verified: break
        case .notSigned: return .refuse("\(name) is not signed by this gateway's key")
        case .invalid: return .refuse("\(name)'s signature does not verify")
        }
        if signed.seq > trail.seq {
            let missing = trail.seq + 1 == signed.seq
                ? "record \(signed.seq), which \(name) signed, is" : "records \(trail.seq + 1)…\(signed.seq), which \(name) signed, are"
            return .refuse("\(missing) missing")
        }
        if signed.pruned > trail.pruned {
            return .refuse("\(name) was signed with records through \(signed.pruned) pruned; the trail now says \(trail.pruned)")
        }
        if signed.pruned < trail.pruned, !boundarySigned {
            return .refuse("the prune checkpoint at record \(trail.pruned) is not signed")
        }
        if signed.seq >= trail.pruned, latest.hashNow != signed.hash {
            return .refuse("record \(signed.seq) no longer has the hash \(name) signed")
        }
        if signed.seq == trail.seq, signed.hash == trail.hash, signed.pruned == trail.pruned { return .unchanged }
        return .sign(next)
    }

    /// Whether one of `notes` (the checkpoints filed at the prune boundary's seq) signs the boundary itself: its
    /// seq as the pruned count, its hash, and a signature that verifies with `key`. What `boundarySigned` asks.
    public static func signsBoundary(
        _ notes: some Sequence<String>, boundary: (seq: Int64, hash: String), key: AuditCheckpointKey
    ) -> Bool {
        notes.contains { note in
            guard let signed = try? SignedAuditCheckpoint(parsing: note) else { return false }
            let checkpoint = signed.checkpoint
            return checkpoint.pruned == boundary.seq && checkpoint.hash == boundary.hash
                && key.verify(signed.note) == .verified
        }
    }
}
