/// Checks the trail against its hash chain and against every signed checkpoint, one item at a time, so that any
/// number of records and checkpoints is checked in constant memory.
///
/// The chain alone cannot show records cut from its end, or a chain recomputed from a changed record on; a checkpoint
/// signed with the gateway's key can. Feed it in `seq` order: for each record, first every checkpoint whose seq is at
/// most the record's, then the record; then the checkpoints left; then ``finish()``.
///
/// A prune boundary (records 1…b deleted by `audit prune`) holds when a checkpoint signed at it (seq = pruned = b)
/// verifies. A trail pruned before checkpoints were signed has none; its boundary is accepted as long as no checkpoint
/// shows an earlier one, since then every checkpoint was signed with that boundary already in place.
public struct AuditTrailVerifier: Sendable {
    public enum Source: Sendable, Equatable {
        /// A row of the store's checkpoint table.
        case stored(id: Int64)
        /// A checkpoint kept elsewhere (`audit verify --checkpoint FILE`).
        case file(String)
    }

    /// A checkpoint as it is read: where from, the seq the store filed it under (nil for a file), and its note.
    public struct Input: Sendable {
        public var source: Source
        public var filedSeq: Int64?
        public var note: String

        public init(source: Source, filedSeq: Int64?, note: String) {
            self.source = source
            self.filedSeq = filedSeq
            self.note = note
        }
    }

    /// The checkpoint a result names.
    public struct Reference: Sendable, Equatable {
        public var source: Source
        /// nil when its text could not be read as a checkpoint.
        public var checkpoint: AuditCheckpoint?

        public var label: String {
            let name = switch source {
            case .stored(let id): "checkpoint #\(id)"
            case .file(let path): "the checkpoint in \(path)"
            }
            guard let checkpoint else { return name }
            return "\(name) (record \(checkpoint.seq), signed by \(checkpoint.node) at \(checkpoint.time))"
        }
    }

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The first record that fails or is missing, when there is one to name.
        public var seq: Int64?
        /// The checkpoint that fails, or that the trail fails to match.
        public var checkpoint: Reference?
        /// Why, in a sentence that stands on its own.
        public var reason: String
        /// One line: what fails, then why.
        public var description: String
    }

    private var chain: AuditVerifier
    private let key: AuditCheckpointKey
    private let boundary: (seq: Int64, hash: String)?
    /// Verified checkpoints past the last record checked, in seq order, waiting for the record at their seq.
    private var pending: [Reference] = []
    /// The verified checkpoint signed with the fewest records pruned.
    private var earliestBoundary: (pruned: Int64, reference: Reference)?
    private var boundarySigned = false

    /// Checkpoints whose signature verified.
    public private(set) var checkpointsChecked = 0
    /// The highest seq a verified checkpoint covers.
    public private(set) var signedSeq: Int64?

    public var checked: Int { chain.checked }
    /// The last record checked (the prune boundary when none was).
    public var lastSeq: Int64 { chain.expectedSeq - 1 }
    /// The hash at `lastSeq`.
    public var lastHash: String { chain.lastHash }

    /// - Parameter boundary: the prune checkpoint (the last pruned record's seq and hash), if any.
    public init(key: AuditCheckpointKey, boundary: (seq: Int64, hash: String)?) {
        self.key = key
        self.boundary = boundary
        chain = AuditVerifier(after: boundary)
    }

    public mutating func check(_ input: Input) throws(Failure) {
        let unread = Reference(source: input.source, checkpoint: nil)
        let signed: SignedAuditCheckpoint
        do {
            signed = try SignedAuditCheckpoint(parsing: input.note)
        } catch {
            throw Self.failure(unread, "it is not a well-formed signed checkpoint: \(error.description)")
        }
        let checkpoint = signed.checkpoint
        let reference = Reference(source: input.source, checkpoint: checkpoint)
        if let filed = input.filedSeq, filed != checkpoint.seq {
            throw Self.failure(reference, "it is filed under record \(filed), but its signed text says \(checkpoint.seq) (edited)")
        }
        switch key.verify(signed.note) {
        case .verified: break
        case .notSigned(let keyIDs):
            let others = keyIDs.map(AuditCheckpointKey.hex).joined(separator: ", ")
            throw Self.failure(reference, "it is not signed by this gateway's key \(key.name)+\(key.keyIDHex) (only by key ID "
                + "\(others)): signed with another gateway secret, or forged")
        case .invalid:
            throw Self.failure(reference, "its signature does not verify with this gateway's public key (its text was "
                + "changed, or it was forged)")
        }
        guard checkpoint.origin == key.name else {
            throw Self.failure(reference, "its origin '\(checkpoint.origin)' is not this trail's (\(key.name))")
        }
        checkpointsChecked += 1
        signedSeq = max(signedSeq ?? checkpoint.seq, checkpoint.seq)
        if earliestBoundary.map({ checkpoint.pruned < $0.pruned }) ?? true {
            earliestBoundary = (checkpoint.pruned, reference)
        }

        if let boundary, checkpoint.seq == boundary.seq {
            guard checkpoint.hash == boundary.hash else {
                throw Failure(
                    seq: boundary.seq, checkpoint: reference,
                    reason: "the prune checkpoint's hash differs from the one \(reference.label) signed (forged)",
                    description: "the prune checkpoint at record \(boundary.seq) does not match \(reference.label): "
                        + "its hash differs from the signed one (forged)")
            }
            if checkpoint.pruned == boundary.seq { boundarySigned = true }
            return
        }
        // It covers only records pruned since it was signed: nothing left to hold it against.
        if checkpoint.seq <= (boundary?.seq ?? 0) { return }
        precondition(checkpoint.seq >= lastSeq, "a checkpoint must be checked before the record at its seq")
        if checkpoint.seq == lastSeq {
            try Self.compare(reference, checkpoint, seq: lastSeq, hash: chain.lastHash)
        } else {
            pending.append(reference)
        }
    }

    public mutating func check(_ record: AuditRecord) throws(Failure) {
        do {
            try chain.check(record)
        } catch {
            throw Failure(seq: error.seq, checkpoint: nil, reason: error.reason, description: error.description)
        }
        while let next = pending.first, let checkpoint = next.checkpoint, checkpoint.seq == record.seq {
            try Self.compare(next, checkpoint, seq: record.seq, hash: record.hash)
            pending.removeFirst()
        }
    }

    /// The checks only the whole walk can make: a prune boundary nobody signed, records cut from the end.
    public func finish() throws(Failure) {
        if let boundary, !boundarySigned, let earliest = earliestBoundary, earliest.pruned < boundary.seq {
            let missing = Self.range(earliest.pruned + 1, boundary.seq)
            let reason = "\(earliest.reference.label) was signed when records only through \(earliest.pruned) were "
                + "pruned, and no checkpoint signs this boundary: \(missing) missing (deleted and the prune checkpoint "
                + "forged, or the checkpoint signed at the prune deleted)"
            throw Failure(
                seq: earliest.pruned + 1, checkpoint: earliest.reference, reason: reason,
                description: "the prune checkpoint at record \(boundary.seq) is not signed: \(reason)")
        }
        if let next = pending.first, let checkpoint = next.checkpoint {
            let first = lastSeq + 1
            let reason = "\(Self.range(first, checkpoint.seq)) missing (deleted), though \(next.label) signed them"
            throw Failure(
                seq: first, checkpoint: next, reason: reason,
                description: "the audit trail is cut at record \(first): \(reason)")
        }
    }

    private static func compare(_ reference: Reference, _ checkpoint: AuditCheckpoint, seq: Int64, hash: String)
        throws(Failure)
    {
        guard hash != checkpoint.hash else { return }
        let reason = "its hash differs from the one \(reference.label) signed: it, or a record before it, was changed "
            + "and the chain recomputed"
        throw Failure(
            seq: seq, checkpoint: reference, reason: reason,
            description: "record \(seq) does not match \(reference.label): its hash differs from the signed one (it, or a "
                + "record before it, was changed and the chain recomputed)")
    }

    private static func failure(_ reference: Reference, _ reason: String) -> Failure {
        Failure(seq: nil, checkpoint: reference, reason: reason, description: "\(reference.label) fails: \(reason)")
    }

    private static func range(_ first: Int64, _ last: Int64) -> String {
        first == last ? "record \(first) is" : "records \(first)…\(last) are"
    }
}
