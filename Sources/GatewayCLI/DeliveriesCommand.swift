import ArgumentParser
import GatewayApp
import GatewayCore

struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "Deliveries of events to subscriptions.",
        subcommands: [List.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries, newest first.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Only this subscription's deliveries.") var subscription: String?
        @Option(help: "pending, delivered or dead.") var status: String?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            try await reportingFailures {
                let deliveries = try await SubscriptionsCommand.administration(common).deliveries(
                    subscriptionId: subscription, status: status, limit: limit, by: .operator
                ).map(DeliverySummary.init)
                switch common.output {
                case .json: try Output.json(deliveries)
                case .table:
                    Output.table(
                        ["ID", "SUBSCRIPTION", "TYPE", "STATUS", "ATTEMPTS", "LAST STATUS", "NEXT ATTEMPT"],
                        deliveries.map {
                            [$0.id, $0.subscriptionId, $0.type, $0.status, String($0.attempts),
                             $0.lastStatus.map(String.init) ?? "-", Output.date($0.nextAttemptAt)]
                        })
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a dead delivery again.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The delivery's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let delivery = DeliverySummary(
                    try await SubscriptionsCommand.administration(common).retry(deliveryId: id, by: .operator))
                switch common.output {
                case .json: try Output.json(delivery)
                case .table: Output.line("Delivery \(id) is pending again: sent at once.")
                }
            }
        }
    }
}
