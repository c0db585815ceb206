import Foundation

/// What a gateway signs about its trail: how many records it holds and the hash of the last one, in the note text of
/// C2SP's tlog-checkpoint (origin, tree size, root hash, then extension lines):
///
/// ```
/// contacts-gateway/audit
/// 1234
/// <base64 of the 32 bytes of record 1234's hash>
/// node gw-1
/// time 2026-11-25T10:00:00.000Z
/// pruned 0
/// ```
///
/// The "root hash" is the head of the hash chain, not a Merkle tree root: the checkpoint pins every record up to `seq`,
/// but does not support inclusion proofs. `pruned` is how many of the oldest records had been pruned when it was signed,
/// so that a later prune boundary the signer never saw shows. A checkpoint whose `seq` equals its `pruned` is the one
/// `audit prune` signs at its boundary.
public struct AuditCheckpoint: Sendable, Equatable {
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The trail's name: the first line, and the name of the key that signs it.
    public static let origin = "contacts-gateway/audit"

    public var origin: String
    /// The last record's seq, which is the number of records ever appended (seq runs 1, 2, 3, … with no gaps).
    public var seq: Int64
    /// The hash of record `seq`, as the records hold it (64 lowercase hex digits); for a trail of 0 records, 64 `0`s.
    public var hash: String
    /// The gateway that signed it.
    public var node: String
    public var timeMs: Int64
    /// Records 1…`pruned` had been pruned when it was signed (0: none).
    public var pruned: Int64

    public init(seq: Int64, hash: String, node: String, timeMs: Int64, pruned: Int64, origin: String = Self.origin) {
        self.origin = origin
        self.seq = seq
        self.hash = hash
        self.node = node
        self.timeMs = timeMs
        self.pruned = pruned
    }

    public var time: String { AuditChain.rfc3339(milliseconds: timeMs) }

    /// The note text that is signed, final newline included.
    public var text: String {
        let root = Data(Self.bytes(ofHex: hash) ?? []).base64EncodedString()
        return "\(origin)\n\(seq)\n\(root)\nnode \(node)\ntime \(time)\npruned \(pruned)\n"
    }

    /// Reads a note text back; only the exact form `text` writes is accepted, so one checkpoint has one text.
    public init(text: String) throws(Malformed) {
        guard text.hasSuffix("\n") else { throw Malformed("its text does not end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count == 6 else {
            throw Malformed("its text is not the 6 lines of a checkpoint (origin, seq, hash, node, time, pruned)")
        }
        let origin = lines[0]
        guard SignedNote.isValidKeyName(origin) else { throw Malformed("its origin '\(origin.prefix(40))' is empty or holds a space or '+'") }
        guard let seq = Self.decimal(lines[1]) else { throw Malformed("its size '\(lines[1].prefix(40))' is not a decimal number") }
        guard let root = Data(base64Encoded: lines[2]), root.count == 32, root.base64EncodedString() == lines[2] else {
            throw Malformed("its hash '\(lines[2].prefix(60))' is not base64 of 32 bytes")
        }
        guard let node = Self.value(lines[3], "node"), Self.isValidNode(node) else {
            throw Malformed("its fourth line is not 'node <name>' (letters, digits, '.', '-', '_')")
        }
        guard let time = Self.value(lines[4], "time"), let timeMs = CivilTime.milliseconds(rfc3339: time) else {
            throw Malformed("its fifth line is not 'time YYYY-MM-DDTHH:MM:SS.mmmZ'")
        }
        guard let prunedText = Self.value(lines[5], "pruned"), let pruned = Self.decimal(prunedText), pruned <= seq else {
            throw Malformed("its sixth line is not 'pruned <n>' with n at most its size")
        }
        self.init(seq: seq, hash: AuditChain.hex(root), node: node, timeMs: timeMs, pruned: pruned, origin: origin)
    }

    /// A node's name as checkpoints carry it: 1 to 253 letters, digits, `.`, `-` and `_` (a host name fits).
    public static func isValidNode(_ name: String) -> Bool {
        (1...253).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
    }

    /// ASCII decimal without leading zeros (tlog-checkpoint's tree size), fitting an Int64.
    private static func decimal(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            text == "0" || !text.hasPrefix("0")
        else { return nil }
        return Int64(text)
    }

    private static func value(_ line: String, _ name: String) -> String? {
        let prefix = name + " "
        return line.hasPrefix(prefix) ? String(line.dropFirst(prefix.count)) : nil
    }

    static func bytes(ofHex text: String) -> [UInt8]? {
        guard text.utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return bytes
    }
}
