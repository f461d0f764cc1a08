package jp.agenticstar

import kotlinx.coroutines.flow.Flow

/**
 * A2A (Agent2Agent v1.0): the core's `a2a` service under Kotlin names. Card reading, interface
 * choice, scope checks, JSON-RPC, token renewal, typed errors and stream ends all happen in the
 * Rust core; results and stream items are the protocol's JSON as text (parse with your JSON
 * library). Streams are cold [Flow]s that end after the event putting the task in a terminal or
 * input/auth-required state; cancelling the collector closes the connection.
 *
 * ```kotlin
 * val agent = A2aClient.fromCard(client, "https://agent.example.com")
 * agent.sendStreamingMessage("hello").collect { println(it) }
 * ```
 */
class A2aClient(service: Service) : ServiceBase(service) {
    companion object : ServiceKind {
        override val kind = "a2a"
        override val methods = listOf(
            "card", "send_message", "send_streaming_message", "get_task", "list_tasks", "cancel_task",
            "subscribe_to_task", "extended_card", "rpc", "assemble", "recording",
        )

        /** Read the agent card at [url] (or `url/.well-known/agent-card.json`) and connect. */
        suspend fun fromCard(client: Client, url: String, bearer: Boolean? = null, record: Boolean? = null): A2aClient =
            A2aClient(client.service("a2a", obj("url" to q(url), "bearer" to bearer?.toString(), "record" to record?.toString())))
    }

    /** `{"card", "cardUrl", "interface", "requirement"}`. */
    suspend fun card(): String = call("card")
    suspend fun sendMessage(text: String, taskId: String? = null): String = call("send_message", send(text, taskId, null))
    /** A whole message object (JSON) instead of text. */
    suspend fun sendMessageJson(messageJson: String): String = call("send_message", """{"message":$messageJson}""")
    fun sendStreamingMessage(text: String, taskId: String? = null, messageId: String? = null): Flow<String> =
        open("send_streaming_message", send(text, taskId, messageId))
    suspend fun getTask(id: String, historyLength: Int? = null): String =
        call("get_task", obj("id" to q(id), "historyLength" to historyLength?.toString()))
    /** Every task matching the filter (JSON, e.g. `{"pageSize":10}`), all pages. */
    suspend fun listTasks(filterJson: String = "{}"): String = call("list_tasks", filterJson)
    suspend fun cancelTask(id: String): String = call("cancel_task", obj("id" to q(id)))
    /** Follow a running task; the flow opens with a snapshot of it. */
    fun subscribeToTask(id: String): Flow<String> = open("subscribe_to_task", obj("id" to q(id)))
    suspend fun extendedCard(): String = call("extended_card")
    /** Any other JSON-RPC method of the agent (push-notification configs, ...). */
    suspend fun rpc(method: String, paramsJson: String = "{}"): String =
        call("rpc", obj("jsonrpcMethod" to q(method), "params" to paramsJson))
    /** `{"task", "artifacts", "complete"}` rebuilt from stream events (a JSON array of them). */
    suspend fun assemble(eventsJson: String): String = call("assemble", """{"events":$eventsJson}""")
    /** The JSON-RPC messages exchanged so far (`record = true`), ids and times normalized. */
    suspend fun recording(): String = call("recording")

    private fun send(text: String, taskId: String?, messageId: String?) =
        obj("text" to q(text), "taskId" to taskId?.let(::q), "messageId" to messageId?.let(::q))
}

/** A JSON object from already-encoded values; null values are left out (shared by the wrappers). */
internal fun obj(vararg fields: Pair<String, String?>): String =
    fields.filter { it.second != null }.joinToString(",", "{", "}") { "${q(it.first)}:${it.second}" }

/** A JSON string literal. */
internal fun q(s: String): String = buildString {
    append('"')
    for (c in s) when {
        c == '"' -> append("\\\"")
        c == '\\' -> append("\\\\")
        c < ' ' -> append("\\u%04x".format(c.code))
        else -> append(c)
    }
    append('"')
}
