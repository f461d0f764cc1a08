package jp.agenticstar

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** The core surface through the generic Service glue (the diagnostic `echo` service), and every
 * wrapper's method table checked against the core's. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceTest {
    private lateinit var emu: Emulator

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }

    private fun test(body: suspend CoroutineScope.() -> Unit) = runBlocking { withTimeout(60_000) { body() } }
    private fun client() = Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url))
    private fun camel(s: String) = s.split("_").mapIndexed { i, p -> if (i == 0) p else p.replaceFirstChar { it.uppercase() } }.joinToString("")

    @Test fun `every core service kind has a wrapper whose methods match the core`() {
        // Kinds whose wrappers their helpers are still writing; remove a kind when its wrapper lands.
        val pending = emptySet<String>()
        assertEquals(serviceKinds().toSet() - pending, serviceWrappers.keys)
        for ((kind, w) in serviceWrappers) {
            val core = serviceMethods(kind)!!.map { it.name }
            assertEquals(core.toSet(), w.first.methods.toSet(), kind)
            // Each listed method is implemented (suspend funs compile to methods of the same name).
            val declared = w.second.methods.map { it.name }.toSet()
            for (m in core) assertTrue(camel(m) in declared, "${w.second.simpleName} lacks ${camel(m)}")
        }
    }

    @Test fun `calls, streams with a trailing error, and cancellation`() = test {
        client().use { c ->
            c.echo().use { s ->
                assertEquals(s.methods().map { it.name }.toSet(), EchoService.methods.toSet())
                val args = """{"text":"こんにちは","toolCallId":"t1","n":[1,2.5,null,true]}"""
                assertEquals(JSONObject(args).toString(), JSONObject(s.echo(args)).toString())
                val got = mutableListOf<Int>()
                val e = assertFailsWith<AgenticStarException.StreamException> {
                    s.count("""{"n":600,"fail":{"kind":"stream_error","message":"late"}}""").collect { got.add(JSONObject(it).getInt("i")) }
                }
                assertEquals("late", e.detail)
                assertEquals((0 until 600).toList(), got)
                assertEquals("""{"waiting":true}""", s.waitForever().first()) // first() cancels the stream
                s.shutdown()
            }
        }
    }

    @Test fun `every core error kind crosses as its own case`() = test {
        client().use { c ->
            val s = c.service("echo", "{}")
            for (kind in errorKinds()) {
                val e = assertFailsWith<AgenticStarException> {
                    s.call("fail", """{"kind":"$kind","status":418,"code":"c","retryAfterMs":1500,"details":{"data":[1]}}""")
                }
                assertEquals(kind, e.kind)
                assertEquals(418, e.status)
                assertEquals(1.5, e.retryAfter)
                assertEquals("""{"data":[1]}""", e.detailsJson)
                assertTrue(kind == "internal" || e !is AgenticStarException.Internal, "$kind has no case of its own")
            }
            assertFailsWith<AgenticStarException.Config> { c.service("nope", "{}") }
        }
    }

    @Test fun `a failing token store reaches tokenEvents, and the token is served`() = test {
        val failing = object : TokenStore {
            override fun load(key: String): String? = null
            override fun save(key: String, value: String) = throw IllegalStateException("disk full")
            override fun clear(key: String) {}
        }
        Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url), failing).use { c ->
            c.tokenEvents().use { events ->
                assertEquals(TokenEvents.methods.toSet(), events.methods().map { it.name }.toSet())
                val errors = events.storeErrors() // subscribed now: the save below is reported to it
                assertTrue(c.getToken().accessToken().isNotEmpty(), "not strict: served anyway")
                val e = JSONObject(errors.first())
                assertEquals("store", e.getString("kind"))
                assertEquals("save", e.getJSONObject("details").getString("operation"))
            }
        }
    }

    @Test fun `tokenStore names a store the core opens, strictStore makes its failures the caller's`() = test {
        val dir = java.nio.file.Files.createTempDirectory("agenticstar-kt")
        // A directory where the token file should be: every save fails.
        val path = dir.resolve("tokens.json").also { java.nio.file.Files.createDirectory(it) }.toString()
        Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"),
            ClientOptions(apiUrl = emu.url, tokenStore = path, strictStore = true)).use { c ->
            assertFailsWith<AgenticStarException.Store> { c.getToken() }
        }
        assertFailsWith<AgenticStarException.Config> {
            ClientOptions(tokenStore = "ftp://nowhere").let { Client(Provider.agenticstar(emu.url), Credentials("a", "b"), it) }
        }
        dir.toFile().deleteRecursively()
    }
}
