import ArgumentParser
import GatewayApp
import GatewayCore

struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions", abstract: "Internal tools' subscriptions to HighLevel's events.",
        subcommands: [List.self, Create.self, Delete.self, Enable.self])

    static func administration(_ common: CommonOptions) async throws -> WebhookAdministration {
        WebhookAdministration(repository: try await common.openStorage().repositories.webhooks)
    }

    static func table(_ subscriptions: [SubscriptionSummary]) {
        Output.table(
            ["ID", "URL", "EVENTS", "LOCATIONS", "ENRICH", "STATUS"],
            subscriptions.map {
                [$0.id, $0.url, $0.events.joined(separator: ","),
                 $0.locations.isEmpty ? "*" : $0.locations.joined(separator: ","), $0.enrich ? "yes" : "no",
                 $0.status + ($0.disabledReason.map { " (\($0))" } ?? "")]
            })
    }

    static func names(_ text: String?) -> [String] { text?.split(separator: ",").map(String.init) ?? [] }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions (never their secrets).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let subscriptions = try await SubscriptionsCommand.administration(common).list(by: .operator)
                    .map(SubscriptionSummary.init)
                switch common.output {
                case .json: try Output.json(["subscriptions": subscriptions])
                case .table: SubscriptionsCommand.table(subscriptions)
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Subscribe a URL to HighLevel's events.",
            discussion: """
                Prints {"id", "url", "events", "locations", "enrich", "secret"} as JSON: the secret (whsec_…) signs \
                every delivery (Standard Webhooks) and is shown only now.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "Where deliveries go: an http or https URL.") var url: String
        @Option(help: "Comma-separated event types, e.g. ContactCreate,ContactUpdate, or *.") var events: String
        @Option(help: "Comma-separated locations (default: every location).") var locations: String?
        @Flag(help: "Add the contact, fetched from HighLevel, to each delivery.") var enrich = false

        func run() async throws {
            try await reportingFailures {
                let subscription = try await SubscriptionsCommand.administration(common).create(
                    url: url, events: SubscriptionsCommand.names(events),
                    locations: SubscriptionsCommand.names(locations), enrich: enrich, by: .operator)
                try Output.json(SubscriptionSecret(subscription))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a subscription and its deliveries not yet delivered.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                try await SubscriptionsCommand.administration(common).delete(id: id, by: .operator)
                switch common.output {
                case .json: try Output.json(["id": id, "status": "deleted"])
                case .table: Output.line("Subscription \(id) deleted.")
                }
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enable a subscription again (a receiver's 410 Gone disabled it).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The subscription's id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let subscription = SubscriptionSummary(
                    try await SubscriptionsCommand.administration(common).enable(id: id, by: .operator))
                switch common.output {
                case .json: try Output.json(subscription)
                case .table: SubscriptionsCommand.table([subscription])
                }
            }
        }
    }
}
