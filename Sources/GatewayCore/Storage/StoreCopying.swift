/// What `contacts-gateway store copy` needs of a store, beside the repositories: everything read out at once, and
/// written into an empty store exactly as it was (ids, hashes, seqs and dates kept), so that the copy logic is one
/// place (`StoreCopy`) for every pair of backends. Covered by one conformance case (StoreCopyConformance).
public protocol StoreCopying: Sendable {
    /// Everything but the audit records, in one consistent read.
    func exportSnapshot() async throws -> StoreSnapshot

    /// How many rows of each kind the store holds, the kinds not copied included.
    func storeContents() async throws -> StoreContents

    /// Writes `snapshot` in one transaction, after checking in it that the store is empty (else ``StoreNotEmpty``,
    /// nothing written). Tokens and subscription secrets are sealed with this store's cipher.
    func importSnapshot(_ snapshot: StoreSnapshot) async throws

    /// Appends records as they are (their seq, node, prevHash and hash), in one transaction: the copy of a trail,
    /// a page at a time after ``importSnapshot(_:)``, not a new entry of one (that is `appendAudit`).
    func importAuditRecords(_ records: [AuditRecord]) async throws
}
