import Foundation
import GRDB
import GatewayCore
import Logging
import Synchronization
import Testing

@testable import GatewaySQLite

/// The audit journal in front of SQLite, on real files: frames that survive a torn tail, records durable in the
/// journal and written into the table behind it, journals left by processes that ended, refusal when the table
/// stops taking records, rotation and a clean close.
@Suite struct AuditJournalTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-journal-\(UUID().uuidString)")
    let secret = GatewaySecret.generate()
    var key: AuditCheckpointKey { AuditCheckpointSigner(secret: secret).publicKey }
    var path: String { directory.appendingPathComponent("store.sqlite").path }

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func openStore() throws -> SQLiteStore { try SQLiteStore(path: path, cipher: TokenCipher(secret: secret)) }

    static func record(_ n: Int, node: String? = nil) -> AuditRecord {
        var record = AuditRecord(
            time: Date(timeIntervalSince1970: 1_764_037_240 + Double(n)), requestId: "req-\(n)", method: "GET",
            route: "GET /contacts/{contactId}", path: "/contacts/c\(n)", status: 200, outcome: .ok, keyId: "k1",
            locationId: "loc-é", contactId: "c\(n)", upstreamStatus: 200, upstreamAttempts: 1, durationMs: 1.5)
        record.node = node
        return record
    }

    func journalFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "-audit-journal")) ?? []).sorted()
    }

    @Test func framesComeBackAsWrittenAndATornOrCorruptTailEndsThem() throws {
        let full = AuditRecord(
            time: Date(timeIntervalSince1970: 1_764_037_240.123), requestId: "req-\"1\"", method: "PUT",
            route: "PUT /contacts/{contactId}", path: "/contacts/c1?x=ü\u{1}", status: 201, outcome: .upstreamError,
            keyId: "k1", keyName: "", role: "editor", locationId: "loc-é", contactId: "c1", resourceId: "n1",
            upstreamStatus: 502, upstreamAttempts: 3, durationMs: 12.3456, client: "10.0.0.1", count: 4)
        var sparse = AuditRecord(
            time: Date(timeIntervalSince1970: 0), requestId: "", method: "GET", route: "GET /healthz", path: "/",
            status: 200, outcome: .ok)
        sparse.node = "node-b"
        var bytes: [UInt8] = []
        for record in [full, sparse, Self.record(3)] { AuditJournalFrame.encode(record, epoch: 7, into: &bytes) }
        let whole = AuditJournalFrame.decode(bytes + [UInt8](repeating: 0, count: 4096))
        #expect(whole.records == [full, sparse, Self.record(3)])
        #expect(whole.length == bytes.count && whole.epoch == 7)

        // Written again from the start under the next epoch: the older epoch's frames after the new one are not
        // taken.
        var rewritten: [UInt8] = []
        AuditJournalFrame.encode(Self.record(9), epoch: 8, into: &rewritten)
        rewritten += bytes[rewritten.count...]
        let again = AuditJournalFrame.decode(rewritten)
        #expect(again.records.map(\.requestId).first == "req-9")
        #expect(again.epoch == 8)
        #expect(again.records.count <= 1)

        // A crash in the middle of the last frame: the frames before it stand.
        let torn = AuditJournalFrame.decode(Array(bytes.dropLast(5)))
        #expect(torn.records == [full, sparse])
        // A byte changed in the second frame: it and everything after it are not taken.
        var corrupt = bytes
        corrupt[whole.length - 40] ^= 0x55
        #expect(AuditJournalFrame.decode(corrupt).records.count == 2)
        corrupt = bytes
        let firstFrame = 8 + (Int(bytes[0]) | (Int(bytes[1]) << 8) | (Int(bytes[2]) << 16) | (Int(bytes[3]) << 24))
        corrupt[firstFrame + 10] ^= 0x01
        #expect(AuditJournalFrame.decode(corrupt).records == [full])
    }

    @Test func recordsAreInTheJournalAtOnceAndReadersSeeThemChainedInOrder() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        // An interval long enough that nothing is indexed unless a reader asks.
        try store.journalAudit(indexEvery: .seconds(3600), size: 64 << 10, logger: Logger(label: "test"))
        for n in 1...5 { try store.appendAudit([Self.record(n)]) }
        try store.appendAudit((6...10).map { Self.record($0) })
        #expect(journalFiles().count == 1)

        let records = try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
        #expect(records.map(\.requestId) == (1...10).map { "req-\($0)" })
        #expect(records.map(\.seq) == Array(1...10))
        #expect(try await store.verifyAudit(key: key).ok)

        store.closeAuditJournal()
        #expect(journalFiles().isEmpty)
        #expect(try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 100).count == 10)
        let progress = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_journal_progress") }
        #expect(progress == 0)
    }

    /// Records whose `fdatasync` failed were refused (their requests answered 503), but their frames may be on the
    /// disk: a crash must not hand them to the next process behind a shorter frame written over their start.
    @Test func framesOfAWriteThatFailedAreNeverReadBack() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let failing = Mutex(false)
        let journal = try AuditJournal.create(
            in: directory.appendingPathComponent("journal").path, chunk: 64 << 10,
            sync: { failing.withLock { $0 } ? -1 : fdatasync($0) })
        func frames(_ numbers: ClosedRange<Int>) -> [UInt8] {
            var bytes: [UInt8] = []
            for n in numbers { AuditJournalFrame.encode(Self.record(n), epoch: journal.epoch, into: &bytes) }
            return bytes
        }
        try journal.append(frames(1...1))
        failing.withLock { $0 = true }
        #expect(throws: AuditJournal.Failure.self) { try journal.append(frames(2...4)) }
        failing.withLock { $0 = false }
        // As long as the first refused frame: without the zeros after it, records 3 and 4 would follow it.
        #expect(frames(5...5).count == frames(2...2).count)
        try journal.append(frames(5...5))
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal.path)))
        #expect(AuditJournalFrame.decode(file).records.map(\.requestId) == ["req-1", "req-5"])
        #expect(journal.end == frames(1...1).count + frames(5...5).count)
    }

    /// A refused write, then the journal written again from its start: the next write is only its own frames, since a
    /// reader stops at the older epoch's frames anyway (covering them could mean zeros up to half the journal).
    @Test func aJournalWrittenAgainFromItsStartForgetsARefusedWrite() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let failing = Mutex(false)
        let journal = try AuditJournal.create(
            in: directory.appendingPathComponent("journal").path, chunk: 64 << 10,
            sync: { failing.withLock { $0 } ? -1 : fdatasync($0) })
        func frames(_ numbers: ClosedRange<Int>) -> [UInt8] {
            var bytes: [UInt8] = []
            for n in numbers { AuditJournalFrame.encode(Self.record(n), epoch: journal.epoch, into: &bytes) }
            return bytes
        }
        try journal.append(frames(1...3))
        failing.withLock { $0 = true }
        #expect(throws: AuditJournal.Failure.self) { try journal.append(frames(4...9)) }
        failing.withLock { $0 = false }
        let before = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal.path)))

        journal.wrap()
        let first = frames(10...10)
        try journal.append(first)
        let after = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal.path)))
        #expect(AuditJournalFrame.decode(after).records.map(\.requestId) == ["req-10"])
        #expect(AuditJournalFrame.decode(after).epoch == 2)
        // Past the new frame the file is as it was: the older epoch's frames, refused ones included, not zeros.
        #expect(after.count == before.count)
        #expect(after[first.count...].elementsEqual(before[first.count...]))
        #expect(before[first.count..<(first.count + 64)].contains { $0 != 0 })
    }

    @Test func aJournalLeftByAProcessThatEndedIsWrittenFromWhereItHadGotToByWhoeverOpensTheStore() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        try store.appendAudit([Self.record(1), Self.record(2)])
        // A process that ended: its journal holds records 1-5, of which 1 and 2 were indexed, and a torn sixth.
        let journalDirectory = store.auditJournalDirectory
        var name = ""
        do {
            let journal = try AuditJournal.create(in: journalDirectory, chunk: 64 << 10)
            try withExtendedLifetime(journal) {
                name = journal.name
                var bytes: [UInt8] = []
                for n in 1...5 { AuditJournalFrame.encode(Self.record(n), epoch: journal.epoch, into: &bytes) }
                var torn: [UInt8] = []
                AuditJournalFrame.encode(Self.record(6), epoch: journal.epoch, into: &torn)
                try journal.append(bytes + torn.prefix(20))
                // Locked while its process lives: not taken.
                #expect(try store.indexOrphanJournals() == 0)
            }
        }
        let orphanName = name
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO audit_journal_progress (journal, epoch, indexed) VALUES (?, 1, 2)", arguments: [orphanName])
        }

        let reopened = try openStore()
        let records = try await reopened.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
        #expect(records.map(\.requestId) == (1...5).map { "req-\($0)" })
        #expect(try await reopened.verifyAudit(key: key).ok)
        #expect(journalFiles().isEmpty)
        #expect(try reopened.indexOrphanJournals() == 0)
        let progress = try await reopened.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_journal_progress") }
        #expect(progress == 0)
    }

    @Test func twoJournalsOnOneFileFormOneChain() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try openStore()
        let second = try openStore()
        try first.journalAudit(indexEvery: .milliseconds(5), size: 64 << 10, logger: Logger(label: "test"))
        try second.journalAudit(indexEvery: .milliseconds(7), size: 64 << 10, logger: Logger(label: "test"))
        #expect(journalFiles().count == 2)
        for n in 0..<40 {
            try (n % 2 == 0 ? first : second).appendAudit([Self.record(n, node: n % 2 == 0 ? "a" : "b")])
            if n % 10 == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
        await first.auditJournalIndexed()
        await second.auditJournalIndexed()
        let records = try await first.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
        #expect(records.count == 40)
        #expect(Set(records.map(\.requestId)).count == 40)
        #expect(try await first.verifyAudit(key: key).ok)
        first.closeAuditJournal()
        second.closeAuditJournal()
        #expect(journalFiles().isEmpty)
    }

    @Test func appendsAreRefusedOnceTooManyRecordsWaitForATableThatDoesNotTakeThem() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        struct Locked: Error {}
        let failing = Mutex(true)
        let indexed = Mutex<[String]>([])
        let indexer = try AuditJournalIndexer(
            directory: directory.appendingPathComponent("journal").path, interval: .seconds(3600), size: 64 << 10, backlogLimit: 3,
            logger: Logger(label: "test")
        ) { records, _, _, _, _, _ in
            if failing.withLock({ $0 }) { throw Locked() }
            indexed.withLock { $0 += records.map(\.requestId) }
        }
        try indexer.append([Self.record(1), Self.record(2)])
        await indexer.indexed()
        try indexer.append([Self.record(3)])
        #expect(throws: AuditJournalIndexer.Refused.self) { try indexer.append([Self.record(4)]) }
        failing.withLock { $0 = false }
        await indexer.indexed()
        #expect(indexed.withLock { $0 } == ["req-1", "req-2", "req-3"])
        try indexer.append([Self.record(4)])
        indexer.close()
        #expect(indexed.withLock { $0 } == ["req-1", "req-2", "req-3", "req-4"])
        #expect(throws: AuditJournalIndexer.Refused.self) { try indexer.append([Self.record(5)]) }
    }

    @Test func aJournalAllInTheTableIsWrittenAgainFromItsStartUnderTheNextEpoch() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let journalDirectory = directory.appendingPathComponent("journal").path
        let indexed = Mutex<[(requestId: String, epoch: UInt32, through: Int64)]>([])
        let indexer = try AuditJournalIndexer(
            directory: journalDirectory, interval: .seconds(3600), size: 4096,
            logger: Logger(label: "test")
        ) { records, _, epoch, through, _, _ in
            indexed.withLock { $0 += records.map { ($0.requestId, epoch, through) } }
        }
        for n in 0..<60 {
            try indexer.append([Self.record(n)])
            await indexer.indexed()
        }
        #expect(indexer.journalEpoch.epoch >= 3)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: journalDirectory)) ?? []).count == 1)
        let progress = indexed.withLock { $0 }
        #expect(progress.map(\.requestId) == (0..<60).map { "req-\($0)" })
        // Each epoch's progress counts its own frames from 1.
        for (index, entry) in progress.enumerated() {
            let previous = index > 0 ? progress[index - 1] : nil
            #expect(entry.through == (previous?.epoch == entry.epoch ? previous!.through + 1 : 1))
        }
        indexer.close()
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: journalDirectory)) ?? []).isEmpty)
    }

    @Test func aJournalLeftAfterItWasWrittenAgainFromItsStartGivesOnlyItsNewEpoch() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        try store.appendAudit([Self.record(1), Self.record(2), Self.record(3)])
        // A process that ended after its journal was written again from the start: epoch 2's one frame, then what
        // is left of epoch 1's (all of which its progress row says are in the table).
        let name = try {
            let journal = try AuditJournal.create(in: store.auditJournalDirectory, chunk: 64 << 10)
            var first: [UInt8] = []
            for n in 1...3 { AuditJournalFrame.encode(Self.record(n), epoch: 1, into: &first) }
            try journal.append(first)
            journal.wrap()
            var second: [UInt8] = []
            AuditJournalFrame.encode(Self.record(4), epoch: 2, into: &second)
            try journal.append(second)
            return journal.name
        }()
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO audit_journal_progress (journal, epoch, indexed) VALUES (?, 1, 3)", arguments: [name])
        }
        let reopened = try openStore()
        let records = try await reopened.auditRecords(matching: AuditQuery(), ascending: true, limit: 100)
        #expect(records.map(\.requestId) == (1...4).map { "req-\($0)" })
        #expect(try await reopened.verifyAudit(key: key).ok)
    }

    @Test func aServerThatCannotKeepItsJournalSaysSoAndAHalfMadeOneIsCleanedUp() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try openStore()
        // Where the journal directory would be, a file: nothing can be made in it.
        FileManager.default.createFile(atPath: store.auditJournalDirectory, contents: Data("x".utf8))
        #expect {
            try store.journalAudit(indexEvery: .milliseconds(10), size: 64 << 10, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".contains("the audit journal") && "\(error)".contains(store.auditJournalDirectory)
        }
        try store.appendAudit([Self.record(1)])  // without a journal, straight into the table
        try FileManager.default.removeItem(atPath: store.auditJournalDirectory)

        // A journal whose process ended while making it: no record in it, and it is removed.
        try FileManager.default.createDirectory(atPath: store.auditJournalDirectory, withIntermediateDirectories: true)
        let halfMade = store.auditJournalDirectory + "/dead.journal.new"
        FileManager.default.createFile(atPath: halfMade, contents: Data(count: 4096))
        #expect(try store.indexOrphanJournals() == 0)
        #expect(!FileManager.default.fileExists(atPath: halfMade))
        #expect(try await store.auditRecords(matching: AuditQuery(), ascending: true, limit: 10).count == 1)
    }
}
