import Crypto
import Foundation

/// The hash chain that makes the trail tamper-evident.
///
/// `hash = hex(SHA-256(prevHash || canonical))`, where `prevHash` is the previous record's `hash` as 64 lowercase
/// hex characters (ASCII) and, for the first record ever, 64 `0`s. `canonical` is the record's hashed fields
/// (``AuditRecord/fields``: all but `hash` and `prevHash`) as one line of JSON (UTF-8, no whitespace, no trailing
/// newline):
///
/// - keys in the byte order of their names: `client`, `contactId`, `count`, `durationMs`, `keyId`, `keyName`,
///   `locationId`, `method`, `outcome`, `path`, `requestId`, `resourceId`, `role`, `route`, `seq`, `status`, `time`,
///   `upstreamAttempts`, `upstreamStatus`; every key always present, `null` when the value is unknown, except the
///   fields added after the first release (`count`), which are left out when unknown, so that records written before
///   them hash as they did;
/// - strings with only `"` → `\"`, `\` → `\\` and U+0000…U+001F → `\u00xx` (lowercase hex) escaped, all else as is;
/// - integers (`count`, `seq`, `status`, `upstreamAttempts`, `upstreamStatus`) in decimal;
/// - `durationMs` as a decimal with exactly three fraction digits (`12.345`, `0.000`);
/// - `time` as the string `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// A chain only shows that records were changed after they were written by someone who did not recompute every later
/// hash; keeping a copy of recent hashes elsewhere (an export) anchors it against that.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(of record: AuditRecord) -> String {
        var hasher = SHA256()
        var prevHash = record.prevHash
        prevHash.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        canonical(record).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    // The writer thread encodes every record of the trail, so this works on bytes: no intermediate strings for
    // numbers and dates (8% of the writer's time with them), and no helpers that capture `out` (a captured var is
    // boxed and every append checked for exclusive access at run time: 5 µs a record).
    public static func canonical(_ record: AuditRecord) -> [UInt8] {
        var out = CanonicalJSON()
        for field in AuditRecord.canonicalFields {
            let value = field.value(of: record)
            switch (value, field.hashing) {
            case (.text(nil), .whenPresent), (.integer(nil), .whenPresent): continue
            default: break
            }
            out.key(field.name)
            switch (value, field.kind) {
            case (.text(let text), _): out.string(text)
            case (.integer(nil), _): out.null()
            case (.integer(let number?), .time):
                out.bytes.append(UInt8(ascii: "\""))
                appendRFC3339(milliseconds: number, to: &out.bytes)
                out.bytes.append(UInt8(ascii: "\""))
            case (.integer(let number?), .duration):
                let micros = max(0, number)
                appendDecimal(micros / 1000, to: &out.bytes)
                out.bytes.append(UInt8(ascii: "."))
                appendDecimal(micros % 1000, width: 3, to: &out.bytes)
            case (.integer(let number?), _): appendDecimal(number, to: &out.bytes)
            }
        }
        out.bytes.append(UInt8(ascii: "}"))
        return out.bytes
    }

    /// The canonical line being written: keys, escaped strings and integers.
    private struct CanonicalJSON {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(512) }

        mutating func key(_ name: String) {
            bytes.append(bytes.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: "\""))
            bytes.append(UInt8(ascii: ":"))
        }

        mutating func null() { bytes.append(contentsOf: "null".utf8) }

        mutating func string(_ value: String?) {
            guard var value else { return null() }
            bytes.append(UInt8(ascii: "\""))
            value.withUTF8 { utf8 in
                // Almost every value needs no escaping: copied in one go.
                guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
                else { return bytes.append(contentsOf: utf8) }
                for byte in utf8 {
                    switch byte {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                        bytes.append(UInt8(ascii: "\\"))
                        bytes.append(byte)
                    case 0..<0x20:
                        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                        bytes.append(hexDigits[Int(byte >> 4)])
                        bytes.append(hexDigits[Int(byte & 0xf)])
                    default: bytes.append(byte)
                    }
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        String(unsafeUninitializedCapacity: 64) { chars in
            var count = 0
            for byte in digest where count + 2 <= chars.count {
                chars[count] = hexDigits[Int(byte >> 4)]
                chars[count + 1] = hexDigits[Int(byte & 0xf)]
                count += 2
            }
            return count
        }
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    static func appendDecimal(_ value: Int64, width: Int = 1, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            // Int64.min has no positive counterpart; its magnitude still fits in a UInt64.
            return appendDigits(UInt64(bitPattern: 0 &- value), width: width, to: &out)
        }
        appendDigits(UInt64(value), width: width, to: &out)
    }

    private static func appendDigits(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        // The largest power of ten not above `value`: at most 10^19, which a UInt64 holds.
        var divisor: UInt64 = 1
        var count = 1
        while value / divisor >= 10 {
            divisor *= 10
            count += 1
        }
        for _ in count..<max(count, width) { out.append(UInt8(ascii: "0")) }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (the form `rfc3339(milliseconds:)` returns) appended as bytes.
    static func appendRFC3339(milliseconds: Int64, to out: inout [UInt8]) {
        let t = CivilTime(milliseconds: milliseconds)
        appendDecimal(t.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDecimal(t.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDecimal(t.day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDecimal(t.hour, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDecimal(t.minute, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDecimal(t.second, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendDecimal(t.millisecond, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, computed from the epoch (proleptic Gregorian, UTC) without locale or formatter.
    public static func rfc3339(milliseconds: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendRFC3339(milliseconds: milliseconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
