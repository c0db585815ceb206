#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to stdout or stderr without ever crashing the process.
///
/// Foundation's `FileHandle.write` traps when the reader has gone (`serve --sandbox | head -2`: EPIPE once `head`
/// exits), and the default SIGPIPE would kill the process instead. Output is for a person or a script; when neither
/// reads it any more, the gateway keeps serving and a command still finishes its work and exits with its status.
public enum StandardStream: Sendable {
    case output
    case error

    private var descriptor: Int32 { self == .output ? 1 : 2 }

    /// Turns SIGPIPE off for the process, so that a closed pipe is an EPIPE that `write` handles, not a death.
    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes all of `bytes`; false when the stream is closed or failed (the rest is dropped).
    @discardableResult
    public func write(_ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = array.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #else
                Darwin.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                #endif
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            offset += written
        }
        return true
    }

    @discardableResult
    public func write(_ text: String) -> Bool { write(Array(text.utf8)) }
}
