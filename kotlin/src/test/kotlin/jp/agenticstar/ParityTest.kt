package jp.agenticstar

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import kotlin.math.ceil
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The language-neutral vectors in ../testdata, run through the public client over HTTP exactly as
 * the Rust, Python and Node suites run them: the emulator replays a vector's stream bytes (with
 * its chunk splits) or serves its token answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParityTest {
    private lateinit var emu: Emulator

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }
    @BeforeEach fun reset() { emu.reset() }

    private fun cases(name: String): List<JSONObject> {
        val arr = JSONObject(File("../testdata/$name").readText()).getJSONArray("cases")
        return (0 until arr.length()).map { arr.getJSONObject(it) }
    }

    private fun JSONObject.optStr(key: String): String? = if (isNull(key)) null else getString(key)

    private fun saas() = Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url), null)

    private val tokenUrl get() = "${emu.url}/federation/auth/v1/token"

    /** A client of [dialect]'s token endpoint without retries (a vector's 429/503 is the answer), and the endpoint. */
    private fun tokenClient(dialect: String): Pair<Client, String> {
        val (provider, creds, endpoint) = when (dialect) {
            "oauth" -> Triple(Provider.oauth(tokenUrl), Credentials("saas-cc-client", "saas-cc-secret"), "saas.token")
            "marketplace" -> Triple(Provider.marketplace(emu.url), Credentials("mp-client", "mp-secret"), "marketplace.token")
            "wrapped" -> Triple(Provider.wrapped("${emu.url}/v1"), Credentials("wrapped-client", "wrapped-secret"), "wrapped.token")
            else -> fail("dialect $dialect")
        }
        return Client(provider, creds, ClientOptions(maxRetries = 0), null) to endpoint
    }

    private fun fault(endpoint: String, status: Int, body: Any) =
        emu.fault(JSONObject().put("endpoint", endpoint).put("status", status).put("body", body).toString())

    /** What the chat client yields for the vector's stream: chunks, then the error if any. */
    private fun replayed(c: JSONObject): List<JSONObject> {
        val replay = JSONObject()
        for (k in listOf("chunks", "hex_chunks")) if (c.has(k)) replay.put(k, c.getJSONArray(k))
        emu.fault(JSONObject().put("endpoint", "chat.completions").put("replay", replay).toString())
        val got = mutableListOf<JSONObject>()
        saas().use { client ->
            try {
                runBlocking {
                    client.stream(ChatRequest.user("replay")).collect { d ->
                        got += JSONObject().put("text", d.text).put("role", d.choices.firstOrNull()?.role ?: JSONObject.NULL)
                            .put("finish_reason", d.finishReason ?: JSONObject.NULL)
                    }
                }
            } catch (e: AgenticStarException) {
                got += JSONObject().put("error", JSONObject().put("kind", e.details().kind).put("code", e.details().code ?: JSONObject.NULL))
            }
        }
        return got
    }


    @Test fun sse() {
        for (c in cases("sse.json")) {
            val got = replayed(c).map { if (it.has("text")) JSONObject().put("text", it.getString("text")) else it }
            // Compared as parsed JSON: key order inside an object does not matter.
            assertEquals(c.getJSONArray("chat").toList(), JSONArray(got).toList(), c.getString("name"))
        }
    }

    @Test fun chat() {
        for (c in cases("chat.json")) {
            val want = when {
                c.has("expect") && c.getJSONObject("expect").optBoolean("done") -> JSONArray()
                c.has("expect") -> JSONArray().put(c.getJSONObject("expect"))
                else -> JSONArray().put(JSONObject().put("error", c.getJSONObject("error")))
            }
            assertEquals(want.toList(), JSONArray(replayed(c)).toList(), c.getString("name"))
        }
    }

    @Test fun tokens() {
        for (c in cases("tokens.json")) {
            emu.reset()
            val name = c.getString("name")
            val (client, endpoint) = tokenClient(c.getString("dialect"))
            fault(endpoint, c.getInt("status"), c.getString("body"))
            client.use {
                if (c.has("expect")) {
                    val w = c.getJSONObject("expect")
                    val t = runBlocking { it.getToken() }
                    assertEquals(w.getString("access_token"), t.accessToken(), name)
                    assertEquals(w.getString("token_type"), t.tokenType(), name)
                    val left = t.expiresIn() ?: fail("$name: no lifetime")
                    assertTrue(left > w.getLong("expires_in") - 5 && left <= w.getLong("expires_in"), "$name: $left")
                    assertEquals(w.getLong("expires_in"), ceil(left).toLong(), name)
                    assertEquals(!w.isNull("refresh_token"), t.hasRefreshToken(), name)
                    assertEquals(w.optStr("id_token"), t.idToken(), name)
                    assertEquals(w.optStr("scope") ?: "", t.scopes().joinToString(" "), name)
                } else {
                    val w = c.getJSONObject("error")
                    val d = assertFailsWith<AgenticStarException>(name) { runBlocking { it.getToken() } }.details()
                    assertEquals(w.getString("kind"), d.kind, name)
                    assertEquals(w.getInt("status"), d.status, name)
                    assertEquals(w.optStr("code"), d.code, name)
                    assertEquals(w.optStr("code_reason"), d.codeReason, name)
                }
            }
        }
    }

    @Test fun callbacks() {
        val options = ClientOptions(flow = AuthFlow.AUTHORIZATION_CODE)
        Client(Provider.oauth(tokenUrl), Credentials("saas-app-client", "saas-app-secret"), options, null).use { client ->
            for (c in cases("callbacks.json")) {
                emu.reset()
                val name = c.getString("name")
                val saved = JSONObject().put("url", emu.url).put("redirect_uri", c.getString("redirect_uri"))
                    .put("state", c.getString("state")).put("nonce", "n")
                val request = AuthorizationRequest.fromJson(saved.toString())
                val callback = c.getString("callback")
                if (c.has("expect")) {
                    fault("saas.token", 200, JSONObject().put("access_token", "at").put("token_type", "Bearer").put("expires_in", 60))
                    runBlocking { client.completeAuthorization(request, callback) }
                    val sent = emu.requests("saas.token")
                    assertEquals(c.getJSONObject("expect").getString("code"), sent.getJSONObject(sent.length() - 1).getJSONObject("form").getString("code"), name)
                } else {
                    val w = c.getJSONObject("error")
                    val d = assertFailsWith<AgenticStarException>(name) { runBlocking { client.completeAuthorization(request, callback) } }.details()
                    assertEquals(w.getString("kind"), d.kind, name)
                    assertEquals(w.optStr("code"), d.code, name)
                    assertEquals(0, emu.requests("saas.token").length(), name)
                }
            }
        }
    }

    @Test fun scopes() {
        for (c in cases("scopes.json")) {
            emu.reset()
            val g = c.getString("granted")
            val (client, endpoint) = tokenClient("oauth")
            fault(endpoint, 200, JSONObject().put("access_token", "at").put("token_type", "Bearer").put("expires_in", 60).put("scope", g))
            val t = client.use { runBlocking { it.getToken() } }
            for (a in c.getJSONArray("allows")) assertTrue(t.hasScope(a as String), "$g allows $a")
            for (d in c.getJSONArray("denies")) assertTrue(!t.hasScope(d as String), "$g denies $d")
        }
    }

    @Test fun `a panic in Rust comes back as an internal error and the JVM lives on`() {
        val status = UniffiRustCallStatus()
        TestHooks.agenticstar_ffi_test_panic(status)
        assertTrue(status.isPanic(), "call status ${status.code}")
        val message = FfiConverterString.lift(status.error_buf)
        assertTrue(message.contains("forced panic"), message)
        // The library still works afterwards.
        saas().use { runBlocking { it.getToken() } }
    }

    /** A wire-shaped message as the typed record users build. */
    private fun message(m: JSONObject): Message {
        fun part(p: JSONObject): ContentPart = when (p.getString("type")) {
            "text" -> ContentPart.Text(p.getString("text"))
            "image_url" -> p.getJSONObject("image_url").let { ContentPart.ImageUrl(it.getString("url"), it.optStr("detail")) }
            "input_audio" -> p.getJSONObject("input_audio").let { ContentPart.InputAudio(it.getString("data"), it.getString("format")) }
            "refusal" -> ContentPart.Refusal(p.getString("refusal"))
            else -> fail("part type ${p.getString("type")}")
        }
        val content = when (val c = m.opt("content")) {
            null, JSONObject.NULL -> null
            is String -> Content.Text(c)
            is JSONArray -> Content.Parts(c.mapTyped { part(it as JSONObject) })
            else -> fail("content $c")
        }
        val calls = m.optJSONArray("tool_calls")?.mapTyped {
            val f = (it as JSONObject).getJSONObject("function")
            ToolCall(it.getString("id"), f.getString("name"), f.getString("arguments"))
        }
        return Message(Role.valueOf(m.getString("role").uppercase()), content, m.optStr("name"), calls, m.optStr("tool_call_id"))
    }

    @Test fun `chat request vectors give the same bytes on the wire as every other language`() = saas().use { c ->
        for (case in cases("chat_requests.json")) {
            val name = case.getString("name")
            val req = JSONObject(case.getJSONObject("request").toString())
            val messages = (req.remove("messages") as JSONArray).mapTyped { message(it as JSONObject) }
            val model = req.remove("model") as String?
            val request = ChatRequest(messages, model, if (req.isEmpty) null else req.toString())
            val sent = emu.requests("chat.completions").length()
            if (case.has("body")) {
                runBlocking { c.stream(request).toList() }
                val recorded = emu.requests("chat.completions")
                assertEquals(sent + 1, recorded.length(), name)
                assertEquals(case.getString("body"), recorded.getJSONObject(sent).getString("body"), name)
            } else {
                val e = assertFailsWith<AgenticStarException>(name) { runBlocking { c.stream(request).toList() } }
                assertEquals(case.getJSONObject("error").getString("kind"), e.details().kind, name)
                assertEquals(sent, emu.requests("chat.completions").length(), name)
            }
        }
    }
}

/** The library's forced-panic hook: only in the test build (`--features test-hooks`, set by run-tests.sh), never in the bindings. */
internal object TestHooks {
    init {
        com.sun.jna.Native.register(TestHooks::class.java, "agenticstar_ffi")
    }

    external fun agenticstar_ffi_test_panic(status: UniffiRustCallStatus)
}

private fun <T> JSONArray.mapTyped(f: (Any) -> T): List<T> = (0 until length()).map { f(get(it)) }
