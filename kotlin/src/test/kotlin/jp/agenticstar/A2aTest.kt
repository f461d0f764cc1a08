package jp.agenticstar

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** A2A end to end against the reference server: a2a-sdk[http-server]==1.3.0 (interop/a2a-python),
 * started here next to the emulator whose tokens it checks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class A2aTest {
    private lateinit var emu: Emulator
    private var peer: Process? = null
    private lateinit var peerUrl: String

    @BeforeAll fun start() {
        emu = Emulator()
        val dir = File("../interop/a2a-python")
        val python = File(dir, ".venv/bin/python")
        if (!python.canExecute()) {
            check(System.getenv("AGENTICSTAR_REQUIRE_INTEROP") == null) { "interop/a2a-python is not installed (bash interop/a2a-python/install.sh)" }
            return
        }
        val p = ProcessBuilder(python.absolutePath, "server.py", "--issuer", emu.url, "--port", "0", "--tenant", "t1", "--word-delay-ms", "10")
            .directory(dir)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val out = p.inputStream.bufferedReader()
        val line = CompletableFuture.supplyAsync { out.readLine() }.get(60, TimeUnit.SECONDS) ?: error("a2a peer exited")
        require(line.startsWith("LISTENING ")) { line }
        peerUrl = line.removePrefix("LISTENING ")
        peer = p
    }

    @AfterAll fun stop() {
        peer?.destroy()
        emu.close()
    }

    private fun test(body: suspend CoroutineScope.() -> Unit) = runBlocking { withTimeout(60_000) { body() } }
    private fun client() = Client(Provider.agenticstar(emu.url), Credentials("saas-agent-client", "saas-agent-secret"), ClientOptions(apiUrl = emu.url))

    @Test fun `card, streamed task with three chunks, get, typed cancel error`() = test {
        assumeTrue(peer != null, "a2a peer not installed")
        client().use { c ->
            A2aClient.fromCard(c, peerUrl).use { agent ->
                val card = JSONObject(agent.card())
                assertEquals("a2a:all", card.getJSONObject("requirement").getJSONArray("scopes").getString(0))

                val events = agent.sendStreamingMessage("hello big world").toList().map(::JSONObject)
                assertEquals(
                    listOf("task", "statusUpdate", "artifactUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"),
                    events.map { it.keys().next() },
                )
                assertEquals(listOf(false, true, true), events.subList(2, 5).map { it.getJSONObject("artifactUpdate").optBoolean("append") })
                val id = events[0].getJSONObject("task").getString("id")
                val task = JSONObject(agent.getTask(id))
                assertEquals("TASK_STATE_COMPLETED", task.getJSONObject("status").getString("state"))
                val parts = task.getJSONArray("artifacts").getJSONObject(0).getJSONArray("parts")
                assertEquals("hello big world", (0 until parts.length()).joinToString("") { parts.getJSONObject(it).getString("text") })
                val assembled = JSONObject(agent.assemble(JSONArray(events.map { it }).toString()))
                assertEquals(JSONArray(listOf("echo")).toString(), assembled.getJSONArray("complete").toString())

                val e = assertFailsWith<AgenticStarException> { agent.cancelTask(id) }
                assertEquals("task_not_cancelable", e.kind)
                assertEquals("-32002", e.code)
                assertTrue(e.detailsJson!!.contains("TASK_NOT_CANCELABLE"))
            }
        }
    }

    @Test fun `a token without a2a_all fails before any call`() = test {
        assumeTrue(peer != null, "a2a peer not installed")
        Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url)).use { c ->
            val e = assertFailsWith<AgenticStarException> { A2aClient.fromCard(c, peerUrl) }
            assertEquals("insufficient_scope", e.kind)
        }
    }
}
