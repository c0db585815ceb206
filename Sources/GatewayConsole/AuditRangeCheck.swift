import GatewayCore

/// Whether the hash chain holds across the records a page shows: each record's hash is recomputed from its fields
/// and the hash before it, and each is linked to the record just before it in the trail (read whole, filters aside,
/// from the one before the first shown to the last shown). A full `verify` also checks the signed checkpoints; this
/// says, for what is on screen, that no record in its range was changed or removed.
struct AuditRangeCheck: Sendable, Equatable {
    enum Result: Sendable, Equatable {
        case holds(first: Int64, last: Int64, checked: Int)
        case broken(seq: Int64, reason: String)
        /// A range too long to read back here (use verify).
        case tooLong(first: Int64, last: Int64)
        case empty
    }

    static let longest: Int64 = 5000

    static func check(shown: [AuditRecord], in audit: any AuditRepository) async throws -> Result {
        guard let first = shown.map(\.seq).min(), let last = shown.map(\.seq).max() else { return .empty }
        guard last - first < longest else { return .tooLong(first: first, last: last) }
        let range = try await audit.auditRecords(
            matching: AuditQuery(), afterSeq: max(0, first - 2), ascending: true, limit: Int(last - first) + 2)
            .filter { $0.seq <= last }
        return verdict(range, first: first, last: last)
    }

    /// The walk itself, over records read in seq order (the first may be the one before the range).
    static func verdict(_ range: [AuditRecord], first: Int64, last: Int64) -> Result {
        var previous: AuditRecord?
        var checked = 0
        for record in range {
            if let previous {
                guard record.seq == previous.seq + 1 else {
                    return .broken(seq: previous.seq + 1, reason: "the record is missing from the trail")
                }
                guard record.prevHash == previous.hash else {
                    return .broken(seq: record.seq, reason: "it does not link to record #\(previous.seq)")
                }
            }
            guard AuditChain.hash(of: record) == record.hash else {
                return .broken(seq: record.seq, reason: "its fields do not match its hash")
            }
            if record.seq >= first { checked += 1 }
            previous = record
        }
        guard let end = previous?.seq, end == last, checked == Int(last - first + 1) else {
            return .broken(seq: previous.map { $0.seq + 1 } ?? first, reason: "the record is missing from the trail")
        }
        return .holds(first: first, last: last, checked: checked)
    }
}
