import Foundation

/// A serving process's log of audit records in front of the SQLite file: a record is durable once its frame is here
/// (one `pwrite` and one `fdatasync` a batch), and SQLite's tables and indexes are written behind it, in large
/// batches (see ``SQLiteStore/journalAudit(indexEvery:size:logger:)``).
///
/// Why: SQLite writes every page a commit touches whole, the audit table's and each of its three indexes', so a
/// commit of one or two 400-byte records wrote 16 KB to the disk, and a disk with a bandwidth limit turned that into
/// 60 ms waits (bench/README.md, "Second performance round"). A frame here costs its own bytes, in a block written
/// before.
///
/// The file is preallocated with zeros a page at a time and synced, so an append never changes its size or allocates
/// a block, and `fdatasync` has no metadata to write; a page at a time because Linux caches a file written in large
/// chunks in large folios, and `fdatasync` after a small write into one writes the whole folio back. Once all of it
/// is in SQLite, it is written again from its start under the next epoch (``wrap()``): no file is made or zeroed
/// while the server runs, whose writes would compete with the appends (a 16 MB spare, preallocated beside them,
/// held appends up for 690 ms on a disk capped at 20 MB/s).
///
/// Each process has its own file, locked (`flock`) while the process lives: a file whose lock can be taken belongs
/// to a process that ended, and whoever takes the lock indexes what that process had not (``orphans(in:)``).
final class AuditJournal: @unchecked Sendable {
    /// The file's name in the journal directory: the key of its progress in `audit_journal_progress`.
    let name: String
    let path: String
    private let descriptor: Int32
    /// Where the next frame goes.
    private(set) var end = 0
    /// Written into every frame; a journal written again from its start takes the next one.
    private(set) var epoch: UInt32 = 1
    /// Past `end`, the end of a write whose `fdatasync` failed: whole frames of records that were refused may be on
    /// the disk there, and a crash would hand them to the next process as if they had been taken. The next write
    /// covers them with zeros in the same `pwrite`, so that they are never read after a shorter frame.
    private var refusedEnd = 0
    /// `fdatasync`; tests make it fail, which a real disk cannot be made to do here.
    private let sync: (Int32) -> Int32
    private var allocated = 0
    private let chunk: Int

    private init(name: String, path: String, descriptor: Int32, chunk: Int, sync: @escaping (Int32) -> Int32) {
        self.name = name
        self.path = path
        self.descriptor = descriptor
        self.chunk = chunk
        self.sync = sync
    }

    deinit { close(descriptor) }

    /// A new, locked, preallocated journal in `directory` (made 0700 if missing). Made under another name and renamed
    /// once locked: a file named `.journal` that is not locked is always an orphan.
    static func create(
        in directory: String, chunk: Int, sync: @escaping (Int32) -> Int32 = { fdatasync($0) }
    ) throws -> AuditJournal {
        try makeDirectory(directory)
        let name = UUID().uuidString.lowercased() + ".journal"
        let path = directory + "/" + name
        let descriptor = open(path + ".new", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: path, call: "open") }
        let journal = AuditJournal(name: name, path: path, descriptor: descriptor, chunk: chunk, sync: sync)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw Failure(path: path, call: "flock") }
        try journal.allocate()
        guard rename(path + ".new", path) == 0 else { throw Failure(path: path, call: "rename") }
        // The file's name must survive a crash too, or its records would not be found.
        try syncDirectory(directory)
        return journal
    }

    /// Appends `bytes` (whole frames) and makes them durable.
    func append(_ bytes: [UInt8]) throws {
        try write(bytes)
        advance(by: bytes.count)
    }

    /// Writes `bytes` at the end and makes them durable, without moving the end: ``AuditJournalIndexer`` moves it
    /// under its lock, where the indexer reads it.
    func write(_ bytes: [UInt8]) throws {
        var bytes = bytes
        if refusedEnd > end + bytes.count { bytes += [UInt8](repeating: 0, count: refusedEnd - end - bytes.count) }
        while end + bytes.count > allocated { try allocate() }
        // Whatever reached the file of a write that fails must be covered by the next one.
        refusedEnd = max(refusedEnd, end + bytes.count)
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(end)) }
        guard written == bytes.count else { throw Failure(path: path, call: "pwrite") }
        guard sync(descriptor) == 0 else { throw Failure(path: path, call: "fdatasync") }
        refusedEnd = 0
    }

    func advance(by count: Int) {
        end += count
    }

    /// Starts again from the beginning of the file, under the next epoch; every frame written so far must be in SQLite.
    func wrap() {
        epoch &+= 1
        if epoch == 0 { epoch = 1 }
        end = 0
        // Refused frames of the older epoch need no zeros now: a reader stops at the first frame of another epoch.
        refusedEnd = 0
    }

    /// Removes the file; its records must all be in SQLite.
    func remove() {
        unlink(path)
    }

    /// Zeros for the next `chunk` bytes, a page at a time, then one `fsync` (the size changed).
    private func allocate() throws {
        let page = [UInt8](repeating: 0, count: 4096)
        var offset = allocated
        while offset < allocated + chunk {
            let written = page.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            guard written == page.count else { throw Failure(path: path, call: "pwrite (preallocating)") }
            offset += page.count
        }
        guard fsync(descriptor) == 0 else { throw Failure(path: path, call: "fsync") }
        allocated = offset
    }

    /// A journal of a process that ended, locked now by this one until it is closed: its name and contents.
    struct Orphan {
        let name: String
        let path: String
        let bytes: [UInt8]
        fileprivate let descriptor: Int32

        /// Removes the file and lets go of it; its records must all be in SQLite.
        func remove() {
            unlink(path)
            close(descriptor)
        }

        /// Lets go of it, leaving the file (its records could not be indexed now).
        func release() {
            close(descriptor)
        }
    }

    /// Every journal in `directory` whose process ended (its lock could be taken), locked by this process. A journal
    /// whose process ended while making it (still `.journal.new`, holding no record) is removed.
    static func orphans(in directory: String) -> [Orphan] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        for name in names where name.hasSuffix(".journal.new") {
            let descriptor = open(directory + "/" + name, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { unlink(directory + "/" + name) }
            close(descriptor)
        }
        return names.filter { $0.hasSuffix(".journal") }.sorted().compactMap { name in
            let path = directory + "/" + name
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            // Locked and still the file of that name: whoever held the lock before may have indexed it and removed
            // it since this process opened it.
            var opened = stat()
            var named = stat()
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0, fstat(descriptor, &opened) == 0,
                stat(path, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev,
                let bytes = readAll(descriptor)
            else {
                close(descriptor)
                return nil
            }
            return Orphan(name: name, path: path, bytes: bytes, descriptor: descriptor)
        }
    }

    /// The names of the journal files in `directory` (a live process's among them).
    static func names(in directory: String) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".journal") })
    }

    private static func readAll(_ descriptor: Int32) -> [UInt8]? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + offset, $0.count - offset, off_t(offset))
            }
            guard count > 0 else { return nil }
            offset += count
        }
        return bytes
    }

    private static func makeDirectory(_ directory: String) throws {
        if mkdir(directory, 0o700) != 0, errno != EEXIST { throw Failure(path: directory, call: "mkdir") }
    }

    private static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: directory, call: "open") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(path: directory, call: "fsync") }
    }

    struct Failure: Error, CustomStringConvertible {
        let path: String
        let call: String
        let code = errno
        var description: String { "the audit journal \(path): \(call) failed: \(String(cString: strerror(code)))" }
    }
}
