import Foundation

/// A2A (Agent2Agent v1.0): the core's `a2a` service under Swift names. Card reading, interface
/// choice, scope checks, JSON-RPC, token renewal, typed errors and stream ends all happen in the
/// Rust core; results and stream items are the protocol's JSON as text. Streams end after the
/// event putting the task in a terminal or input/auth-required state; ending the iteration early
/// closes the connection.
public final class A2aClient: ServiceBase, ServiceWrapper {
    public static let kind = "a2a"
    public static let methods = [
        "card", "send_message", "send_streaming_message", "get_task", "list_tasks", "cancel_task",
        "subscribe_to_task", "extended_card", "rpc", "assemble", "recording",
    ]

    /// Read the agent card at `url` (or `url/.well-known/agent-card.json`) and connect.
    public static func fromCard(_ client: Client, url: String, record: Bool = false) async throws -> A2aClient {
        A2aClient(try await client.service(kind: kind, optionsJson: json(["url": url, "record": record])))
    }

    public func card() async throws -> String { try await call("card") }
    public func sendMessage(_ text: String, taskId: String? = nil) async throws -> String {
        try await call("send_message", Self.json(["text": text, "taskId": taskId]))
    }
    public func sendStreamingMessage(_ text: String, taskId: String? = nil, messageId: String? = nil) -> AsyncThrowingStream<String, Error> {
        open("send_streaming_message", Self.json(["text": text, "taskId": taskId, "messageId": messageId]))
    }
    public func getTask(_ id: String, historyLength: Int? = nil) async throws -> String {
        try await call("get_task", Self.json(["id": id, "historyLength": historyLength]))
    }
    public func listTasks(_ filterJson: String = "{}") async throws -> String { try await call("list_tasks", filterJson) }
    public func cancelTask(_ id: String) async throws -> String { try await call("cancel_task", Self.json(["id": id])) }
    public func subscribeToTask(_ id: String) -> AsyncThrowingStream<String, Error> { open("subscribe_to_task", Self.json(["id": id])) }
    public func extendedCard() async throws -> String { try await call("extended_card") }
    public func rpc(_ method: String, paramsJson: String = "{}") async throws -> String {
        try await call("rpc", "{\"jsonrpcMethod\":\(Self.json(method)),\"params\":\(paramsJson)}")
    }
    public func assemble(_ eventsJson: String) async throws -> String { try await call("assemble", "{\"events\":\(eventsJson)}") }
    public func recording() async throws -> String { try await call("recording") }

    /// JSON text of a value (nil entries of a dictionary are left out).
    static func json(_ value: Any) -> String {
        let v: Any = (value as? [String: Any?]).map { $0.compactMapValues { $0 } } ?? value
        let data = (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
