import Foundation
import GRDB
import GatewayApp
import GatewayCore
import GatewaySQLite
import Testing

/// The attacks a hash chain alone lets through, each performed on a real SQLite file by a connection of its own,
/// each caught by the real `contacts-gateway audit verify` thanks to the signed checkpoints: exit 1 and one plain
/// line naming the record or checkpoint that fails.
@Suite struct AuditCheckpointAttackTests {
    enum Attack: String, CaseIterable, Sendable {
        case deleteNewest, deleteAll, deleteOldestAndForgePrune, editAndRecompute, foreignCheckpoint, editedCheckpoint

        /// Done to records 1…10, signed at 5 (#1) and at 10 (#2).
        func perform(on trail: TamperableTrail) async throws {
            switch self {
            case .deleteNewest: try trail.tamper("DELETE FROM audit_records WHERE seq > 7")
            case .deleteAll: try trail.tamper("DELETE FROM audit_records")
            case .deleteOldestAndForgePrune:
                let fourth = try #require(try await trail.records().first { $0.seq == 4 })
                try trail.tamper("DELETE FROM audit_records WHERE seq <= 4")
                try trail.tamper(
                    "INSERT INTO audit_checkpoint (id, seq, hash, pruned_before_ms, pruned_at_ms) VALUES (1, 4, ?, 0, 0)",
                    arguments: [fourth.hash])
            case .editAndRecompute: try await trail.rewrite(3) { $0.path = "/contacts/someone-else" }
            case .foreignCheckpoint: try await trail.insertForeignCheckpoint(at: 8)
            case .editedCheckpoint:
                try trail.tamper("UPDATE audit_signed_checkpoints SET note = replace(note, 'node gw-test', 'node gw-other') WHERE id = 2")
            }
        }

        /// What the one line on stderr must say.
        var expected: [String] {
            switch self {
            case .deleteNewest:
                ["the audit trail is cut at record 8: records 8…10 are missing (deleted)", "checkpoint #2 (record 10"]
            case .deleteAll: ["the audit trail is cut at record 1: records 1…5 are missing (deleted)", "checkpoint #1 (record 5"]
            case .deleteOldestAndForgePrune:
                ["the prune checkpoint at record 4 is not signed", "checkpoint #1 (record 5", "records 1…4 are missing"]
            case .editAndRecompute: ["record 5 does not match checkpoint #1 (record 5", "chain recomputed"]
            case .foreignCheckpoint: ["checkpoint #3 (record 8", "not signed by this gateway's key"]
            case .editedCheckpoint: ["checkpoint #2 (record 10, signed by gw-other", "signature does not verify"]
            }
        }
    }

    @Test func anHonestTrailVerifiesWithItsCheckpoints() async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        let verified = try await trail.verify()
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("10 records checked, last record 10; it agrees with 2 signed checkpoints, through record 10"),
                "\(verified.stdout)")
        let json = try await CLI.json(["audit", "verify"], database: trail.database)
        #expect(json["ok"] as? Bool == true && json["checkpointsChecked"] as? Int == 2 && json["signedSeq"] as? Int == 10)
        #expect(json["failingCheckpoint"] is NSNull && json["firstFailingSeq"] is NSNull)
    }

    @Test(arguments: Attack.allCases)
    func verifyCatchesTheAttackAndNamesIt(_ attack: Attack) async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        try await attack.perform(on: trail)
        let result = try await trail.verify()
        #expect(result.status == 1)
        for fragment in attack.expected { CLI.expectFailure(result, containing: fragment) }
        // The JSON answer says the same, for scripts and the admin API.
        let json = try await trail.cli(["audit", "verify", "--output", "json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == false)
        #expect(object["failingCheckpoint"] is [String: Any], "\(json.stdout)")
    }

    @Test func aPruneKeepsTheTrailVerifiableAndItsSignedBoundaryCannotBeDeleted() async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        // Between record 4 and record 5.
        let cutoff = Timestamp.rfc3339(trail.time(of: 4).addingTimeInterval(0.5))
        let pruned = try await CLI.json(["audit", "prune", "--before", cutoff], database: trail.database)
        #expect(pruned["pruned"] as? Int == 4)
        var verified = try await trail.verify()
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("after the prune checkpoint at record 4, last record 10"), "\(verified.stdout)")
        // New records chain on and are signed on; the trail still verifies.
        try await trail.append(3)
        #expect(try await trail.sign() != nil)
        verified = try await trail.verify(["--output", "json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("\"signedSeq\" : 13"), "\(verified.stdout)")

        // The checkpoint the prune signed at its boundary is what makes the boundary hold.
        let boundary = try #require(try await trail.store.auditCheckpoints().first {
            try SignedAuditCheckpoint(parsing: $0.note).checkpoint.seq == 4
        })
        try trail.tamper("DELETE FROM audit_signed_checkpoints WHERE id = ?", arguments: [boundary.id])
        CLI.expectFailure(try await trail.verify(), containing: "the prune checkpoint at record 4 is not signed")
    }

    @Test func pruneRefusesToCutAPartThatContradictsItsCheckpoints() async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        try await trail.rewrite(2) { $0.status = 500 }
        let cutoff = Timestamp.rfc3339(trail.time(of: 6).addingTimeInterval(0.5))
        let refused = try await trail.cli(["audit", "prune", "--before", cutoff])
        CLI.expectFailure(refused, containing: "nothing was pruned")
        CLI.expectFailure(refused, containing: "record 5 does not match checkpoint #1")
        #expect(try await trail.records().count == 10)
    }

    @Test func aCheckpointKeptElsewhereCatchesAThiefWhoDeletedTheStoredOnesToo() async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        let saved = trail.directory.appendingPathComponent("saved-checkpoint.json")
        let printed = try await trail.cli(["audit", "checkpoint"])
        #expect(printed.status == 0, "\(printed.stderr)")
        try printed.stdout.write(to: saved, atomically: true, encoding: .utf8)
        #expect(try await trail.verify(["--checkpoint", saved.path]).status == 0)

        // The newest records and every stored checkpoint: the file alone cannot tell (the chain holds, nothing signed
        // is left to hold it to), the copy kept elsewhere can.
        try trail.tamper("DELETE FROM audit_records WHERE seq > 6; DELETE FROM audit_signed_checkpoints")
        #expect(try await trail.verify().status == 0)
        let caught = try await trail.verify(["--checkpoint", saved.path])
        CLI.expectFailure(caught, containing: "the audit trail is cut at record 7: records 7…10 are missing")
        CLI.expectFailure(caught, containing: "the checkpoint in \(saved.path) (record 10, signed by gw-test")

        // Everything: still caught. And the note alone, without the JSON around it, serves as well.
        try trail.tamper("DELETE FROM audit_records")
        let note = trail.directory.appendingPathComponent("saved.note")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        try #require(document["note"] as? String).write(to: note, atomically: true, encoding: .utf8)
        CLI.expectFailure(try await trail.verify(["--checkpoint", note.path]), containing: "records 1…10 are missing")
    }

    @Test func checkpointPrintsTheLatestAsJSONAndPublicKeyTheKeyThatVerifiesIt() async throws {
        let trail = try await TamperableTrail()
        defer { trail.remove() }
        CLI.expectFailure(try await trail.cli(["audit", "checkpoint"]), containing: "no signed checkpoint yet")
        try await trail.append(3)
        try await trail.sign(node: "gw-a")
        let printed = try await CLI.json(["audit", "checkpoint"], database: trail.database)
        let last = try #require(try await trail.records().last)
        #expect(printed["seq"] as? Int == 3 && printed["hash"] as? String == last.hash && printed["node"] as? String == "gw-a")
        #expect(printed["origin"] as? String == "contacts-gateway/audit" && printed["pruned"] as? Int == 0)
        #expect(printed["id"] as? Int == 1 && printed["keyId"] as? String == trail.key.keyIDHex)
        let note = try #require(printed["note"] as? String)
        #expect(try SignedAuditCheckpoint(parsing: note).checkpoint.seq == 3)
        #expect(trail.key.verify(try SignedNote(parsing: note)) == .verified)

        let key = try await CLI.json(["audit", "public-key"], database: trail.database)
        #expect(key["verifierKey"] as? String == trail.key.verifierKey)
        #expect(key["publicKey"] as? String == trail.key.base64 && key["keyId"] as? String == trail.key.keyIDHex)
        #expect(key["algorithm"] as? String == "ed25519" && key["name"] as? String == "contacts-gateway/audit")
        let table = try await trail.cli(["audit", "public-key"])
        #expect(table.status == 0 && table.stdout.contains(trail.key.verifierKey) && table.stdout.contains(trail.key.base64))

        // A forged newest checkpoint is not handed out as an anchor.
        try await trail.append(1)
        try await trail.insertForeignCheckpoint(at: 4)
        CLI.expectFailure(try await trail.cli(["audit", "checkpoint"]), containing: "(#2) cannot be used: it is not signed by this gateway's key")
    }

    enum BadCheckpointFile: String, CaseIterable, Sendable {
        case missing, directory, binary, empty, jsonWithoutNote, notANote, notACheckpoint

        /// Writes the file (or not) and returns its path and what the one line must say.
        func make(in directory: URL) throws -> (path: String, fragment: String) {
            let path = directory.appendingPathComponent("checkpoint-\(rawValue)").path
            func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
            switch self {
            case .missing: return (path, "the checkpoint file '\(path)' does not exist")
            case .directory:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                return (path, "is a directory")
            case .binary:
                try Data([0xff, 0xfe, 0x00, 0x81]).write(to: URL(fileURLWithPath: path))
                return (path, "is not UTF-8 text")
            case .empty:
                try write("")
                return (path, "is not a signed checkpoint: it is empty")
            case .jsonWithoutNote:
                try write(#"{"seq": 10, "hash": "abc"}"#)
                return (path, "has no \"note\" string")
            case .notANote:
                try write("contacts-gateway/audit\n10\n")
                return (path, "is not a signed checkpoint: it has no blank line")
            case .notACheckpoint:
                try write("hello\n\n\u{2014} contacts-gateway/audit AAAAAAAAAAAA\n")
                return (path, "is not a signed checkpoint: its text is not the 6 lines of a checkpoint")
            }
        }
    }

    @Test(arguments: BadCheckpointFile.allCases)
    func aBadCheckpointFileGetsOnePlainLine(_ bad: BadCheckpointFile) async throws {
        let trail = try await TamperableTrail.signedAtFiveAndTen()
        defer { trail.remove() }
        let (path, fragment) = try bad.make(in: trail.directory)
        CLI.expectFailure(try await trail.verify(["--checkpoint", path]), containing: fragment)
    }
}
