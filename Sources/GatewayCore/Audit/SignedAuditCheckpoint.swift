import Foundation

/// A checkpoint with its signatures: the signed note, and what its text says. Parsing checks the form only; whether it
/// is signed by the gateway's key is ``AuditCheckpointKey/verify(_:)``'s to say.
public struct SignedAuditCheckpoint: Sendable, Equatable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public var note: SignedNote
    public var checkpoint: AuditCheckpoint

    public init(note: SignedNote, checkpoint: AuditCheckpoint) {
        self.note = note
        self.checkpoint = checkpoint
    }

    public init(parsing text: String) throws(Malformed) {
        let note: SignedNote
        do { note = try SignedNote(parsing: text) } catch { throw Malformed(error.description) }
        do { checkpoint = try AuditCheckpoint(text: note.text) } catch { throw Malformed(error.description) }
        self.note = note
    }

    /// A checkpoint kept elsewhere: the JSON document `audit checkpoint` prints (its `note`), or the note itself.
    /// A file saved without its final newline is read as if it had one.
    public init(contents: String) throws(Malformed) {
        let trimmed = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Malformed("it is empty") }
        if trimmed.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw Malformed("it starts like JSON but is not a JSON object")
            }
            guard let note = object["note"] as? String else {
                throw Malformed("its JSON has no \"note\" string (the signed text `audit checkpoint` prints)")
            }
            try self.init(parsing: note)
        } else {
            // Only trailing newlines are forgiven: the text itself must be exactly what was signed.
            var text = Substring(contents)
            while let last = text.unicodeScalars.last, last == "\n" || last == " " { text = text.dropLast() }
            try self.init(parsing: text + "\n")
        }
    }

    /// The key ID of its first signature, in hex: what a reader matches against `audit public-key`.
    public var keyIDHex: String? { note.signatures.first.map { AuditCheckpointKey.hex($0.keyID) } }
}

extension SignedAuditCheckpoint: Encodable {
    private enum Keys: String, CodingKey { case note, origin, seq, hash, node, time, pruned, keyId }

    /// The note, and the fields its text holds (for reading; verification reads the note).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(note.rendered, forKey: .note)
        try c.encode(checkpoint.origin, forKey: .origin)
        try c.encode(checkpoint.seq, forKey: .seq)
        try c.encode(checkpoint.hash, forKey: .hash)
        try c.encode(checkpoint.node, forKey: .node)
        try c.encode(checkpoint.time, forKey: .time)
        try c.encode(checkpoint.pruned, forKey: .pruned)
        try c.encode(keyIDHex, forKey: .keyId)
    }
}
