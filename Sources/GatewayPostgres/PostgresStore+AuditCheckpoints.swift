import GatewayCore
import PostgresNIO

/// Signed checkpoints of the trail (`audit_signed_checkpoints`), with the SQLite store's rules: a row is a signed
/// note as signed, filed by the seq it covers; nothing is trusted from the row but what the signature covers.
extension PostgresStore {
    /// Signs the trail's count and head hash as `node`, as ``AuditCheckpointPlan`` decides, under the trail's lock:
    /// no gateway can append or prune between what is read and what is signed.
    public func signAuditCheckpoint(signer: AuditCheckpointSigner, node: String, nowMs: Int64) async throws
        -> AuditCheckpointRound
    {
        try await transaction { [self] connection in
            let logger = self.logger
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.auditLockKey))", logger: logger)
            var (seq, hash) = (Int64(0), AuditChain.genesis)
            if let row = try await connection.rows(PostgresQuery(unsafeSQL: Self.auditTailSQL), logger: logger).first {
                (seq, hash) = try row.decode((Int64, String).self)
            }
            let boundary = try await Self.pruneBoundary(connection, logger: logger)
            let trail = AuditCheckpointPlan.Trail(seq: seq, hash: hash, pruned: boundary?.seq ?? 0)
            var latest: AuditCheckpointPlan.Latest?
            if let row = try await connection.rows(
                "SELECT id, note FROM audit_signed_checkpoints ORDER BY id DESC LIMIT 1", logger: logger
            ).first {
                let (id, note) = try row.decode((Int64, String).self)
                let signed = try? SignedAuditCheckpoint(parsing: note)
                var hashNow: String?
                if let signed {
                    hashNow = try await Self.hash(
                        at: signed.checkpoint.seq, boundary: boundary, on: connection, logger: logger)
                }
                latest = AuditCheckpointPlan.Latest(
                    id: id, checkpoint: signed?.checkpoint,
                    verdict: signed.map { signer.publicKey.verify($0.note) } ?? .invalid, hashNow: hashNow)
            }
            var boundarySigned = true
            if let boundary {
                let notes = try await connection.rows(
                    "SELECT note FROM audit_signed_checkpoints WHERE seq = \(boundary.seq)", logger: logger
                ).map { try $0.decode(String.self) }
                boundarySigned = AuditCheckpointPlan.signsBoundary(notes, boundary: boundary, key: signer.publicKey)
            }
            var round = AuditCheckpointRound(
                plan: AuditCheckpointPlan.decide(
                    trail: trail, latest: latest, boundarySigned: boundarySigned, node: node, nowMs: nowMs),
                id: nil)
            guard case .sign(let checkpoint) = round.plan else { return round }
            round.id = try await Self.insertCheckpoint(
                try signer.sign(checkpoint), seq: checkpoint.seq, on: connection, logger: logger)
            return round
        }
    }

    /// The checkpoint that covers the most records (the newest of those), verified with `key`.
    public func latestAuditCheckpoint(key: AuditCheckpointKey) async throws -> StoredAuditCheckpoint? {
        let row = try await rows("SELECT id, note FROM audit_signed_checkpoints ORDER BY seq DESC, id DESC LIMIT 1")
            .first.map { try $0.decode((Int64, String).self) }
        return try row.map { try StoredAuditCheckpoint(id: $0.0, note: $0.1, key: key) }
    }

    /// Every checkpoint, in the order written: for tests and tools.
    public func auditCheckpoints() async throws -> [(id: Int64, note: String)] {
        try await rows("SELECT id, note FROM audit_signed_checkpoints ORDER BY id").map {
            let (id, note) = try $0.decode((Int64, String).self)
            return (id: id, note: note)
        }
    }

    @discardableResult
    static func insertCheckpoint(_ note: SignedNote, seq: Int64, on connection: PostgresConnection, logger: Logger)
        async throws -> Int64
    {
        try await connection.rows(
            "INSERT INTO audit_signed_checkpoints (seq, note) VALUES (\(seq), \(note.rendered)) RETURNING id",
            logger: logger
        )[0].decode(Int64.self)
    }

    /// The hash the trail holds at `seq` now: the record's, the prune boundary's, or the genesis for 0.
    static func hash(
        at seq: Int64, boundary: (seq: Int64, hash: String)?, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        if seq == 0 { return AuditChain.genesis }
        if let boundary, boundary.seq == seq { return boundary.hash }
        return try await connection.rows("SELECT hash FROM audit_records WHERE seq = \(seq)", logger: logger).first?
            .decode(String.self)
    }
}
