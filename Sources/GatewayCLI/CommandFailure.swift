import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore

/// Runs a command body; any failure becomes one plain line on stderr and exit status 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        StandardStream.error.write("error: \(plainMessage(for: error))\n")
        throw ExitCode(1)
    }
}

func plainMessage(for error: any Error) -> String {
    switch error {
    case let error as GatewayError: error.detail
    case let error as any CustomStringConvertible: error.description.replacingOccurrences(of: "\n", with: " ")
    default: "\(error)"
    }
}

/// A command's own refusal of its arguments: one plain line.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
