/// Walks the chain in `seq` order, one record at a time, so that any number of records is checked in constant memory.
public struct AuditVerifier: Sendable {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var seq: Int64
        public var reason: String
        public var description: String { "the audit chain is broken at record \(seq): \(reason)" }
    }

    public private(set) var expectedSeq: Int64
    public private(set) var lastHash: String
    public private(set) var checked = 0

    /// Starts after a prune checkpoint (the last pruned record's seq and hash), or at the beginning.
    public init(after checkpoint: (seq: Int64, hash: String)? = nil) {
        expectedSeq = (checkpoint?.seq ?? 0) + 1
        lastHash = checkpoint?.hash ?? AuditChain.genesis
    }

    public mutating func check(_ record: AuditRecord) throws(Failure) {
        if record.seq > expectedSeq {
            let missing = expectedSeq == record.seq - 1 ? "record \(expectedSeq) is" : "records \(expectedSeq)…\(record.seq - 1) are"
            throw Failure(seq: expectedSeq, reason: "\(missing) missing (deleted)")
        }
        if record.seq < expectedSeq {
            throw Failure(seq: record.seq, reason: "record \(record.seq) comes before the start of the chain")
        }
        if record.prevHash != lastHash {
            throw Failure(seq: record.seq, reason: "its prevHash does not match the hash of the record before it (inserted, deleted or reordered)")
        }
        let computed = AuditChain.hash(of: record)
        if record.hash != computed {
            throw Failure(seq: record.seq, reason: "its hash does not match its fields (changed)")
        }
        lastHash = record.hash
        expectedSeq = record.seq + 1
        checked += 1
    }
}
