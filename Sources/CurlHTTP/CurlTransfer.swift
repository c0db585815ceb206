import CCurl

/// Response state of one in-flight transfer, filled in by libcurl's callbacks.
///
/// Lives on the driver thread only; libcurl reaches it through an unretained pointer
/// (CURLOPT_WRITEDATA/HEADERDATA), which is safe because the driver keeps the object in
/// its active table for as long as the easy handle is attached to the multi handle.
final class CurlTransfer {
    let id: UInt64
    let easy: CurlEasyHandle
    private let maxResponseBytes: Int
    private var body: [UInt8] = []
    private var headers: [(name: String, value: String)] = []
    /// True between a status line and the blank line ending its header block, so interim
    /// 1xx blocks are discarded and trailers are not mistaken for headers.
    private var inHeaderBlock = false
    private var exceededLimit = false

    init(id: UInt64, easy: CurlEasyHandle, maxResponseBytes: Int) {
        self.id = id
        self.easy = easy
        self.maxResponseBytes = maxResponseBytes
    }

    var userdata: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    /// Builds the outcome once libcurl reports the transfer done.
    func finish(code: CURLcode) -> Result<CurlResponse, CurlError> {
        if exceededLimit {
            return .failure(CurlError(
                kind: .responseTooLarge,
                curlCode: Int32(code.rawValue),
                message: "response body exceeds \(maxResponseBytes) bytes"
            ))
        }
        guard code == CURLE_OK else {
            // PRETRANSFER is stamped right before the first request byte is written, after
            // connect and TLS; zero means the request never left this process.
            let requestStarted = (easy.getOffset(CURLINFO_PRETRANSFER_TIME_T) ?? 1) > 0
            return .failure(CurlError(code: code, errorBuffer: easy.errorMessage, requestStarted: requestStarted))
        }
        let status = easy.getLong(CURLINFO_RESPONSE_CODE) ?? 0
        return .success(CurlResponse(status: status, headers: headers, body: body))
    }

    fileprivate func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard chunk.count <= maxResponseBytes - body.count else {
            exceededLimit = true
            return false
        }
        if body.isEmpty, let expected = easy.getOffset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T), expected > 0 {
            body.reserveCapacity(Int(min(expected, Int64(maxResponseBytes))))
        }
        body.append(contentsOf: chunk)
        return true
    }

    fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        // Read in place: libcurl's buffer is valid for the duration of the callback, and every index below stays
        // within `0..<end`, `end <= line.count`.
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        if end >= 5, line[0..<5].elementsEqual("HTTP/".utf8) {
            headers.removeAll(keepingCapacity: true)
            inHeaderBlock = true
            return
        }
        guard inHeaderBlock else { return }
        guard end > 0 else {
            inHeaderBlock = false
            return
        }
        if line[0] == UInt8(ascii: " ") || line[0] == UInt8(ascii: "\t") {
            // Obsolete line folding: continuation of the previous header's value.
            guard !headers.isEmpty else { return }
            headers[headers.count - 1].value += " " + Self.trimmedString(line, 0, end)
            return
        }
        guard let colon = line[0..<end].firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = Self.trimmedString(line, 0, colon)
        let value = Self.trimmedString(line, colon + 1, end)
        headers.append((name: name, value: value))
    }

    private static func trimmedString(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        var lower = start
        var upper = end
        while lower < upper, bytes[lower] == UInt8(ascii: " ") || bytes[lower] == UInt8(ascii: "\t") {
            lower += 1
        }
        while upper > lower, bytes[upper - 1] == UInt8(ascii: " ") || bytes[upper - 1] == UInt8(ascii: "\t") {
            upper -= 1
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]), as: UTF8.self)
    }

    // MARK: libcurl callbacks (non-capturing, usable as C function pointers)

    static let writeCallback: ccurl_write_callback = { pointer, size, count, userdata in
        let length = size * count
        guard let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        // Returning anything other than `length` makes curl abort with CURLE_WRITE_ERROR.
        return transfer.receiveBody(UnsafeRawBufferPointer(start: pointer, count: length)) ? length : 0
    }

    static let headerCallback: ccurl_write_callback = { pointer, size, count, userdata in
        let length = size * count
        guard let userdata else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
        guard length > 0 else { return length }
        transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: pointer, count: length))
        return length
    }
}

@available(*, unavailable)
extension CurlTransfer: Sendable {}
