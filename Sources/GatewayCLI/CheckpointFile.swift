import Foundation
import GatewayCore

/// A checkpoint kept outside the store (`audit verify --checkpoint FILE`): read, and checked for form, with one plain
/// line for each way a file can be wrong.
enum CheckpointFile {
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// Far above a checkpoint's size (about 1 KB as JSON): a larger file is some other file.
    static let maximumBytes = 1 << 20

    static func read(_ path: String) throws -> SignedAuditCheckpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Unusable(description: "the checkpoint file '\(path)' does not exist")
        }
        guard !isDirectory.boolValue else {
            throw Unusable(description: "the checkpoint file '\(path)' is a directory; give the file `audit checkpoint` wrote")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Unusable(description: "cannot read the checkpoint file '\(path)': permission denied")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
        } catch {
            throw Unusable(description: "cannot read the checkpoint file '\(path)': \(plainMessage(for: error))")
        }
        guard data.count <= maximumBytes else {
            throw Unusable(description: "the checkpoint file '\(path)' is over \(maximumBytes) bytes: not a checkpoint")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Unusable(description: "the checkpoint file '\(path)' is not UTF-8 text: not a checkpoint")
        }
        do {
            return try SignedAuditCheckpoint(contents: text)
        } catch {
            throw Unusable(description: "the checkpoint file '\(path)' is not a signed checkpoint: \(error.description)")
        }
    }
}
