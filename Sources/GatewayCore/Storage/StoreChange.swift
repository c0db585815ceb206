/// Something another process (or this one) committed to what gateways hold in memory.
public enum StoreChange: Sendable, Equatable {
    case key(id: String)
    case role(name: String)
    case connection(locationId: String)
    /// Anything may have changed: the store cannot say what (SQLite's change counter), or changes may have been missed.
    case everything
}

/// What a ``StoreChangeFeed`` reports while it follows the store.
public enum StoreChangeEvent: Sendable, Equatable {
    /// The feed follows the store from now on; what happened before is unknown, so everything is read again.
    case following
    /// The feed lost the store (a dropped connection): until it follows again, readers must poll as without a feed.
    case interrupted
    case changed(StoreChange)
}
