import ChildProcess
import Foundation
import GatewayCore
import Testing

/// docs/verify-checkpoint.py, the standalone verifier: a checkpoint printed by the real CLI checks out with nothing
/// but the public key, and a changed one, another key's or a bad file does not.
///
/// It needs python3 with the `cryptography` package. CI installs that into its virtualenv and puts it first on PATH,
/// and sets TEST_REQUIRE_CHECKPOINT_SCRIPT=1 so that a missing one fails instead of skipping the test.
@Suite(.enabled(if: CheckpointScript.python != nil || CheckpointScript.required, "python3 with cryptography not found"))
struct CheckpointScriptTests {
    @Test func theScriptVerifiesACheckpointTheGatewaySigned() async throws {
        let python = try #require(CheckpointScript.python, "no python3 with the cryptography package on PATH or in .build/ci-venv")
        let trail = try await TamperableTrail()
        defer { trail.remove() }
        try await trail.append(7)
        try await trail.sign(node: "gw-script")
        let printed = try await trail.cli(["audit", "checkpoint"])
        let json = trail.directory.appendingPathComponent("checkpoint.json")
        try printed.stdout.write(to: json, atomically: true, encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        let noteFile = trail.directory.appendingPathComponent("checkpoint.note")
        try #require(document["note"] as? String).write(to: noteFile, atomically: true, encoding: .utf8)
        let hash = try #require(try await trail.records().last?.hash)

        func script(_ file: URL, _ key: String) async throws -> Executable.Result {
            try await blocking { try CheckpointScript.run(python, [file.path, key]) }
        }
        for (file, key) in [(json, trail.key.verifierKey), (noteFile, trail.key.verifierKey), (json, trail.key.base64)] {
            let ok = try await script(file, key)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout == "ok: contacts-gateway/audit record 7 hash \(hash), signed by gw-script at \(document["time"] ?? "?"), records through 0 pruned\n",
                    "\(ok.stdout)")
        }

        let changed = trail.directory.appendingPathComponent("changed.note")
        try (try #require(document["note"] as? String)).replacingOccurrences(of: "\n7\n", with: "\n8\n")
            .write(to: changed, atomically: true, encoding: .utf8)
        let other = AuditCheckpointSigner(secret: GatewaySecret.generate()).publicKey.verifierKey
        let cases: [(URL, String, String)] = [
            (changed, trail.key.verifierKey, "does not verify"),
            (json, other, "not signed by this key"),
            (trail.directory.appendingPathComponent("missing.json"), trail.key.verifierKey, "cannot read"),
            (json, "not-a-key", "not base64"),
        ]
        for (file, key, fragment) in cases {
            let refused = try await script(file, key)
            #expect(refused.status == 1, "\(fragment): \(refused.stdout)")
            #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains(fragment), "\(refused.stderr)")
        }
    }
}

/// Where the script and a python3 that can run it are.
enum CheckpointScript {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var path: String { root.appendingPathComponent("docs/verify-checkpoint.py").path }
    static var required: Bool { ProcessInfo.processInfo.environment["TEST_REQUIRE_CHECKPOINT_SCRIPT"] == "1" }

    /// The CI virtualenv's python3, else the first python3 on PATH, else the system's, that imports cryptography.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = [root.appendingPathComponent(".build/ci-venv/bin/python3").path]
            + path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
        return candidates.first { candidate in
            guard FileManager.default.isExecutableFile(atPath: candidate),
                let probe = try? ChildProcess.run(executable: candidate, arguments: ["-c", "import cryptography"])
            else { return false }
            return probe.termination == .exited(0)
        }
    }()

    static func run(_ python: String, _ arguments: [String]) throws -> Executable.Result {
        let finished = try ChildProcess.run(executable: python, arguments: [path] + arguments)
        let status: Int32 = switch finished.termination {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
        return Executable.Result(status: status, stdout: finished.standardOutput, stderr: finished.standardError)
    }
}
