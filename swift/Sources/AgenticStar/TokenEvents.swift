import Foundation

/// Token events: the core's `token_events` service under Swift names. What happens to a client's
/// tokens that an app may want to know, as streams; today `storeErrors()`: every failed token
/// store load, save, lease or clear, as the core's error details JSON (`{"kind":"store",
/// "message":..., "details":{"operation":"save"}}`). The core decides what is reported.
public final class TokenEvents: ServiceBase, ServiceWrapper {
    public static let kind = "token_events"
    public static let methods = ["store_errors"]

    /// Every failed token store operation from now on; ending the iteration stops it.
    public func storeErrors() -> AsyncThrowingStream<String, Error> { open("store_errors") }
}

extension Client {
    /// What happens to this client's tokens, as streams (see `TokenEvents`).
    public func tokenEvents() async throws -> TokenEvents {
        TokenEvents(try await service(kind: TokenEvents.kind, optionsJson: "{}"))
    }
}
