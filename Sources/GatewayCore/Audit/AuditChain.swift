import Crypto
import Foundation

/// The hash chain that makes the trail tamper-evident.
///
/// `hash = hex(SHA-256(prevHash || canonical))`, where `prevHash` is the previous record's `hash` as 64 lowercase
/// hex characters (ASCII) and, for the first record ever, 64 `0`s. `canonical` is the record's fields except `hash`
/// and `prevHash`, as one line of JSON (UTF-8, no whitespace, no trailing newline):
///
/// - keys in this order (byte order of their names): `client`, `contactId`, `durationMs`, `keyId`, `keyName`,
///   `locationId`, `method`, `outcome`, `path`, `requestId`, `resourceId`, `role`, `route`, `seq`, `status`, `time`,
///   `upstreamAttempts`, `upstreamStatus`; every key always present, `null` when the value is unknown;
/// - strings with only `"` → `\"`, `\` → `\\` and U+0000…U+001F → `\u00xx` (lowercase hex) escaped, all else as is;
/// - `seq`, `status`, `upstreamAttempts`, `upstreamStatus` as decimal integers;
/// - `durationMs` as a decimal with exactly three fraction digits (`12.345`, `0.000`);
/// - `time` as the string `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// A chain only shows that records were changed after they were written by someone who did not recompute every later
/// hash; keeping a copy of recent hashes elsewhere (an export) anchors it against that.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(of record: AuditRecord) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(record.prevHash.utf8))
        hasher.update(data: canonical(record))
        return hex(hasher.finalize())
    }

    public static func canonical(_ r: AuditRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        func key(_ name: String, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        func string(_ value: String?) {
            guard let value else { return out.append(contentsOf: "null".utf8) }
            out.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0..<0x20:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xf)])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        func integer(_ value: Int64?) {
            guard let value else { return out.append(contentsOf: "null".utf8) }
            out.append(contentsOf: String(value).utf8)
        }
        out.append(UInt8(ascii: "{"))
        key("client", first: true); string(r.client)
        key("contactId"); string(r.contactId)
        key("durationMs")
        let micros = max(0, r.durationMicros)
        let fraction = String(micros % 1000)
        out.append(contentsOf: (String(micros / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction).utf8)
        key("keyId"); string(r.keyId)
        key("keyName"); string(r.keyName)
        key("locationId"); string(r.locationId)
        key("method"); string(r.method)
        key("outcome"); string(r.outcome)
        key("path"); string(r.path)
        key("requestId"); string(r.requestId)
        key("resourceId"); string(r.resourceId)
        key("role"); string(r.role)
        key("route"); string(r.route)
        key("seq"); integer(r.seq)
        key("status"); integer(Int64(r.status))
        key("time"); string(rfc3339(milliseconds: r.timeMs))
        key("upstreamAttempts"); integer(Int64(r.upstreamAttempts))
        key("upstreamStatus"); integer(r.upstreamStatus.map(Int64.init))
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        var chars: [UInt8] = []
        chars.reserveCapacity(64)
        for byte in digest {
            chars.append(hexDigits[Int(byte >> 4)])
            chars.append(hexDigits[Int(byte & 0xf)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, computed from the epoch (proleptic Gregorian, UTC) without locale or formatter.
    public static func rfc3339(milliseconds: Int64) -> String {
        let ms = milliseconds % 1000 < 0 ? milliseconds % 1000 + 1000 : milliseconds % 1000
        let seconds = (milliseconds - ms) / 1000
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(ms, 3))Z"
    }
}
