import GatewayCore

/// One audit record as the journal holds it: its length, a CRC-32 of what follows, the journal's epoch, and the
/// record's fields (``AuditRecord/fields``, in their order) before it is chained: no seq, no hashes.
///
/// A crash can leave the last frame torn; a file preallocated with zeros holds zeros after the last frame; a journal
/// written again from its start (a new epoch) holds the older epoch's frames after the new ones. ``decode(_:)`` takes
/// the frames of the first frame's epoch and stops at the first that is short, zero, of another epoch or fails its
/// CRC.
enum AuditJournalFrame {
    /// Appends `record`'s frame to `bytes`.
    static func encode(_ record: AuditRecord, epoch: UInt32, into bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: [UInt8](repeating: 0, count: 8))
        append(epoch, to: &bytes)
        for field in AuditRecord.fields where field.hashing != .never {
            switch field.value(of: record) {
            case .text(nil), .integer(nil):
                bytes.append(0)
            case .text(let text?):
                bytes.append(1)
                var text = text
                text.withUTF8 { utf8 in
                    append(UInt32(utf8.count), to: &bytes)
                    bytes.append(contentsOf: utf8)
                }
            case .integer(let number?):
                bytes.append(2)
                append(UInt64(bitPattern: number), to: &bytes)
            }
        }
        let length = bytes.count - start - 8
        let crc = bytes.withUnsafeBufferPointer { CRC32.of(UnsafeBufferPointer(rebasing: $0[(start + 8)...])) }
        write(UInt32(length), at: start, in: &bytes)
        write(crc, at: start + 4, in: &bytes)
    }

    /// The records of every whole frame of the first frame's epoch from the start of `bytes`, that epoch (0 when
    /// there is no frame), and how many bytes they take.
    static func decode(_ bytes: [UInt8]) -> (records: [AuditRecord], epoch: UInt32, length: Int) {
        var records: [AuditRecord] = []
        var epoch: UInt32 = 0
        var offset = 0
        while offset + 12 <= bytes.count {
            let length = Int(read32(bytes, offset))
            let body = offset + 8
            guard length >= 4, length <= bytes.count - body,
                read32(bytes, offset + 4) == bytes.withUnsafeBufferPointer({
                    CRC32.of(UnsafeBufferPointer(rebasing: $0[body..<(body + length)]))
                })
            else { break }
            let frameEpoch = read32(bytes, body)
            guard epoch == 0 || frameEpoch == epoch, let record = record(bytes[(body + 4)..<(body + length)]) else { break }
            epoch = frameEpoch
            records.append(record)
            offset = body + length
        }
        return (records, epoch, offset)
    }

    private static func record(_ body: ArraySlice<UInt8>) -> AuditRecord? {
        var record = AuditRecord.blank
        var index = body.startIndex
        for field in AuditRecord.fields where field.hashing != .never {
            guard index < body.endIndex else { return nil }
            let tag = body[index]
            index += 1
            let value: AuditField.Value
            switch tag {
            case 0:
                value = field.kind == .text ? .text(nil) : .integer(nil)
            case 1:
                guard body.endIndex - index >= 4 else { return nil }
                let count = Int(read32(body, index))
                index += 4
                guard body.endIndex - index >= count else { return nil }
                value = .text(String(decoding: body[index..<(index + count)], as: UTF8.self))
                index += count
            case 2:
                guard body.endIndex - index >= 8 else { return nil }
                var number: UInt64 = 0
                for shift in 0..<8 { number |= UInt64(body[index + shift]) << (8 * UInt64(shift)) }
                value = .integer(Int64(bitPattern: number))
                index += 8
            default:
                return nil
            }
            field.assign(value, to: &record)
        }
        return index == body.endIndex ? record : nil
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        for shift in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * shift))) }
    }

    private static func write(_ value: UInt32, at offset: Int, in bytes: inout [UInt8]) {
        for shift in 0..<4 { bytes[offset + shift] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(shift))) }
    }

    private static func read32<C: RandomAccessCollection>(_ bytes: C, _ offset: C.Index) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        var value: UInt32 = 0
        for shift in 0..<4 { value |= UInt32(bytes[offset + shift]) << (8 * UInt32(shift)) }
        return value
    }
}

/// CRC-32 (IEEE 802.3, as zlib's `crc32`): catches a torn or partly overwritten frame.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
