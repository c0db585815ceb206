import Foundation
import GatewayCore
import GatewaySettings
import Logging

/// `contacts-gateway store copy`: everything in one store written into another, empty one, through the stores'
/// ``StoreCopying`` methods, so that every pair of backends (SQLite to PostgreSQL and back) is one path.
///
/// The target is opened with the source's secret, whatever sealed it (`GATEWAY_SECRET_KEY`, or the key file beside an
/// SQLite source): key hashes, sealed tokens and the trail's signed checkpoints are all bound to it. A PostgreSQL
/// target sealed with another secret refuses to open; so does an SQLite target whose key file holds another one.
public struct StoreCopy: Sendable {
    /// What was copied, per kind, and how the trail verifies on the target.
    public struct Report: Sendable {
        public var snapshot: StoreSnapshot
        public var auditRecords = 0
        public var firstSeq: Int64?
        public var lastSeq: Int64?
        public var verification: AuditVerification
        public var now: Date

        /// One line per kind of thing copied.
        public var lines: [String] {
            func plural(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }
            let keys = snapshot.keys
            let revoked = keys.filter { $0.revokedAt != nil }.count
            let expired = keys.filter { $0.revokedAt == nil && ($0.expiresAt.map { $0 <= now } ?? false) }.count
            var keyDetail: [String] = []
            if revoked > 0 { keyDetail.append("\(revoked) revoked") }
            if expired > 0 { keyDetail.append("\(expired) expired") }
            let seqs = firstSeq.map { first in " (seq \(first)-\(lastSeq ?? first))" } ?? ""
            let boundary = snapshot.auditBoundary.map { ", the prune boundary at record \($0.seq)" } ?? ""
            return [
                "copied " + plural(keys.count, "API key", "API keys")
                    + (keyDetail.isEmpty ? "" : " (" + keyDetail.joined(separator: ", ") + ")"),
                "copied " + plural(snapshot.roles.count, "custom role", "custom roles"),
                "copied " + plural(snapshot.connections.count, "connection", "connections") + " (tokens sealed)",
                "copied " + plural(snapshot.authorizationStates.count, "authorization state", "authorization states"),
                "copied " + plural(auditRecords, "audit record", "audit records") + seqs + ", "
                    + plural(snapshot.auditCheckpoints.count, "signed checkpoint", "signed checkpoints") + boundary,
                "copied " + plural(snapshot.subscriptions.count, "webhook subscription", "webhook subscriptions")
                    + " (secrets sealed)",
                "copied " + plural(snapshot.events.count, "webhook event", "webhook events"),
                "copied " + plural(snapshot.deliveries.count, "webhook delivery", "webhook deliveries"),
                "copied " + plural(snapshot.reconciliationCursors.count, "reconciliation cursor", "reconciliation cursors"),
            ]
        }
    }

    /// Why nothing (or, after the target was written, not everything) was copied: one line.
    public struct Refused: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Audit records read and written per round: memory stays flat whatever the trail's length.
    static let auditPage = 1_000

    let settings: GatewaySettings
    let target: DatabaseLocation
    let logger: Logger

    public init(settings: GatewaySettings, target: DatabaseLocation, logger: Logger) {
        self.settings = settings
        self.target = target
        self.logger = logger
    }

    public func run() async throws -> Report {
        guard !Self.sameStore(settings.database, target) else {
            throw Refused(description: "the target \(target.redacted) is the source itself: name another store with --to")
        }
        let source = try await GatewayStorage.open(settings, creating: false, logger: logger)
        return try await Self.closing(source) { try await copy(from: $0) }
    }

    private func copy(from source: GatewayStorage) async throws -> Report {
        let snapshot: StoreSnapshot
        do {
            snapshot = try await source.repositories.copying.exportSnapshot()
        } catch let error as TokenCipher.OpenError {
            throw Refused(description: "cannot read \(source.location): \(error.description)")
        }
        let createdFiles = try prepareTargetFiles(secret: source.secret)
        do {
            return try await copy(snapshot, from: source, createdFiles: createdFiles)
        } catch {
            // A new SQLite file that did not get its copy is removed, so that the next try finds no half-made store.
            for file in createdFiles { try? FileManager.default.removeItem(atPath: file) }
            throw error
        }
    }

    private func copy(_ snapshot: StoreSnapshot, from source: GatewayStorage, createdFiles: [String]) async throws
        -> Report
    {
        var targetSettings = settings
        targetSettings.database = target
        targetSettings.secretKey = source.secret
        let storage = try await GatewayStorage.open(targetSettings, creating: true, logger: logger)
        return try await Self.closing(storage) { storage in
            try await copy(snapshot, from: source, into: storage, createdFiles: createdFiles)
        }
    }

    private func copy(
        _ snapshot: StoreSnapshot, from source: GatewayStorage, into storage: GatewayStorage, createdFiles: [String]
    ) async throws -> Report {
        // Checked before anything is written, and again by importSnapshot inside its transaction.
        let contents = try await storage.repositories.copying.storeContents()
        guard contents.isEmpty else { throw StoreNotEmpty(contents: contents) }
        try await storage.repositories.copying.importSnapshot(snapshot)
        var report = Report(
            snapshot: snapshot,
            verification: AuditVerification(checked: 0, firstFailure: nil, lastSeq: 0, checkpointSeq: nil,
                                            checkpointsChecked: 0, signedSeq: nil),
            now: Date())
        var after: Int64?
        do {
            while true {
                let page = try await source.repositories.audit.auditRecords(
                    matching: AuditQuery(), afterSeq: after, ascending: true, limit: Self.auditPage)
                guard !page.isEmpty else { break }
                try await storage.repositories.copying.importAuditRecords(page)
                report.auditRecords += page.count
                report.firstSeq = report.firstSeq ?? page.first?.seq
                report.lastSeq = page.last?.seq
                after = page.last?.seq
                if page.count < Self.auditPage { break }
            }
        } catch {
            guard createdFiles.isEmpty else { throw error }
            throw Refused(
                description: "the audit trail was copied only through record \(after ?? 0) (\(plainDescription(error))): "
                    + "\(storage.location) holds a partial copy; empty it and copy again")
        }
        report.verification = try await storage.repositories.audit.verifyAudit(key: storage.checkpointSigner.publicKey)
        return report
    }

    /// For an SQLite target: the key file beside it must hold the source's secret, or be written with it when the
    /// secret came from the source's own key file (so the copy opens as its source did, without GATEWAY_SECRET_KEY).
    /// Returns the files this copy creates, to remove if it fails.
    private func prepareTargetFiles(secret: GatewaySecret) throws -> [String] {
        guard case .sqlite(let path) = target else { return [] }
        let manager = FileManager.default
        let keyFile = path + ".key"
        var created: [String] = []
        if !manager.fileExists(atPath: path) { created += [path, path + "-wal", path + "-shm"] }
        if manager.fileExists(atPath: keyFile) {
            let existing: GatewaySecret
            do {
                existing = try GatewaySecret.loadOrCreateKeyFile(keyFile, creating: false)
            } catch let error as GatewaySecret.LoadError {
                throw Refused(description: error.description)
            }
            guard existing == secret else {
                throw Refused(
                    description: "\(keyFile) beside the target holds another secret than the source's: the copy "
                        + "could open none of its tokens; remove it or name another target; nothing was written")
            }
        } else if settings.secretKey == nil {
            try secret.writeKeyFile(keyFile)
            created.append(keyFile)
        }
        return created
    }

    /// Runs `body` on `storage`, then lets go of its connections whatever happened.
    static func closing<T>(_ storage: GatewayStorage, _ body: (GatewayStorage) async throws -> T) async throws -> T {
        do {
            let value = try await body(storage)
            await storage.close()
            return value
        } catch {
            await storage.close()
            throw error
        }
    }

    static func sameStore(_ a: DatabaseLocation, _ b: DatabaseLocation) -> Bool {
        switch (a, b) {
        case (.sqlite(let x), .sqlite(let y)):
            URL(fileURLWithPath: x).standardizedFileURL.path == URL(fileURLWithPath: y).standardizedFileURL.path
        case (.postgres(let x), .postgres(let y)): x == y
        default: false
        }
    }

    private func plainDescription(_ error: any Error) -> String {
        String(describing: error).replacingOccurrences(of: "\n", with: " ")
    }
}
