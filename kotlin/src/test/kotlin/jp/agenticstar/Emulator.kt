package jp.agenticstar

import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit

/**
 * The emulator as a child process (`agenticstar emulator --port 0 --exit-on-stdin-close`).
 * Its stdin stays open as a pipe: if this JVM dies, the emulator exits too.
 */
class Emulator : AutoCloseable {
    private val process: Process
    val url: String
    private val http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10))
        .build()

    init {
        val cli = System.getenv("AGENTICSTAR_CLI")
            ?: System.getProperty("agenticstar.cli")
            ?: "../target/debug/agenticstar"
        require(File(cli).canExecute()) { "emulator CLI not found at $cli (cargo build -p agenticstar-cli, or set AGENTICSTAR_CLI)" }
        process = ProcessBuilder(cli, "emulator", "--port", "0", "--exit-on-stdin-close")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val out = process.inputStream.bufferedReader()
        // Deadline only so a broken emulator fails the run instead of hanging it.
        val ready = CompletableFuture.supplyAsync { out.readLine() }.get(60, TimeUnit.SECONDS)
            ?: error("emulator exited before it was ready")
        require(ready.contains("\"ready\"")) { "unexpected first line from the emulator: $ready" }
        url = Regex("\"url\"\\s*:\\s*\"([^\"]+)\"").find(ready)!!.groupValues[1]
        // Keep draining stdout so the emulator never blocks on a full pipe.
        Thread { out.useLines { it.forEach { } } }.apply { isDaemon = true }.start()
    }

    private fun send(method: String, path: String, json: String? = null): HttpResponse<String> {
        val b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
        val body = if (json == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json)
        if (json != null) b.header("content-type", "application/json")
        return http.send(b.method(method, body).build(), HttpResponse.BodyHandlers.ofString())
    }

    fun admin(method: String, path: String, json: String? = null): String {
        val r = send(method, path, json)
        check(r.statusCode() in 200..299) { "$method $path -> ${r.statusCode()}: ${r.body()}" }
        return r.body()
    }

    fun reset() { admin("POST", "/admin/reset") }
    fun config(json: String) { admin("POST", "/admin/config", json) }
    fun fault(json: String) { admin("POST", "/admin/faults", json) }

    fun counters(): Map<String, Long> =
        Regex("\"([^\"]+)\"\\s*:\\s*(\\d+)").findAll(admin("GET", "/admin/counters"))
            .associate { it.groupValues[1] to it.groupValues[2].toLong() }

    fun counter(name: String): Long = counters()[name] ?: 0

    /** `GET /admin/requests?endpoint=…`: what the endpoint received, oldest first. */
    fun requests(endpoint: String): org.json.JSONArray = org.json.JSONArray(admin("GET", "/admin/requests?endpoint=$endpoint"))

    /** Poll a counter until it reaches [want] (the server notices a closed socket asynchronously). */
    fun awaitCounter(name: String, want: Long, deadlineSecs: Long = 20): Long {
        val end = System.nanoTime() + deadlineSecs * 1_000_000_000
        while (System.nanoTime() < end) {
            val v = counter(name)
            if (v >= want) return v
            Thread.sleep(25)
        }
        return counter(name)
    }

    /** What a browser would do: open the authorize URL; the emulator approves and redirects. */
    fun approve(authorizeUrl: String): String {
        val r = http.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).GET().build(), HttpResponse.BodyHandlers.ofString())
        check(r.statusCode() == 302) { "authorize answered ${r.statusCode()}: ${r.body()}" }
        return r.headers().firstValue("location").orElseThrow()
    }

    override fun close() {
        runCatching { process.outputStream.close() }
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
