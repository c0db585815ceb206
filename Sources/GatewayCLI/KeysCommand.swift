import ArgumentParser
import GatewayApp
import GatewayCore

struct KeysCommand: AsyncParsableCommand {
    static func administration(_ storage: GatewayStorage) -> KeyAdministration {
        KeyAdministration(
            keys: storage.repositories.keys, roles: storage.repositories.roles, format: storage.keyFormat)
    }

    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Local API keys.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Revoke.self, Rotate.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed this once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "A name that says who uses the key.") var name: String
        @Option(help: "reader, editor, auditor, admin or a custom role.") var role: String
        @Option(help: "Comma-separated locations the key may use (default: all).") var locations: String?
        @Option(help: "Sustained rate, e.g. 10/s or 600/min (default: GATEWAY_KEY_RATE).") var rate: String?
        // `.unconditional`, so that `--burst -3` is read as the value it is and refused as such, not as "missing".
        @Option(
            parsing: .unconditional,
            help: "Requests the key may send at once (default: the rate's count with --rate, else GATEWAY_KEY_BURST).")
        var burst: Int?
        @Option(name: .customLong("expires-in"), help: "Lifetime, e.g. 30d.") var expiresIn: String?

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                let created = try await KeysCommand.administration(storage).create(
                    name: name, role: role, locations: locations.map { $0.split(separator: ",").map(String.init) },
                    rate: rate, burst: burst, expiresIn: expiresIn, by: .operator)
                switch common.output {
                case .json: try Output.json(created)
                case .table:
                    Output.table(["ID", "NAME", "ROLE", "KEY"], [[created.id, created.name, created.role, created.key]])
                    Output.line("The key is shown only now: store it safely.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                let keys = try await KeysCommand.administration(storage).list()
                let summaries = keys.map(KeySummary.init)
                switch common.output {
                case .json: try Output.json(["keys": summaries])
                case .table:
                    Output.table(
                        ["ID", "NAME", "ROLE", "LOCATIONS", "EXPIRES", "REVOKED"],
                        summaries.map {
                            [$0.id, $0.name, $0.role, $0.locations?.joined(separator: ",") ?? "*",
                             Output.date($0.expiresAt), $0.revoked ? "yes" : "no"]
                        })
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one key.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                let key = KeySummary(
                    try await KeysCommand.administration(storage).show(id: id))
                switch common.output {
                case .json: try Output.json(key)
                case .table:
                    Output.table(
                        ["ID", "NAME", "ROLE", "LOCATIONS", "RATE", "BURST", "CREATED", "LAST USED", "EXPIRES", "REVOKED"],
                        [[key.id, key.name, key.role, key.locations?.joined(separator: ",") ?? "*", key.rate ?? "-",
                          key.burst.map(String.init) ?? "-", Output.date(key.createdAt), Output.date(key.lastUsedAt),
                          Output.date(key.expiresAt), key.revoked ? "yes" : "no"]])
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a key's name, role, locations, rate, burst or expiry; its secret stays.",
            discussion: """
                Only the options given change. `--locations all`, `--rate default`, `--burst default` and \
                `--expires-in never` unset them. A running server applies the change within a second.
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key's id.") var id: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "reader, editor, auditor, admin or a custom role.") var role: String?
        @Option(help: "Comma-separated locations the key may use, or 'all'.") var locations: String?
        @Option(help: "Sustained rate, e.g. 10/s or 600/min, or 'default' (GATEWAY_KEY_RATE).") var rate: String?
        @Option(parsing: .unconditional, help: "Requests the key may send at once, or 'default'.") var burst: String?
        @Option(name: .customLong("expires-in"), help: "A lifetime from now, e.g. 30d, or 'never'.") var expiresIn: String?

        func changes() throws -> KeyAdministration.KeyChanges {
            var changes = KeyAdministration.KeyChanges(name: name, role: role)
            if let locations {
                changes.locations = .some(locations == "all" ? nil : locations.split(separator: ",").map(String.init))
            }
            if let rate { changes.rate = .some(rate == "default" ? nil : rate) }
            if let burst {
                if burst == "default" {
                    changes.burst = .some(nil)
                } else if let count = Int(burst) {
                    changes.burst = .some(count)
                } else {
                    throw UsageError("--burst '\(burst)' is not a whole number (or 'default')")
                }
            }
            if let expiresIn { changes.expiresIn = .some(expiresIn == "never" ? nil : expiresIn) }
            return changes
        }

        func run() async throws {
            try await reportingFailures {
                let changes = try changes()
                let storage = try await common.openStorage()
                let key = KeySummary(try await KeysCommand.administration(storage).update(id: id, changes, by: .operator))
                switch common.output {
                case .json: try Output.json(key)
                case .table:
                    Output.table(
                        ["ID", "NAME", "ROLE", "LOCATIONS", "RATE", "BURST", "EXPIRES"],
                        [[key.id, key.name, key.role, key.locations?.joined(separator: ",") ?? "*", key.rate ?? "-",
                          key.burst.map(String.init) ?? "-", Output.date(key.expiresAt)]])
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; a running server refuses it within a second.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                try await KeysCommand.administration(storage).revoke(id: id, by: .operator)
                switch common.output {
                case .json: try Output.json(["id": id, "status": "revoked"])
                case .table: Output.line("Key \(id) revoked.")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a key a new secret, printed this once; the old one works for --grace, else stops at once.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key's id.") var id: String
        @Option(help: "How long the old secret keeps working, e.g. 1h (default: not at all).") var grace: String?

        func run() async throws {
            try await reportingFailures {
                let storage = try await common.openStorage()
                let rotated = try await KeysCommand.administration(storage).rotate(
                    id: id, grace: grace, by: .operator)
                switch common.output {
                case .json: try Output.json(rotated)
                case .table:
                    Output.table(["ID", "NAME", "ROLE", "KEY"], [[rotated.id, rotated.name, rotated.role, rotated.key]])
                    if let until = rotated.previousKeyValidUntil {
                        Output.line("The old key works until \(Output.date(until)). The new one is shown only now: store it safely.")
                    } else {
                        Output.line("The old key no longer works. The new one is shown only now: store it safely.")
                    }
                }
            }
        }
    }
}
