import Foundation
import GatewayCore
import HTTPTypes
import Hummingbird

/// `/console/subscriptions`: webhook subscriptions (create with the secret shown once, delete, enable again) and their
/// recent deliveries (filtered by subscription and status, a dead one sent again). Every rule is
/// ``WebhookAdministration``'s, as for the CLI and `/admin/v1/subscriptions`: the console only names the field.
extension ConsoleController {
    /// How many deliveries the page shows, newest first.
    static var deliveriesShown: Int { 50 }

    func subscriptionsPage(
        _ call: ConsoleCall<Context>, created: WebhookSubscription? = nil, problem: FormProblem? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let now = services.clock.now()
        let subscriptions = try await services.webhooks.list(by: call.actor).sorted { $0.createdAt > $1.createdAt }
        let rows: [[String: Any]] = subscriptions.map { subscription in
            var row: [String: Any] = [
                "id": subscription.id, "url": subscription.url, "events": subscription.events.joined(separator: ", "),
                "locations": subscription.locations.isEmpty
                    ? "every location" : subscription.locations.joined(separator: ", "),
                "enrich": subscription.enrich ? "yes" : "no", "created": ConsoleFormat.time(subscription.createdAt),
            ]
            if let disabled = subscription.disabledAt {
                row["disabled"] = true
                row["state"] =
                    "disabled \(ConsoleFormat.time(disabled))"
                    + (subscription.disabledReason.map { ": \($0)" } ?? "")
            } else {
                row["enabled"] = true
                row["state"] = "enabled"
            }
            if let problem, problem.row == subscription.id { row["problem"] = problem.message }
            return row
        }

        // The deliveries' filters are a GET form; a bad one is named beside it, and the list is left empty.
        let chosenSubscription = call.request.method == .get ? call.form["subscriptionId"] : nil
        let chosenStatus = call.request.method == .get ? call.form["status"] : nil
        var errors: [String: String] = [:]
        var deliveries: [WebhookDelivery] = []
        var status = status
        do {
            deliveries = try await services.webhooks.deliveries(
                subscriptionId: chosenSubscription, status: chosenStatus, limit: Self.deliveriesShown, by: call.actor)
        } catch let error as GatewayError where error.status < 500 {
            errors[error.detail.hasPrefix("status:") ? "status" : "subscriptionId"] = error.detail
            if status == .ok { status = HTTPResponse.Status(code: error.status) }
        }
        let deliveryRows: [[String: Any]] = deliveries.map { delivery in
            let progress = delivery.progress
            var row: [String: Any] = [
                "id": delivery.id, "subscriptionId": delivery.subscriptionId, "type": delivery.type,
                "status": progress.status.rawValue, "attempts": progress.attempts,
                "lastStatus": progress.lastStatus.map(String.init) ?? "none",
                "nextAttemptAt": progress.nextAttemptAt.map {
                    "\(ConsoleFormat.time($0)) (\(ConsoleFormat.relative($0, now: now)))"
                } ?? "none",
                "created": ConsoleFormat.time(delivery.createdAt),
            ]
            // Mustache shows a section for any value present, an empty string included.
            if let lastError = progress.lastError { row["lastError"] = lastError }
            switch progress.status {
            case .dead: row["dead"] = true
            case .delivered: row["delivered"] = true
            case .pending: row["pending"] = true
            }
            if let problem, problem.row == delivery.id { row["problem"] = problem.message }
            return row
        }

        var values: [String: Any] = [
            "subscriptions": rows, "hasSubscriptions": !rows.isEmpty,
            "deliveries": deliveryRows, "hasDeliveries": !deliveryRows.isEmpty,
            "deliveriesShown": Self.deliveriesShown,
            "subscriptionChoices": Self.subscriptionChoices(subscriptions.map(\.id), chosen: chosenSubscription),
            "statusChoices": DeliveryProgress.Status.allCases.map {
                ["name": $0.rawValue, "selected": $0.rawValue == chosenStatus] as [String: Any]
            },
        ]
        if let problem, problem.row == nil {
            var echoed: [String: Any] = Self.echo(call.form, ["url", "events", "locations"])
            echoed["enrich"] = call.form.raw("enrich") == "on"
            values["form"] = echoed
            errors[problem.field ?? "form"] = problem.message
        }
        if let problem, let row = problem.row, !(subscriptions.map(\.id) + deliveries.map(\.id)).contains(row) {
            // A row this key cannot see (or that is gone): the problem goes above the lists.
            values["actionProblem"] = problem.message
        }
        values["errors"] = errors
        if let created {
            values["created"] = [
                "id": created.id, "secret": created.secret, "url": created.url,
                "events": created.events.joined(separator: ", "),
            ]
        }
        return page(call, "subscriptions", title: "Subscriptions", active: "subscriptions", values, status: status)
    }

    func createSubscription(_ call: ConsoleCall<Context>) async throws -> Response {
        let form = call.form
        do {
            let created = try await services.webhooks.create(
                url: form.raw("url") ?? "", events: Self.commaSeparated(form.raw("events")),
                locations: Self.commaSeparated(form.raw("locations")), enrich: form.raw("enrich") == "on",
                by: call.actor)
            call.context.noteConsoleAction(by: call.principal, resourceId: created.id, locationId: nil)
            return try await subscriptionsPage(call, created: created, status: .created)
        } catch let error as GatewayError where error.status < 500 {
            return try await subscriptionsPage(
                call, problem: .init(field: Self.subscriptionField(of: error), message: error.detail),
                status: HTTPResponse.Status(code: error.status))
        }
    }

    func deleteSubscription(_ call: ConsoleCall<Context>) async throws -> Response {
        try await act(on: call, answering: [403, 404]) { id in try await services.webhooks.delete(id: id, by: call.actor) }
    }

    func enableSubscription(_ call: ConsoleCall<Context>) async throws -> Response {
        try await act(on: call, answering: [403, 404]) { id in _ = try await services.webhooks.enable(id: id, by: call.actor) }
    }

    func retryDelivery(_ call: ConsoleCall<Context>) async throws -> Response {
        try await act(on: call, answering: [403, 404, 409]) { id in
            _ = try await services.webhooks.retry(deliveryId: id, by: call.actor)
        }
    }

    /// A button's action on the row named by the path's `id`: back to the page when done; a refusal of one of
    /// `statuses` shown beside that row, with its status.
    private func act(
        on call: ConsoleCall<Context>, answering statuses: Set<Int>, _ action: (String) async throws -> Void
    ) async throws -> Response {
        let id = try call.context.parameters.require("id")
        do {
            try await action(id)
        } catch let error as GatewayError where statuses.contains(error.status) {
            return try await subscriptionsPage(
                call, problem: .init(field: nil, message: error.detail, row: id),
                status: HTTPResponse.Status(code: error.status))
        }
        return ConsolePage.redirect(to: "/console/subscriptions")
    }

    /// The filter's options: every listed subscription, and the chosen id even when it is not one (so the filter
    /// that was refused still shows what was asked).
    static func subscriptionChoices(_ ids: [String], chosen: String?) -> [[String: Any]] {
        let all = ids + (chosen.map { ids.contains($0) ? [] : [$0] } ?? [])
        return all.map { ["id": $0, "selected": $0 == chosen] }
    }

    /// `ContactCreate, ContactUpdate` as the administration takes it (it trims and drops empty names itself).
    static func commaSeparated(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    /// Which field of the create form a refusal is about. The administration names the field at the head of a 400's
    /// detail (`url: …`); a 403 is about the locations when the key is limited to others, else about the key itself.
    static func subscriptionField(of error: GatewayError) -> String? {
        if error.status == 403 { return error.detail.contains("limited to") ? "locations" : nil }
        return ["url", "events", "locations"].first { error.detail.hasPrefix("\($0):") }
    }
}
