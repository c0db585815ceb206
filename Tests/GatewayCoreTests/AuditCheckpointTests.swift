import Foundation
import GatewayCore
import Testing

/// The checkpoint format: signed notes as C2SP writes them, the checkpoint text, and the gateway's Ed25519 key.
@Suite struct AuditCheckpointTests {
    // golang.org/x/mod/sumdb/note's example: an implementation other than this one, so the form and the key ID are
    // checked against the world, not against themselves.
    static let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote = goText
        + "\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    static let checkpoint = AuditCheckpoint(
        seq: 1234, hash: "4c32de9894e945d8dadf699db2982d7f8d26f027ce74a57ea9742b52a74ef5e0", node: "gw-1",
        timeMs: 1_764_037_240_123, pruned: 17)

    @Test func goReferenceNoteVerifiesWithItsVerifierKey() throws {
        let key = try AuditCheckpointKey(verifierKey: Self.goVerifierKey)
        #expect(key.name == "PeterNeumann" && key.keyIDHex == "c74f20a3")
        #expect(key.verifierKey == Self.goVerifierKey)
        let note = try SignedNote(parsing: Self.goNote)
        #expect(note.text == Self.goText)
        #expect(note.rendered == Self.goNote)
        #expect(key.verify(note) == .verified)
        var changed = note
        changed.text = changed.text.replacingOccurrences(of: "cryptography", with: "cryptographY")
        #expect(key.verify(changed) == .invalid)
    }

    @Test(arguments: [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // the ID of another key
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // not Ed25519 (type 0x02)
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",
    ])
    func malformedVerifierKeysAreRefused(_ text: String) {
        #expect(throws: AuditCheckpointKey.Malformed.self) { try AuditCheckpointKey(verifierKey: text) }
    }

    @Test func checkpointTextIsTheDocumentedOneAndReadsBack() throws {
        let text = Self.checkpoint.text
        #expect(text == """
            contacts-gateway/audit
            1234
            TDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=
            node gw-1
            time 2025-11-25T02:20:40.123Z
            pruned 17

            """)
        #expect(try AuditCheckpoint(text: text) == Self.checkpoint)
    }

    @Test(arguments: [
        ("contacts-gateway/audit\n1234\n", "lines"),
        ("contacts-gateway/audit\n01234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw-1\ntime 2025-11-25T02:20:40.123Z\npruned 0\n", "size"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9=\nnode gw-1\ntime 2025-11-25T02:20:40.123Z\npruned 0\n", "hash"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw 1\ntime 2025-11-25T02:20:40.123Z\npruned 0\n", "node"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw-1\ntime 2025-02-30T02:20:40.123Z\npruned 0\n", "time"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw-1\ntime 2025-11-25T02:20:40Z\npruned 0\n", "time"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw-1\ntime 2025-11-25T02:20:40.123Z\npruned 1235\n", "pruned"),
        ("contacts-gateway/audit\n1234\nTDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=\nnode gw-1\ntime 2025-11-25T02:20:40.123Z\npruned 0", "newline"),
    ])
    func malformedCheckpointTextsAreRefused(_ text: String, _ fragment: String) {
        do {
            _ = try AuditCheckpoint(text: text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test(arguments: [
        ("text\n\u{2014} k AAAAAAA=\n", "blank line"),
        ("text\n\n", "signature"),
        ("text\n\n\u{2014} k AAAAAAA=", "newline"),
        ("te\u{1}xt\n\n\u{2014} k AAAAAAA=\n", "control"),
        ("text\n\n- k AAAAAAA=\n", "em dash"),
        ("text\n\n\u{2014} k+x AAAAAAA=\n", "key name"),
        ("text\n\n\u{2014} k AAAA\n", "base64"),
        ("text\n\n\u{2014} k not-base64!\n", "base64"),
    ])
    func malformedNotesAreRefused(_ note: String, _ fragment: String) {
        do {
            _ = try SignedNote(parsing: note)
            Issue.record("accepted: \(note)")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func theSignerSignsAndOnlyItsOwnKeyVerifies() throws {
        let secret = GatewaySecret.generate()
        let signer = AuditCheckpointSigner(secret: secret)
        // Derived, not random: the same secret signs as the same key in every process and on every gateway.
        #expect(AuditCheckpointSigner(secret: try GatewaySecret(encoded: secret.base64)).publicKey == signer.publicKey)
        #expect(try AuditCheckpointKey(verifierKey: signer.publicKey.verifierKey) == signer.publicKey)
        #expect(signer.publicKey.name == AuditCheckpoint.origin)

        let note = try signer.sign(Self.checkpoint)
        let parsed = try SignedAuditCheckpoint(parsing: note.rendered)
        #expect(parsed.checkpoint == Self.checkpoint)
        #expect(parsed.keyIDHex == signer.publicKey.keyIDHex)
        #expect(signer.publicKey.verify(parsed.note) == .verified)

        let other = AuditCheckpointSigner(secret: GatewaySecret.generate()).publicKey
        #expect(other.verify(parsed.note) == .notSigned(keyIDs: [signer.publicKey.keyID]))
        var forged = parsed.note
        forged.text = forged.text.replacingOccurrences(of: "1234", with: "1235")
        #expect(signer.publicKey.verify(forged) == .invalid)
        // A second line under the same name and ID that does not hold spoils the note.
        var doubled = parsed.note
        doubled.signatures.append(.init(keyName: signer.publicKey.name, keyID: signer.publicKey.keyID, bytes: [UInt8](repeating: 7, count: 64)))
        #expect(signer.publicKey.verify(doubled) == .invalid)
        // Others' signatures are ignored, as signed-note says.
        var cosigned = parsed.note
        cosigned.signatures.insert(.init(keyName: "witness.example", keyID: 1, bytes: [1, 2, 3]), at: 0)
        #expect(signer.publicKey.verify(cosigned) == .verified)
    }

    /// docs/audit.md's example, signed under the secret 00 01 02 … 1f: the note, the key and the HKDF derivation were
    /// computed with Python's cryptography package, outside Swift. The key of every gateway secret in use depends on
    /// this derivation staying as it is.
    @Test func theDocumentedExampleIsWhatTheSignerWrites() throws {
        let secret = try GatewaySecret(bytes: Array(0..<32))
        let signer = AuditCheckpointSigner(secret: secret)
        #expect(signer.publicKey.verifierKey == "contacts-gateway/audit+b9acc9c0+AQ242wwfjD+YUYh1jdsqRnBaVyeY9qDZNh/mKF30FPXy")
        #expect(signer.publicKey.base64 == "DbjbDB+MP5hRiHWN2ypGcFpXJ5j2oNk2H+YoXfQU9fI=")
        var example = Self.checkpoint
        example.pruned = 0
        #expect(try signer.sign(example).rendered == """
            contacts-gateway/audit
            1234
            TDLemJTpRdja32mdspgtf40m8CfOdKV+qXQrUqdO9eA=
            node gw-1
            time 2025-11-25T02:20:40.123Z
            pruned 0

            \u{2014} contacts-gateway/audit uazJwGfferXgFjFFRPiWINttxjYYieE8tJSjG3Yq8V5xoFWaKjUKXt06ILqXHNLPL8AVODocYpNP39q+vnUlAAQZdAk=

            """)
    }

    @Test func noDescriptionOfTheSignerShowsItsPrivateKey() throws {
        struct Holder { let signer: AuditCheckpointSigner }
        let signer = AuditCheckpointSigner(secret: try GatewaySecret(bytes: Array(0..<32)))
        // The seed HKDF gives for the example secret (Python's cryptography), as Swift prints an array of bytes: how a
        // service holding the signer would show it in a log line.
        let seedText = "77, 231, 222, 208, 154, 63"
        var dumped = ""
        dump(Holder(signer: signer), to: &dumped)
        for text in [String(describing: signer), String(reflecting: signer), String(describing: Holder(signer: signer)),
                     String(reflecting: Holder(signer: signer)), dumped] {
            #expect(!text.contains(seedText), "\(text)")
            #expect(text.contains(signer.publicKey.verifierKey), "\(text)")
        }
    }

    @Test func aCheckpointKeptElsewhereReadsAsJSONOrAsTheNote() throws {
        let signer = AuditCheckpointSigner(secret: GatewaySecret.generate())
        let signed = try SignedAuditCheckpoint(parsing: try signer.sign(Self.checkpoint).rendered)
        let json = String(decoding: try JSONEncoder().encode(signed), as: UTF8.self)
        #expect(try SignedAuditCheckpoint(contents: json) == signed)
        #expect(try SignedAuditCheckpoint(contents: signed.note.rendered) == signed)
        // Saved by an editor without its final newline, or with a few more.
        #expect(try SignedAuditCheckpoint(contents: String(signed.note.rendered.dropLast())) == signed)
        #expect(try SignedAuditCheckpoint(contents: signed.note.rendered + "\n\n") == signed)
        for (contents, fragment) in [("", "empty"), ("{\"seq\": 3}", "note"), ("{nope", "JSON"), ("hello\n", "blank line")] {
            #expect(throws: SignedAuditCheckpoint.Malformed.self, "\(fragment)") { try SignedAuditCheckpoint(contents: contents) }
        }
    }
}
