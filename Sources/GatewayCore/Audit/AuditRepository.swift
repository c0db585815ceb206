/// Where the trail is kept and read back: committed by the ledger's writer, reviewed, verified, pruned and signed.
///
/// The walk of verification, the signing decision and the prune's check are values in the core
/// (``AuditTrailVerifier``, ``AuditCheckpointPlan``); each store feeds them its records and checkpoints inside one
/// consistent read (or write transaction), so a concurrent append or prune is never seen half done.
public protocol AuditRepository: AuditLedger {
    /// Records matching `query`: newest first below `beforeSeq`, or oldest first above `afterSeq`.
    func auditRecords(
        matching query: AuditQuery, afterSeq: Int64?, beforeSeq: Int64?, ascending: Bool, limit: Int
    ) async throws -> [AuditRecord]

    /// Checks the chain from the prune boundary to the last record, and every stored checkpoint (and `external`,
    /// one kept elsewhere) against it.
    func verifyAudit(key: AuditCheckpointKey, external: AuditTrailVerifier.Input?) async throws -> AuditVerification

    /// Deletes the records older than `beforeMs` (a prefix of the chain), keeps the boundary so that the rest still
    /// verifies, and signs a checkpoint at it, all in one transaction. Refuses (``AuditPruneRefused``) a part that
    /// does not verify. Returns how many records went.
    func pruneAudit(beforeMs: Int64, nowMs: Int64, signer: AuditCheckpointSigner, node: String) async throws -> Int

    /// Signs the trail's count and head hash as `node`, as ``AuditCheckpointPlan`` decides, in one transaction.
    func signAuditCheckpoint(signer: AuditCheckpointSigner, node: String, nowMs: Int64) async throws
        -> AuditCheckpointRound

    /// The checkpoint that covers the most records, verified with `key`; throws ``UnusableAuditCheckpoint``.
    func latestAuditCheckpoint(key: AuditCheckpointKey) async throws -> StoredAuditCheckpoint?

    /// Every checkpoint as stored, in the order written: for tests and tools.
    func auditCheckpoints() async throws -> [(id: Int64, note: String)]
}

extension AuditRepository {
    public func auditRecords(
        matching query: AuditQuery, afterSeq: Int64? = nil, beforeSeq: Int64? = nil, ascending: Bool = false,
        limit: Int
    ) async throws -> [AuditRecord] {
        try await auditRecords(matching: query, afterSeq: afterSeq, beforeSeq: beforeSeq, ascending: ascending, limit: limit)
    }

    public func verifyAudit(key: AuditCheckpointKey) async throws -> AuditVerification {
        try await verifyAudit(key: key, external: nil)
    }
}

/// What a round of signing did.
public struct AuditCheckpointRound: Sendable, Equatable {
    public var plan: AuditCheckpointPlan
    /// The checkpoint written, when one was.
    public var id: Int64?

    public init(plan: AuditCheckpointPlan, id: Int64?) {
        self.plan = plan
        self.id = id
    }
}

/// A checkpoint as a store holds it.
public struct StoredAuditCheckpoint: Sendable, Equatable {
    public var id: Int64
    public var signed: SignedAuditCheckpoint

    public init(id: Int64, signed: SignedAuditCheckpoint) {
        self.id = id
        self.signed = signed
    }

    /// A stored row's note, as the checkpoint an admin may copy elsewhere: well formed and signed by `key`, else
    /// ``UnusableAuditCheckpoint``.
    public init(id: Int64, note: String, key: AuditCheckpointKey) throws {
        let signed: SignedAuditCheckpoint
        do {
            signed = try SignedAuditCheckpoint(parsing: note)
        } catch {
            throw UnusableAuditCheckpoint(id: id, reason: "it is not a well-formed signed checkpoint (\(error.description))")
        }
        guard key.verify(signed.note) == .verified, signed.checkpoint.origin == key.name else {
            throw UnusableAuditCheckpoint(id: id, reason: "it is not signed by this gateway's key")
        }
        self.init(id: id, signed: signed)
    }
}

/// The latest stored checkpoint cannot be handed out.
public struct UnusableAuditCheckpoint: Error, CustomStringConvertible {
    public var id: Int64
    public var reason: String

    public init(id: Int64, reason: String) {
        self.id = id
        self.reason = reason
    }

    public var description: String {
        "the latest checkpoint in the store (#\(id)) cannot be used: \(reason); run: contacts-gateway audit verify"
    }
}

/// A prune that would cut a part of the trail that does not verify: nothing was pruned.
public struct AuditPruneRefused: Error, CustomStringConvertible {
    public var failure: AuditTrailVerifier.Failure

    public init(failure: AuditTrailVerifier.Failure) { self.failure = failure }

    public var description: String {
        "nothing was pruned: the part of the trail to prune fails verification (\(failure.description))"
    }
}
