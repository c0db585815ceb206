import GRDB
import GatewayCore

/// Signed checkpoints of the audit trail (`audit_signed_checkpoints`): appended by each gateway every interval, at
/// shutdown and by `audit prune`; read by `audit verify` and `audit checkpoint`.
///
/// A row holds the signed note as it was signed; `seq` is only where it is filed, for ordered reads. Nothing is trusted
/// from the row but what the signature covers: verification reads the note, and fails a row whose `seq` disagrees.
extension SQLiteStore {
    /// Signs the trail's count and head hash as `node`, unless nothing changed since the checkpoint written last, or
    /// the trail contradicts that checkpoint (see ``AuditCheckpointPlan``). One IMMEDIATE transaction: another gateway
    /// cannot append or prune between what is read and what is signed.
    public func signAuditCheckpoint(signer: AuditCheckpointSigner, node: String, nowMs: Int64) async throws
        -> AuditCheckpointRound
    {
        await auditJournalIndexed()
        return try await pool.writeWithoutTransaction { db in
            var round = AuditCheckpointRound(plan: .empty, id: nil)
            try db.inTransaction(.immediate) {
                let (seq, hash) = try Self.auditTail(db)
                let boundary = try Self.pruneBoundary(db)
                let trail = AuditCheckpointPlan.Trail(seq: seq, hash: hash, pruned: boundary?.seq ?? 0)
                var latest: AuditCheckpointPlan.Latest?
                if let row = try Row.fetchOne(db, sql: "SELECT id, note FROM audit_signed_checkpoints ORDER BY id DESC LIMIT 1") {
                    let signed = try? SignedAuditCheckpoint(parsing: row[1])
                    latest = AuditCheckpointPlan.Latest(
                        id: row[0], checkpoint: signed?.checkpoint,
                        verdict: signed.map { signer.publicKey.verify($0.note) } ?? .invalid,
                        hashNow: try signed.flatMap { try Self.hash(at: $0.checkpoint.seq, boundary: boundary, in: db) })
                }
                let boundarySigned = try boundary.map {
                    try Self.isSignedBoundary($0, key: signer.publicKey, in: db)
                } ?? true
                round.plan = AuditCheckpointPlan.decide(
                    trail: trail, latest: latest, boundarySigned: boundarySigned, node: node, nowMs: nowMs)
                guard case .sign(let checkpoint) = round.plan else { return .rollback }
                round.id = try Self.insertCheckpoint(try signer.sign(checkpoint), seq: checkpoint.seq, in: db)
                return .commit
            }
            return round
        }
    }

    /// The checkpoint that covers the most records (the newest of those), verified with `key`: what an admin copies
    /// elsewhere to anchor the trail. Throws when it is not well formed or not signed by `key`.
    public func latestAuditCheckpoint(key: AuditCheckpointKey) async throws -> StoredAuditCheckpoint? {
        let row = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, note FROM audit_signed_checkpoints ORDER BY seq DESC, id DESC LIMIT 1")
                .map { (id: $0[0] as Int64, note: $0[1] as String) }
        }
        return try row.map { try StoredAuditCheckpoint(id: $0.id, note: $0.note, key: key) }
    }

    /// Every checkpoint, in the order written: for tests and tools.
    public func auditCheckpoints() async throws -> [(id: Int64, note: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, note FROM audit_signed_checkpoints ORDER BY id").map { ($0[0], $0[1]) }
        }
    }

    @discardableResult
    static func insertCheckpoint(_ note: SignedNote, seq: Int64, in db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO audit_signed_checkpoints (seq, note) VALUES (?, ?)", arguments: [seq, note.rendered])
        return db.lastInsertedRowID
    }

    /// The hash the trail holds at `seq` now: the record's, the prune boundary's, or the genesis for 0.
    static func hash(at seq: Int64, boundary: (seq: Int64, hash: String)?, in db: Database) throws -> String? {
        if seq == 0 { return AuditChain.genesis }
        if let boundary, boundary.seq == seq { return boundary.hash }
        return try String.fetchOne(db, sql: "SELECT hash FROM audit_records WHERE seq = ?", arguments: [seq])
    }

    /// Whether a checkpoint signed at the prune boundary, with its hash, verifies with `key`.
    static func isSignedBoundary(_ boundary: (seq: Int64, hash: String), key: AuditCheckpointKey, in db: Database) throws
        -> Bool
    {
        let notes = try String.fetchAll(
            db, sql: "SELECT note FROM audit_signed_checkpoints WHERE seq = ?", arguments: [boundary.seq])
        return AuditCheckpointPlan.signsBoundary(notes, boundary: boundary, key: key)
    }
}
