import Glibc
import Synchronization

/// A child process started with `posix_spawn`, for tests that run the gateway's executable, curl or python.
///
/// Why not Foundation's `Process`: on Linux with Swift 6.3.1 its `run()` can crash the whole test process
/// (SIGSEGV in `findMaximumOpenFromProcSelfFD`, which copies 256 bytes of a `dirent` past the end of glibc's
/// buffer; swift-corelibs-foundation PR #5472). CI hit it once in about ten runs of the suite.
public final class ChildProcess: Sendable {
    /// Where one of the child's output streams goes.
    public enum Output: Sendable {
        /// A pipe whose reading end is `standardOutput` / `standardError`.
        case pipe
        case discard
        /// A file, created or truncated.
        case file(String)
    }

    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Finished: Sendable {
        public var termination: Termination
        public var standardOutput: String
        public var standardError: String
    }

    public let pid: pid_t
    /// The reading end of the child's stdout or stderr pipe, when that stream is `.pipe`.
    public let standardOutput: Int32?
    public let standardError: Int32?
    private let reaped = Mutex<Termination?>(nil)

    /// Starts `executable` with `arguments`; `environment` is added to this process's own. Stdin is /dev/null, or
    /// the file `stdin`.
    public init(
        executable: String, arguments: [String], environment: [String: String] = [:],
        stdout: Output = .pipe, stderr: Output = .pipe, stdin: String? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        func route(_ output: Output, to target: Int32) throws -> Int32? {
            switch output {
            case .pipe:
                // Close-on-exec, so that a child spawned at the same moment by another test does not keep our
                // pipe open (its reader would then never see the end). Every child here also closes all but its
                // three streams, which covers the moment between `pipe` and `fcntl` (`pipe2` is not imported).
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw Failure(description: "pipe: errno \(errno)") }
                ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
                return ends[0]
            case .discard:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                return nil
            }
        }
        do {
            posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
            standardOutput = try route(stdout, to: 1)
            standardError = try route(stderr, to: 2)
            // Nothing else of the test process (its listening sockets, its SQLite files) reaches the child.
            try Self.closeFrom(3, in: &actions)

            var merged: [String: String] = [:]
            var entry = environ
            while let pointer = entry.pointee {
                let pair = String(cString: pointer)
                if let equals = pair.firstIndex(of: "=") {
                    merged[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
                }
                entry += 1
            }
            merged.merge(environment) { $1 }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (argv + envp).forEach { free($0) } }
            // The spawning thread may be one of Dispatch's or Swift's, which block signals; the child would inherit
            // that mask and ignore SIGTERM. It starts with no signal blocked and every handler at its default.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            var all = sigset_t()
            sigemptyset(&none)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var pid: pid_t = 0
            let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            guard status == 0 else {
                throw Failure(description: "cannot start \(executable): \(String(cString: strerror(status)))")
            }
            self.pid = pid
        } catch {
            parentEnds.forEach { close($0) }
            throw error
        }
    }

    deinit {
        [standardOutput, standardError].compactMap { $0 }.forEach { close($0) }
    }

    /// Runs to the end, reading both pipes as the child writes (so that neither fills up and stalls it). A command
    /// that should fail but serves instead must not hang the suite: past `timeout` seconds it gets SIGTERM, and if
    /// it is still there `killAfter` seconds later (it ignores SIGTERM), SIGKILL; what it wrote so far is returned.
    public static func run(
        executable: String, arguments: [String], environment: [String: String] = [:], timeout: Double = 20,
        killAfter: Double = 5, stdin: String? = nil
    ) throws -> Finished {
        let child = try ChildProcess(
            executable: executable, arguments: arguments, environment: environment, stdin: stdin)
        var collected: [Int32: [UInt8]] = [:]
        var open = [child.standardOutput, child.standardError].compactMap { $0 }
        var deadline = Self.now() + timeout
        var terminated = false
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let remaining = max(0, deadline - Self.now())
            let ready = poll(&fds, nfds_t(fds.count), Int32(remaining * 1000) + 1)
            if ready == 0 {
                if terminated {
                    // A child of its own may still hold the pipes open: stop reading, the exit status is enough.
                    child.signal(SIGKILL)
                    break
                }
                child.signal(SIGTERM)
                terminated = true
                deadline = Self.now() + killAfter
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "poll: errno \(errno)")
            }
            for pollfd in fds where pollfd.revents != 0 {
                let chunk = child.read(pollfd.fd)
                if chunk.isEmpty { open.removeAll { $0 == pollfd.fd } } else { collected[pollfd.fd, default: []] += chunk }
            }
        }
        let termination = child.wait()
        return Finished(
            termination: termination,
            standardOutput: String(decoding: collected[child.standardOutput ?? -1] ?? [], as: UTF8.self),
            standardError: String(decoding: collected[child.standardError ?? -1] ?? [], as: UTF8.self))
    }

    /// One `read` of up to 64 KiB from one of this child's pipes: empty at the end of the stream. Blocks.
    public func read(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            return Array(buffer.prefix(max(count, 0)))
        }
    }

    public func signal(_ signal: Int32) {
        if reaped.withLock({ $0 == nil }) { kill(pid, signal) }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Waits for the child to end. Blocks; call it from `blocking {}` in async tests.
    @discardableResult public func wait() -> Termination {
        reap(blocking: true)!
    }

    private func reap(blocking: Bool) -> Termination? {
        if blocking {
            // Wait without reaping, so that the one `waitpid` that reaps runs under the lock and its answer is kept
            // for every later caller.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        }
        return reaped.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            // WIFEXITED / WTERMSIG are macros Swift cannot import.
            let signal = status & 0x7f
            known = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            return known
        }
    }

    /// glibc 2.34 has `posix_spawn_file_actions_addclosefrom_np`, but its header declares it only for
    /// `_GNU_SOURCE`, which Swift's Glibc module does not define; it is looked up by name instead.
    private static func closeFrom(_ fd: Int32, in actions: inout posix_spawn_file_actions_t) throws {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later)") }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        guard closeFrom(&actions, fd) == 0 else { throw Failure(description: "addclosefrom: errno \(errno)") }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
