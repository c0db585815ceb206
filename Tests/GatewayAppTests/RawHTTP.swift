import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends bytes exactly as written, for requests an HTTP client library would normalise (`..`, `%2F`, odd targets).
enum RawHTTP {
    struct Failure: Error { let what: String }

    /// The status code of the answer to `request`, sent as-is to 127.0.0.1:`port`.
    static func status(port: Int, request: String) throws -> (status: Int, text: String) {
        let fd = try connected(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw Failure(what: "send")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(what: "no status in \(text.prefix(80))") }
        return (status, text)
    }

    /// A TCP socket connected to 127.0.0.1:`port`.
    static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(what: "connect")
        }
        return fd
    }
}

/// One connection driven by hand, for what happens between requests and inside them: bytes go when the test sends
/// them, and every read has a bound on its wait. Blocking: use it inside `blocking {}`.
final class RawConnection: @unchecked Sendable {
    struct Answer: Sendable {
        var statusLine: String
        var status: Int
        /// Names in lower case.
        var headers: [String: String]
        var body: String
    }

    private var fd: Int32
    private var unread: [UInt8] = []
    private var ended = false

    init(port: Int) throws {
        fd = try RawHTTP.connected(port: port)
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw RawHTTP.Failure(what: "send: \(String(cString: strerror(errno)))") }
    }

    /// Reads one answer (a head, then `Content-Length` bytes of body), or fails if none is whole within `limit`.
    func readAnswer(within limit: Duration = .seconds(10)) throws -> Answer {
        let deadline = ContinuousClock.now + limit
        while true {
            if let answer = try takeAnswer() { return answer }
            guard !ended, fill(until: deadline) else {
                throw RawHTTP.Failure(what: "no whole answer; got: \(String(decoding: unread, as: UTF8.self).prefix(200))")
            }
        }
    }

    /// Waits up to `limit` for the gateway to close the connection (end of stream or reset), keeping what it sent
    /// before: whether it closed, and the bytes not yet read as answers.
    func waitForClose(within limit: Duration = .seconds(10)) -> (closed: Bool, received: String) {
        let deadline = ContinuousClock.now + limit
        while !ended, fill(until: deadline) {}
        return (ended, String(decoding: unread, as: UTF8.self))
    }

    /// Reads what arrives by `deadline`: false when nothing did (or the stream ended).
    private func fill(until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000) + 1
        guard poll(&poller, 1, milliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 {
            ended = true
            return false
        }
        unread += buffer[0..<count]
        return true
    }

    private func takeAnswer() throws -> Answer? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = unread.indices.first(where: { unread[$0...].starts(with: separator) }) else { return nil }
        let head = String(decoding: unread[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = end + separator.count
        guard unread.count - bodyStart >= length else { return nil }
        let statusLine = head[0]
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw RawHTTP.Failure(what: "no status in \(statusLine)") }
        let body = String(decoding: unread[bodyStart..<(bodyStart + length)], as: UTF8.self)
        unread.removeFirst(bodyStart + length)
        return Answer(statusLine: statusLine, status: status, headers: headers, body: body)
    }
}
