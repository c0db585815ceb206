/// Feeds an ``AuditTrailVerifier`` a trail's records and checkpoints, merged in seq order as it needs them: each
/// checkpoint right before the first record after its seq. The one merge every store uses; each supplies its own
/// readers (cursors over one snapshot, or arrays).
public struct AuditTrailWalk {
    private let nextRecord: () throws -> AuditRecord?
    private let nextStored: () throws -> AuditTrailVerifier.Input?
    private var stored: AuditTrailVerifier.Input?
    private var external: AuditTrailVerifier.Input?
    private let externalSeq: Int64

    /// - Parameters:
    ///   - records: the records in seq order, one per call, `nil` at the end.
    ///   - checkpoints: the stored checkpoints in the order of their filed seq (then id), `nil` at the end.
    ///   - external: a checkpoint kept elsewhere, merged in at its seq.
    public init(
        records: @escaping () throws -> AuditRecord?, checkpoints: @escaping () throws -> AuditTrailVerifier.Input?,
        external: AuditTrailVerifier.Input?
    ) throws {
        nextRecord = records
        nextStored = checkpoints
        self.external = external
        // One that does not parse goes first, where the verifier fails it.
        externalSeq = external.flatMap { try? SignedAuditCheckpoint(parsing: $0.note).checkpoint.seq } ?? 0
        stored = try checkpoints()
    }

    /// Walks everything into `verifier`; stops at the first failure it throws.
    public mutating func run(into verifier: inout AuditTrailVerifier) throws {
        while let record = try nextRecord() {
            while let checkpoint = try next(atMost: record.seq) { try verifier.check(checkpoint) }
            try verifier.check(record)
        }
        while let checkpoint = try next(atMost: .max) { try verifier.check(checkpoint) }
    }

    private mutating func next(atMost seq: Int64) throws -> AuditTrailVerifier.Input? {
        let storedSeq = stored?.filedSeq ?? .max
        if let external, externalSeq <= seq, stored == nil || externalSeq <= storedSeq {
            self.external = nil
            return external
        }
        guard let current = stored, storedSeq <= seq else { return nil }
        stored = try nextStored()
        return current
    }
}
