import ChildProcess
import Glibc
import Testing

@Suite struct ChildProcessTests {
    @Test func collectsBothStreamsAndTheExitStatus() throws {
        // More than a pipe holds (64 KiB) on each stream: read one after the other, the child would stall.
        let finished = try ChildProcess.run(executable: "/bin/sh", arguments: [
            "-c", "head -c 200000 /dev/zero | tr '\\0' o; head -c 150000 /dev/zero | tr '\\0' e >&2; exit 3",
        ])
        #expect(finished.termination == .exited(3))
        #expect(finished.standardOutput.count == 200_000)
        #expect(finished.standardError.count == 150_000)
    }

    @Test func environmentIsAddedToThisProcesss() throws {
        let finished = try ChildProcess.run(
            executable: "/bin/sh", arguments: ["-c", "echo \"$CHILD_PROCESS_TEST:${PATH:+path}\""],
            environment: ["CHILD_PROCESS_TEST": "given"])
        #expect(finished.standardOutput == "given:path\n")
    }

    @Test func aMissingExecutableIsAnError() {
        #expect(throws: ChildProcess.Failure.self) {
            try ChildProcess(executable: "/nonexistent/contacts-gateway", arguments: [])
        }
    }

    @Test func aChildThatOutlivesItsTimeoutIsTerminated() throws {
        let finished = try ChildProcess.run(executable: "/bin/sleep", arguments: ["30"], timeout: 0.3)
        #expect(finished.termination == .signalled(SIGTERM))
    }

    @Test func aChildThatIgnoresSIGTERMIsKilled() throws {
        let finished = try ChildProcess.run(
            executable: "/bin/sh", arguments: ["-c", "trap '' TERM; echo started; exec sleep 30"], timeout: 0.5,
            killAfter: 0.3)
        #expect(finished.termination == .signalled(SIGKILL))
        #expect(finished.standardOutput == "started\n")
    }

    @Test func noOtherDescriptorReachesTheChild() throws {
        let extra = open("/dev/null", O_RDONLY)  // not close-on-exec
        defer { close(extra) }
        let finished = try ChildProcess.run(executable: "/bin/sh", arguments: [
            "-c", "for fd in 0 1 2 \(extra); do [ -e /proc/$$/fd/$fd ] && echo open || echo closed; done",
        ])
        #expect(finished.standardOutput == "open\nopen\nopen\nclosed\n")
    }

    @Test func waitAndIsRunningAgreeFromSeveralThreads() async throws {
        let child = try ChildProcess(executable: "/bin/sleep", arguments: ["0.2"], stdout: .discard, stderr: .discard)
        #expect(child.isRunning)
        async let first = Task.detached { child.wait() }.value
        async let second = Task.detached { child.wait() }.value
        #expect(await first == .exited(0))
        #expect(await second == .exited(0))
        #expect(!child.isRunning)
    }
}
