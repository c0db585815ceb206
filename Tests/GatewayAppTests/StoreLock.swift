import ChildProcess
import Glibc
import Testing

/// Another process holding the SQLite file's write lock: a real way to make the store unwritable for a while.
struct StoreLock {
    let locker: ChildProcess

    /// Takes an EXCLUSIVE lock on the database at `path` for `seconds`, returning once it is held.
    static func hold(_ path: String, seconds: Int) async throws -> StoreLock {
        let locker = try ChildProcess(executable: "/usr/bin/python3", arguments: ["-c", """
            import signal, sqlite3, sys, time
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
            c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('COMMIT')
            """, path, String(seconds)], stderr: .discard)
        let said = try await blocking { String(decoding: locker.read(locker.standardOutput!), as: UTF8.self) }
        try #require(said.contains("locked"), "the locking process did not take the lock")
        return StoreLock(locker: locker)
    }

    /// Lets the lock go now (SIGTERM: the process exits 0 and the lock goes with its connection).
    func end() async throws {
        locker.signal(SIGTERM)
        try await released()
    }

    func released() async throws {
        let locker = self.locker
        try await blocking { #expect(locker.wait() == .exited(0), "the locking process failed") }
    }
}
