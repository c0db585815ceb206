import GatewayCore
import Hummingbird

/// `POST /webhooks/highlevel`: HighLevel's events in. No key: the signature over the raw body is the credential.
/// The edge writes the audit record (route, location, contact, the event's `webhookId` as resource) as for any
/// request, after the event itself was committed.
struct WebhookController {
    struct Answer: Encodable {
        let webhookId: String
        let duplicate: Bool
        let deliveries: Int
    }

    let intake: WebhookIntake
    let maxBody: Int

    func addRoutes(to router: some RouterMethods<GatewayContext>) {
        router.on(.highLevelWebhook) { request, context in
            let body = try await request.collectBody(limit: maxBody)
            let taken = try await intake.take(
                body: Array(buffer: body), ghlSignature: request.headers[.init("X-GHL-Signature")!],
                whSignature: request.headers[.init("X-WH-Signature")!])
            context.note.update {
                $0.locationId = taken.event.locationId
                $0.contactId = taken.event.contactId
                $0.resourceId = taken.event.webhookId
            }
            let deliveries: Int
            switch taken.acceptance {
            case .accepted(let count): deliveries = count
            case .duplicate: deliveries = 0
            }
            return try JSONResponse.make(
                Answer(webhookId: taken.event.webhookId, duplicate: taken.acceptance == .duplicate, deliveries: deliveries))
        }
    }
}
