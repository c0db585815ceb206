import Foundation
import Testing

/// Another process holding the SQLite file's write lock: a real way to make the store unwritable for a while.
struct StoreLock {
    let process: Process

    /// Takes an EXCLUSIVE lock on the database at `path` for `seconds`, returning once it is held.
    static func hold(_ path: String, seconds: Int) async throws -> StoreLock {
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        locker.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
            c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('COMMIT')
            """, path, String(seconds)]
        let output = Pipe()
        locker.standardOutput = output
        try locker.run()
        let handle = output.fileHandleForReading
        let said = try await blocking { String(decoding: handle.availableData, as: UTF8.self) }
        try #require(said.contains("locked"), "the locking process did not take the lock")
        return StoreLock(process: locker)
    }

    func released() async throws {
        let process = self.process
        try await blocking { process.waitUntilExit() }
    }
}
