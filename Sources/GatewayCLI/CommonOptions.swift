import ArgumentParser
import Foundation
import GatewayApp
import GatewaySettings
import Logging

/// What every administrative command takes: the database (or a settings file that names it) and the output format.
/// The settings are read as `serve` reads them (flags, then the environment, then the file), so a command finds the
/// database and secret its server uses.
struct CommonOptions: ParsableArguments {
    enum Output: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var store: StoreOptions

    @Option(help: "table or json.")
    var output: Output = .table

    func settings() throws -> GatewaySettings { try store.settings() }

    func openStorage(_ settings: GatewaySettings? = nil) async throws -> GatewayStorage {
        try await store.openStorage(settings)
    }
}

/// The database a command works on, for commands whose output has one format of its own (`audit export`): they
/// take no `--output` that they would ignore.
struct StoreOptions: ParsableArguments {
    @Option(help: "The database, e.g. sqlite:data/gateway.sqlite (default: GATEWAY_DATABASE, the settings file, then that).")
    var database: String?

    @Option(help: "A YAML or JSON settings file (default: GATEWAY_CONFIG).")
    var config: String?

    func settings() throws -> GatewaySettings {
        var flags: [String] = []
        if let database { flags += ["--database", database] }
        if let config { flags += ["--config", config] }
        return try SettingsReader(flags: flags, environment: ProcessInfo.processInfo.environment).read()
    }

    /// The store: it must exist (only `serve` creates one).
    func openStorage(_ settings: GatewaySettings? = nil) async throws -> GatewayStorage {
        try await GatewayStorage.open(settings ?? self.settings(), creating: false, logger: Logger(label: "contacts-gateway"))
    }
}
