import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings
import Logging

/// `store`: the store as a whole; `store copy` moves a gateway from the embedded SQLite file to PostgreSQL (and back).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "The store as a whole: copy it into another, empty one.",
        subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything from --database into the empty store at --to, e.g. SQLite to PostgreSQL.",
            discussion: """
                Copies API keys (their hashes as they are, revoked and expired ones too, last-used times), custom \
                roles, connections with their tokens, authorization states, the whole audit trail (each record with \
                its seq and hashes, the prune boundary and the signed checkpoints, so that `audit verify` passes on \
                the target), webhook subscriptions, events, deliveries and reconciliation cursors. Console sessions \
                (admins sign in again) and the refresh journal are not copied.

                The target is sealed with the source's secret: GATEWAY_SECRET_KEY, or for an SQLite source without \
                it, the key file beside the file (an SQLite target then gets a key file with that secret). A \
                PostgreSQL source needs GATEWAY_SECRET_KEY, as do the gateways that serve a PostgreSQL copy; a \
                target sealed with another secret is refused. The \
                target must be empty: a store that holds anything is refused and nothing is written to it. Stop the \
                gateways on the source first: what they write during the copy may be missed. Ends with `audit \
                verify`'s result on the target (exit 1 if it fails).
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: "The empty target, e.g. postgres://gateway@db.internal/gateway or sqlite:data/copy.sqlite.")
        var to: String

        func run() async throws {
            try await reportingFailures {
                guard let target = DatabaseLocation(to) else {
                    throw UsageError("--to '\(to)' is not a database: use sqlite:PATH or postgres://…")
                }
                let settings = try store.settings()
                let report = try await StoreCopy(
                    settings: settings, target: target, logger: Logger(label: "contacts-gateway")
                ).run()
                for line in report.lines { Output.line(line) }
                let verification = report.verification
                if verification.ok {
                    Output.line("On \(target.redacted): " + AuditCommand.Verify.summary(verification))
                }
                if let failure = verification.firstFailure {
                    throw StoreCopy.Refused(description: "the copy at \(target.redacted) fails audit verify: \(failure)")
                }
            }
        }
    }
}
