/// Whether a store answers: for `/readyz`.
public protocol StoreHealth: Sendable {
    func ping() async throws
}
