/// Where the trail's records are committed: a store that chains each batch onto its last record in one transaction.
public protocol AuditLedger: Sendable {
    /// Appends `events` in order, in one transaction, each chained to the one before; returns once committed.
    /// Called from the trail's writer thread only, so it may block.
    func appendAudit(_ events: [AuditRecord]) throws

    /// Fails quickly when a write could not be committed now (locked, read-only, full), without writing anything.
    func probeAuditWritable() async throws
}
