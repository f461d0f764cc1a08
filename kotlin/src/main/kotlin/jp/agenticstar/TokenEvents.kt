package jp.agenticstar

import kotlinx.coroutines.flow.Flow

/**
 * Token events: the core's `token_events` service under Kotlin names. What happens to a client's
 * tokens that an app may want to know, as cold [Flow]s; today [storeErrors]: every failed token
 * store load, save, lease or clear, as the core's error details JSON (`{"kind":"store",
 * "message":..., "details":{"operation":"save"}}`). The core decides what is reported.
 *
 * ```kotlin
 * client.tokenEvents().storeErrors().collect { log.warn("tokens not persisted: $it") }
 * ```
 */
class TokenEvents(service: Service) : ServiceBase(service) {
    companion object : ServiceKind {
        override val kind = "token_events"
        override val methods = listOf("store_errors")
    }

    /** Every failed token store operation from the moment of collection; cancelling stops it. */
    fun storeErrors(): Flow<String> = open("store_errors")
}

/** What happens to this client's tokens, as streams (see [TokenEvents]). */
suspend fun Client.tokenEvents(): TokenEvents = TokenEvents(service(TokenEvents.kind, "{}"))
