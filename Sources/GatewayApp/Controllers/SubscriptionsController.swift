import Foundation
import GatewayCore
import Hummingbird

/// `/admin/v1/subscriptions` and `/admin/v1/deliveries`: the same administration as `contacts-gateway subscriptions`
/// and `deliveries`, behind the `webhooks.manage` scope.
struct SubscriptionsController {
    let administration: WebhookAdministration
    let maxBody: Int

    private struct CreateBody: Decodable {
        var url: String
        var events: [String]
        var locations: [String]?
        var enrich: Bool?
    }

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        let limit = maxBody
        router.on(.listSubscriptions) { _, context in
            let subscriptions = try await administration.list(by: .key(try context.requirePrincipal()))
            return try JSONResponse.make(["subscriptions": subscriptions.map(SubscriptionSummary.init)])
        }
        router.on(.createSubscription) { request, context in
            let body = try await AdminBody.decode(CreateBody.self, from: request, limit: limit)
            let subscription = try await administration.create(
                url: body.url, events: body.events, locations: body.locations ?? [], enrich: body.enrich ?? false,
                by: .key(try context.requirePrincipal()))
            context.note.update { $0.resourceId = subscription.id }
            return try JSONResponse.make(SubscriptionSecret(subscription), status: .created)
        }
        router.on(.deleteSubscription) { _, context in
            let id = try context.parameters.require("id")
            context.note.update { $0.resourceId = id }
            try await administration.delete(id: id, by: .key(try context.requirePrincipal()))
            return Response(status: .noContent)
        }
        router.on(.enableSubscription) { _, context in
            let id = try context.parameters.require("id")
            context.note.update { $0.resourceId = id }
            let subscription = try await administration.enable(id: id, by: .key(try context.requirePrincipal()))
            return try JSONResponse.make(SubscriptionSummary(subscription))
        }
        router.on(.listDeliveries) { request, context in
            let query = request.uri.queryParameters
            let deliveries = try await administration.deliveries(
                subscriptionId: query["subscriptionId"].map(String.init), status: query["status"].map(String.init),
                by: .key(try context.requirePrincipal()))
            return try JSONResponse.make(["deliveries": deliveries.map(DeliverySummary.init)])
        }
        router.on(.retryDelivery) { _, context in
            let id = try context.parameters.require("id")
            context.note.update { $0.resourceId = id }
            let delivery = try await administration.retry(deliveryId: id, by: .key(try context.requirePrincipal()))
            return try JSONResponse.make(DeliverySummary(delivery))
        }
    }
}
