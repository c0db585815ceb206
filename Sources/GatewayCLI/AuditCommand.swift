import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore
import GatewaySQLite

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Review, export, verify and prune the audit trail; its signed checkpoints.",
        subcommands: [
            List.self, Export.self, Verify.self, Prune.self, Checkpoint.self, PublicKey.self,
        ])

    /// The filters `list` and `export` share.
    struct Filters: ParsableArguments {
        @Option(help: "Only this key: its id or its name (as `audit list` shows it).") var key: String?
        @Option(help: "Only this HighLevel location.") var location: String?
        @Option(help: "Only this contact id.") var contact: String?
        @Option(help: "Only this route: 'GET /contacts/{contactId}', or a path such as /contacts/search.") var route: String?
        @Option(help: "ok, unauthenticated, denied, rate_limited, upstream_error or error.") var outcome: String?
        @Option(help: "Only this HTTP status, e.g. 403.") var status: String?
        @Option(help: "From this time on: RFC 3339, a date (UTC) or an age such as 24h or 10min.") var since: String?
        @Option(help: "Before this time: RFC 3339, a date (UTC) or an age such as 1h.") var until: String?

        /// The filters, with `--key` read as an id or, failing that, as the name of exactly one key.
        func query(keys: any KeyRepository) async throws -> AuditQuery {
            var keyId = key
            if let key, !key.isEmpty, try await keys.key(id: key) == nil {
                let named = try await keys.keys().filter { $0.name == key }
                switch named.count {
                case 1: keyId = named[0].id
                case 0: throw UsageError("--key '\(key)' is neither a key's id nor a key's name (see `keys list`)")
                default:
                    throw UsageError(
                        "--key '\(key)' names \(named.count) keys (\(named.map(\.id).joined(separator: ", "))): give one id")
                }
            }
            return try AuditQuery(
                keyId: keyId, locationId: location, contactId: contact, route: route, outcome: outcome, status: status,
                since: since, until: until)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest matching records.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var filters: Filters
        @Option(help: "How many records (default 100).") var limit: String?

        func run() async throws {
            try await reportingFailures {
                let limit = try AuditQuery.limit(limit, fallback: 100, maximum: 1_000_000)
                let repositories = try await common.openStorage().repositories
                let query = try await filters.query(keys: repositories.keys)
                let records = try await repositories.audit.auditRecords(matching: query, limit: limit)
                switch common.output {
                case .json: try Output.json(["records": records])
                case .table:
                    Output.table(
                        ["SEQ", "TIME", "ROUTE", "STATUS", "OUTCOME", "KEY", "LOCATION", "CONTACT", "MS", "REQUEST"],
                        records.map {
                            [String($0.seq), $0.time, $0.route, String($0.status), $0.outcome, $0.keyName ?? $0.keyId ?? "-",
                             $0.locationId ?? "-", $0.contactId ?? "-", String(format: "%.1f", $0.durationMs), $0.requestId]
                        })
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every matching record, oldest first, streamed to stdout as JSON lines or CSV.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }
        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: Filters
        @Option(help: "jsonl or csv.") var format: Format = .jsonl

        func run() async throws {
            try await reportingFailures {
                let repositories = try await self.store.openStorage().repositories
                let query = try await filters.query(keys: repositories.keys)
                let store = repositories.audit
                let writer = AuditExportWriter(format: format == .csv ? AuditExportFormat.csv : .jsonl)
                writer.begin()
                // One page at a time, written before the next is read: memory stays flat whatever the trail's size.
                var after: Int64 = 0
                while true {
                    let page = try await store.auditRecords(matching: query, afterSeq: after, ascending: true, limit: 1000)
                    try writer.write(page)
                    guard let last = page.last, page.count == 1000 else { break }
                    after = last.seq
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain and every signed checkpoint; exit 1 naming the first record or checkpoint that fails.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Also check against this checkpoint kept elsewhere: what `audit checkpoint` printed (JSON or the note).")
        var checkpoint: String?

        func run() async throws {
            try await reportingFailures {
                // The file first: a bad one is named before anything else is done.
                let external = try checkpoint.map { path in
                    AuditTrailVerifier.Input(
                        source: .file(path), filedSeq: nil, note: try CheckpointFile.read(path).note.rendered)
                }
                let storage = try await common.openStorage()
                let result = try await storage.repositories.audit.verifyAudit(key: storage.checkpointSigner.publicKey, external: external)
                switch common.output {
                case .json: try Output.json(result)
                case .table:
                    if result.ok { Output.line(Self.summary(result)) }
                }
                if let failure = result.firstFailure { throw failure }
            }
        }

        static func summary(_ result: AuditVerification) -> String {
            let start = result.checkpointSeq.map { " after the prune checkpoint at record \($0)" } ?? ""
            let signed = switch (result.checkpointsChecked, result.signedSeq) {
            case (0, _), (_, nil): "no signed checkpoint yet"
            case (1, let seq?): "it agrees with 1 signed checkpoint, through record \(seq)"
            case (let count, let seq?): "it agrees with \(count) signed checkpoints, through record \(seq)"
            }
            return "The audit chain holds: \(result.checked) records checked\(start), last record \(result.lastSeq); \(signed)."
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete records older than a time, keeping a signed checkpoint so that the rest still verifies.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Delete records before this time: RFC 3339, a date (UTC) or an age such as 90d.") var before: String
        @Flag(name: .customLong("dry-run"), help: "Only count the records that would go; delete nothing.")
        var dryRun = false

        func run() async throws {
            try await reportingFailures {
                let cutoff = try AuditQuery.time(before, name: "before")
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let settings = try common.settings()
                let storage = try await common.openStorage(settings)
                if dryRun {
                    let count = try await Self.count(before: cutoff, in: storage.repositories.audit)
                    switch common.output {
                    case .json: try Output.json(["wouldPrune": count])
                    case .table:
                        Output.line(
                            "\(count) audit records before \(AuditChain.rfc3339(milliseconds: cutoff)) would be pruned "
                                + "(dry run: nothing was deleted).")
                    }
                    return
                }
                let pruned = try await storage.repositories.audit.pruneAudit(
                    beforeMs: cutoff, nowMs: now, signer: storage.checkpointSigner, node: settings.resolvedNode)
                switch common.output {
                case .json: try Output.json(["pruned": pruned])
                case .table: Output.line("\(pruned) audit records before \(AuditChain.rfc3339(milliseconds: cutoff)) pruned.")
                }
            }
        }

        /// The records a prune at `cutoff` would delete: those older than it, read a page at a time.
        static func count(before cutoff: Int64, in audit: any AuditRepository) async throws -> Int {
            var query = AuditQuery()
            query.untilMs = cutoff
            var count = 0
            var after: Int64 = 0
            while true {
                let page = try await audit.auditRecords(matching: query, afterSeq: after, ascending: true, limit: 1000)
                count += page.count
                guard let last = page.last, page.count == 1000 else { return count }
                after = last.seq
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The latest signed checkpoint, as JSON (with either --output): keep copies elsewhere to verify against.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                guard let latest = try await storage.repositories.audit.latestAuditCheckpoint(key: storage.checkpointSigner.publicKey)
                else {
                    throw UsageError(
                        "the audit trail has no signed checkpoint yet: a running gateway signs one every "
                            + "GATEWAY_AUDIT_CHECKPOINT_INTERVAL (default 1m) and at shutdown, and audit prune signs one")
                }
                try Output.json(CheckpointDocument(id: latest.id, signed: latest.signed))
            }
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "The Ed25519 public key that verifies the trail's signed checkpoints.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let key = try await common.openStorage().checkpointSigner.publicKey
                switch common.output {
                case .json: try Output.json(PublicKeyDocument(key: key))
                case .table:
                    Output.table(["NAME", "KEY ID", "PUBLIC KEY (BASE64)", "VERIFIER KEY"],
                                 [[key.name, key.keyIDHex, key.base64, key.verifierKey]])
                }
            }
        }
    }
}
