import ArgumentParser
import Foundation
import GatewayApp

/// What every administrative command takes: the database and the output format.
struct CommonOptions: ParsableArguments {
    enum Output: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Option(help: "The database, e.g. sqlite:data/gateway.sqlite (default: GATEWAY_DATABASE, then that).")
    var database: String?

    @Option(help: "table or json.")
    var output: Output = .table

    func configuration() throws -> GatewayConfiguration {
        var configuration = try GatewayConfiguration(environment: ProcessInfo.processInfo.environment)
        if let database { configuration.database = database }
        return configuration
    }

    func openStorage() throws -> GatewayStorage {
        try GatewayStorage.open(configuration())
    }
}
