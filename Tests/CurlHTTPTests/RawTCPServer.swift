import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A deliberately broken HTTP server on a POSIX socket, for failure modes Hummingbird will not produce.
final class RawTCPServer: Sendable {
    enum Behavior: Sendable {
        /// Reads the request head, then closes without a response.
        case closeAfterReading
        /// Accepts and holds the connection open forever, never answering.
        case neverAnswer
    }

    struct SetupFailed: Error {}

    let port: Int
    private let listenFD: Int32
    private let state = Mutex<(accepted: Int, open: [Int32], stopped: Bool)>((0, [], false))

    var acceptedConnections: Int { state.withLock { $0.accepted } }

    init(behavior: Behavior) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupFailed() }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw SetupFailed()
        }
        port = try Self.localPort(of: fd)
        listenFD = fd

        let thread = Thread { [self] in
            self.acceptLoop(behavior)
        }
        thread.start()
    }

    /// Port that was bound and released, so nothing listens there.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupFailed() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw SetupFailed() }
        return try localPort(of: fd)
    }

    private static func localPort(of fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SetupFailed() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Only this thread ever closes descriptors, so `stop()` cannot close a number the
    /// kernel has already handed to someone else (curl, NIO) in the same process.
    private func acceptLoop(_ behavior: Behavior) {
        defer {
            state.withLock { state in
                state.stopped = true
                for fd in state.open { close(fd) }
                state.open.removeAll()
                close(listenFD)
            }
        }
        while true {
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { return }
            let keep = state.withLock { state -> Bool in
                state.accepted += 1
                if state.stopped {
                    close(client)
                    return false
                }
                state.open.append(client)
                return true
            }
            guard keep else { return }
            if behavior == .closeAfterReading {
                readRequestHead(client)
                state.withLock { state in
                    state.open.removeAll { $0 == client }
                    close(client)
                }
            }
        }
    }

    private func readRequestHead(_ fd: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            received.append(contentsOf: buffer[0..<n])
            if String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
                return
            }
        }
    }

    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            // shutdown (not close) wakes the blocked accept/read; the accept thread closes.
            Glibc.shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in state.open { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }
}
