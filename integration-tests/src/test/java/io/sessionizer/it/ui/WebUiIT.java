package io.sessionizer.it.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.it.TestStack;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.io.File;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in a real headless Chromium: traces sent with the OpenTelemetry SDK to an in-process ingest and
 * aggregator on the in-JVM broker, then the pages read as a user sees them. The browser only ever talks to the
 * aggregator's HTTP port, as a user's browser would.
 *
 * <p>Which endpoint each test needs besides {@code GET /} and {@code GET /api/v1/sessions/{id}} is in its javadoc:
 * the transcript tests need {@code /turns}; the list tests {@code /api/v1/sessions} with the filters, sorts and
 * search hits of DESIGN.md's REST API; the totals, time range and chart tests {@code /api/v1/stats} with its buckets.
 *
 * <p>The stack runs with an API key, as a shared deployment would: the exporter sends it, and the browser has it in
 * the tab's sessionStorage, where the UI's key form puts it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebUiIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String API_KEY = "ui-test-key";
    /** Keys of the same tenant with one scope each: the UI explains the 403 they get. */
    private static final String INGEST_KEY = "ui-test-ingest-key";
    private static final String READ_KEY = "ui-test-read-key";
    private static final String KEY_STORAGE = "sessionizer.api-key";
    /**
     * Selenium warns at each start that it has no DevTools (CDP) binding for this Chromium version; the test uses
     * WebDriver only. Held here because java.util.logging keeps loggers weakly.
     */
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> USER_ID = AttributeKey.stringKey("user.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");
    private static final AttributeKey<String> OUTPUT = AttributeKey.stringKey("output.value");
    private static final AttributeKey<String> MIME_TYPE_IN = AttributeKey.stringKey("input.mime_type");
    private static final AttributeKey<String> MIME_TYPE_OUT = AttributeKey.stringKey("output.mime_type");
    private static final AttributeKey<String> SPAN_KIND = AttributeKey.stringKey("openinference.span.kind");
    private static final AttributeKey<String> MODEL = AttributeKey.stringKey("llm.model_name");
    private static final AttributeKey<Long> PROMPT_TOKENS = AttributeKey.longKey("llm.token_count.prompt");
    private static final AttributeKey<Long> COMPLETION_TOKENS = AttributeKey.longKey("llm.token_count.completion");
    private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("llm.token_count.total");
    private static final AttributeKey<Long> CACHE_READ_TOKENS =
            AttributeKey.longKey("llm.token_count.prompt_details.cache_read");
    private static final AttributeKey<Long> REASONING_TOKENS =
            AttributeKey.longKey("llm.token_count.completion_details.reasoning");
    private static final AttributeKey<List<String>> TAGS = AttributeKey.stringArrayKey("tag.tags");
    private static final AttributeKey<String> METADATA = AttributeKey.stringKey("metadata");

    /** A chat about travel: the older session. Every input has words no other session uses. */
    private static final List<Exchange> TRAVEL = List.of(
            new Exchange("Which volcano can I hike near Naples?", "Mount Vesuvius: the crater trail takes an hour."),
            new Exchange("Do I need a ticket for the crater trail?", "Yes, book a timed ticket online in advance."),
            new Exchange("What should I pack for the hike?", "Water, sturdy shoes and a hat; there is little shade."));
    /** A chat about cooking: the newer session; its second input holds the searched word "saffron". */
    private static final List<Exchange> COOKING = List.of(
            new Exchange("How long do I cook risotto rice?", "About 18 minutes, adding stock a ladle at a time."),
            new Exchange("Can I add saffron threads to it?", "Yes: steep them in warm stock first for the colour."),
            // Markup in data must show as text: the transcript check compares the text exactly.
            new Exchange("Which cheese goes on top? <b>Not</b> blue, <img src=x onerror=alert(1)>",
                    "Parmigiano Reggiano, grated at the end with butter."),
            new Exchange("And a wine to serve with it?", String.join("\n",
                    "A dry white suits it best:",
                    "- Soave, crisp and almond-scented, from the Veneto;",
                    "- Pinot Grigio, light and fresh;",
                    "- Gavi, from Piedmont, with a mineral finish;",
                    "- Vermentino, if you like a herbal note;",
                    "- Verdicchio, a little richer, for a creamier risotto;",
                    "- Franciacorta, a sparkling wine, for a festive dinner.",
                    "Serve it at 8 to 10 °C.",
                    "Avoid heavily oaked wines: they fight the saffron.",
                    "A splash of the same wine in the risotto ties the two together.",
                    "Enjoy your dinner!")));
    private static final String SEARCHED_WORD = "saffron";
    /**
     * A word of the cooking turn whose input holds markup, in the sentence with the markup (a highlighter may cut a
     * passage at a sentence): its snippet must show the markup as text.
     */
    private static final String MARKUP_WORD = "blue";
    private static final String COOKING_PROJECT = "cooking-bot";
    private static final String TRAVEL_PROJECT = "travel-bot";
    /**
     * Travel runs on the dearer model, so that sorting by cost (travel, then cooking, then weird) differs from the
     * default order by end time (weird, cooking, travel) both ways.
     */
    private static final Labels TRAVEL_LABELS = new Labels("gpt-4o", List.of("vacation", "italy"),
            "{\"tier\": \"free\", \"region\": \"eu\"}");
    private static final Labels COOKING_LABELS = new Labels("gpt-4o-mini", List.of("recipes"), "{\"tier\": \"pro\"}");
    private static final Labels PLAIN = new Labels("gpt-4o-mini", List.of(), null);
    /** A model no price table lists: its calls are counted as unpriced and the cost shown as partial. */
    private static final String UNPRICED_MODEL = "acme-private-llm";
    private static final String WEATHER_TOOL = "get_weather";
    private static final String WEATHER_ARGUMENTS = "{\"city\": \"Naples\", \"unit\": \"celsius\"}";
    /** Two turns as issue 14's {@code /turns} answers them: an agent's with its calls, and one without the fields. */
    private static final String RENDERED_TURNS = """
            [{"trace_id": "0af7651916cd43dd8448eb211c80319c", "start_time": "2026-01-05T10:00:00.000000Z",
              "end_time": "2026-01-05T10:00:01.500000Z", "status": "ok", "span_count": 4, "models": ["gpt-4o"],
              "input": {"value": "Weather in Naples?", "mime_type": "text/plain"},
              "output": {"value": "Sunny, 18 °C.", "mime_type": "text/plain"},
              "token_count": {"prompt": 1300, "completion": 100, "total": 1400, "cache_read": 1024,
                "cache_write": 0, "reasoning": 16},
              "cost": {"prompt": 0.005, "completion": 0.0011, "total": 0.0061, "unpriced_calls": 1,
                "unpriced_models": ["acme-private-llm"]},
              "llm_call_count": 2, "context_tokens": 1400,
              "llm_calls": [
                {"span_id": "a1", "model": "gpt-4o", "priced": true, "status": "ok", "duration_ms": 400,
                 "start_time": "2026-01-05T10:00:00.100000Z",
                 "token_count": {"prompt": 1200, "completion": 40, "total": 1240, "cache_read": 1024,
                   "cache_write": 0, "reasoning": 0},
                 "cost": {"prompt": 0.0017, "completion": 0.0004, "total": 0.0021}},
                {"span_id": "a2", "model": "acme-private-llm", "priced": false, "status": "error",
                 "duration_ms": 600, "start_time": "2026-01-05T10:00:00.800000Z",
                 "token_count": {"prompt": 100, "completion": 60, "total": 160, "cache_read": 0,
                   "cache_write": 0, "reasoning": 16},
                 "cost": {"prompt": 0, "completion": 0, "total": 0}}],
              "llm_calls_cut": 0,
              "tool_calls": [
                {"id": "call_1", "name": "get_weather", "status": "ok", "duration_ms": 212,
                 "start_time": "2026-01-05T10:00:00.500000Z",
                 "arguments": {"value": "{\\"city\\":\\"Naples\\"}", "mime_type": null, "truncated": false,
                   "original_size": 17},
                 "result": {"value": "<b>18 °C</b>, sunny", "mime_type": "text/plain", "truncated": false,
                   "original_size": 21}},
                {"id": null, "name": "<img src=x onerror=alert(1)>", "status": "error", "duration_ms": null,
                 "start_time": null,
                 "arguments": {"value": "<img>", "mime_type": "text/plain", "truncated": true,
                   "original_size": 2048},
                 "result": null}],
              "tool_calls_cut": 1},
             {"trace_id": "1bf7651916cd43dd8448eb211c80319d", "start_time": "2026-01-05T10:01:00.000000Z",
              "end_time": "2026-01-05T10:01:01.000000Z", "status": "ok", "span_count": 2, "models": ["gpt-4o-mini"],
              "input": {"value": "Thanks!", "mime_type": "text/plain"},
              "output": {"value": "You are welcome.", "mime_type": "text/plain"},
              "token_count": {"prompt": 120, "completion": 30, "total": 150},
              "cost": {"prompt": 0.0012, "completion": 0.0008, "total": 0.002}}]
            """;
    /**
     * A turn as issue 15's {@code /turns} answers it: the UI's thumbs-down with a note, and an LLM judge's label and
     * score. Both carry markup, which must stay text.
     */
    private static final String ANNOTATED_TURN = """
            {"trace_id": "2cf7651916cd43dd8448eb211c80319e", "start_time": "2026-01-05T10:02:00.000000Z",
             "end_time": "2026-01-05T10:02:01.000000Z", "status": "ok", "span_count": 2, "models": ["gpt-4o-mini"],
             "input": {"value": "Name the moons of Mars.", "mime_type": "text/plain"},
             "output": {"value": "Io and Europa.", "mime_type": "text/plain"},
             "token_count": {"prompt": 120, "completion": 30, "total": 150},
             "cost": {"prompt": 0.0012, "completion": 0.0008, "total": 0.002},
             "annotations": [
               {"annotation_id": "5b7e3c1e-0a51-3c0e-9b0e-2f6f3f7c1a01", "trace_id": "2cf7651916cd43dd8448eb211c80319e",
                "name": "thumbs", "label": "down", "score": 0, "explanation": "<b>Wrong</b>: Phobos and Deimos",
                "annotator_kind": "HUMAN", "identifier": "ui", "metadata": null,
                "created_at": "2026-01-05T10:03:00.000000Z"},
               {"annotation_id": "8c1d2e3f-4a5b-3c6d-8e7f-901a2b3c4d5e", "trace_id": "2cf7651916cd43dd8448eb211c80319e",
                "name": "correctness", "label": "<img src=x onerror=alert(1)>", "score": 0.25, "explanation": null,
                "annotator_kind": "LLM", "identifier": "judge-v1", "metadata": {"model": "gpt-4o"},
                "created_at": "2026-01-05T10:04:00.000000Z"}]}
            """;
    /** The annotation name the UI gives a turn's thumbs (annotations.js THUMBS). */
    private static final String THUMBS = "thumbs";
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneOffset.UTC);
    /** The UI loads a transcript 20 turns at a time (app.js TURN_PAGE_SIZE). */
    private static final int UI_TURN_PAGE = 20;
    private static final int LONG_SESSION_TURNS = 23;

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final String travel = KafkaTestCluster.uniqueName("travel");
    private final String cooking = KafkaTestCluster.uniqueName("cooking");
    /** A travel session five hours ago: inside the last 24 hours, outside the last hour. */
    private final String earlier = KafkaTestCluster.uniqueName("earlier");
    /** An id no path segment carries, and no URL at all (the NUL): the UI must still open it. */
    private final String weird = "../" + KafkaTestCluster.uniqueName("weird") + "/a?b=%2F&c#d\u0000e";

    @TempDir
    static Path stateDir;

    private IngestServer ingest;
    private AggregatorApp aggregator;
    private SessionsApiClient api;
    private SdkTracerProvider tracing;
    private SdkTracerProvider travelTracing;
    private Tracer tracer;
    private Tracer travelTracer;
    private ChromeDriver browser;
    private Instant base;

    private record Exchange(String input, String output) {
    }

    /** What a turn's spans say besides the exchange: the model, OpenInference {@code tag.tags} and {@code metadata}. */
    private record Labels(String model, List<String> tags, String metadataJson) {
    }

    @BeforeAll
    void startServicesAndSendSessions() throws Exception {
        SELENIUM_LOG.setLevel(Level.SEVERE);
        // CI installs Debian's chromium and chromium-driver (.ci/run ensure_chromium); without them this test fails
        // rather than skips, so that a missing browser is never mistaken for a passing UI.
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("WebUiIT needs Debian's Chromium and ChromeDriver at %s and %s: "
                        + "apt-get install chromium chromium-driver (.ci/run does it)", CHROMIUM, CHROMEDRIVER)
                .isTrue();
        TestStack stack = TestStack.start(kafka, stateDir, Map.of("auth.api-keys",
                API_KEY + "=ui," + INGEST_KEY + "=ui ingest," + READ_KEY + "=ui read"));
        ingest = stack.ingest();
        aggregator = stack.aggregator();
        api = SessionsApiClient.of(aggregator.httpPort()).withApiKey(API_KEY);
        // Two applications, so two projects (service.name) to filter by.
        tracing = tracerProvider(COOKING_PROJECT);
        travelTracing = tracerProvider(TRAVEL_PROJECT);
        tracer = tracing.get("io.sessionizer.it.ui.WebUiIT");
        travelTracer = travelTracing.get("io.sessionizer.it.ui.WebUiIT");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> api.get("/readyz").statusCode() == 200);

        // Travel is the older session, cooking the newer: the list shows cooking first.
        base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        for (int i = 0; i < TRAVEL.size(); i++) {
            sendTurn(travelTracer, travel, "alice", base.plusSeconds(20L * i), TRAVEL.get(i), false, TRAVEL_LABELS);
        }
        for (int i = 0; i < COOKING.size(); i++) {
            // The third cooking turn fails, to show the error badge.
            sendTurn(tracer, cooking, "bob", base.plusSeconds(200 + 30L * i), COOKING.get(i), i == 2, COOKING_LABELS);
        }
        sendTurn(tracer, weird, "erin", base.plusSeconds(400), new Exchange("Is my odd id a problem?",
                "No: the UI asks for it by query."), false);
        sendTurn(travelTracer, earlier, "frank", base.minus(Duration.ofHours(5)),
                new Exchange("Is Capri worth a day trip?", "Yes: take the first ferry."), false);
        flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() ->
                traceCount(travel) == TRAVEL.size() && traceCount(cooking) == COOKING.size()
                        && traceCount(weird) == 1 && traceCount(earlier) == 1);
    }

    @BeforeEach
    void openBrowser() throws IOException {
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        // The binary and driver are given explicitly so that Selenium Manager never tries to download a browser.
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory(stateDir, "chromium"));
        // The console, where the browser reports what the Content-Security-Policy blocked.
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logging);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SCREENSHOTS.resolve("chromedriver.log").toFile())
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1360, 900));
    }

    @AfterEach
    void screenshotAndCloseBrowser(TestInfo test) throws IOException {
        List<String> console;
        try {
            File shot = browser.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(test.getTestMethod().orElseThrow().getName() + ".png"),
                    StandardCopyOption.REPLACE_EXISTING);
            console = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .map(LogEntry::getMessage).toList();
        } finally {
            browser.quit();
        }
        // The page keeps to the aggregator's Content-Security-Policy: nothing inline, nothing from elsewhere.
        assertThat(console).as("browser console").noneMatch(m -> m.contains("Content Security Policy")
                || m.contains("Content-Security-Policy"));
    }

    @AfterAll
    void stopServices() {
        for (SdkTracerProvider provider : new SdkTracerProvider[] {tracing, travelTracing}) {
            if (provider != null) {
                provider.shutdown().join(10, TimeUnit.SECONDS);
            }
        }
        if (aggregator != null) {
            aggregator.close();
        }
        if (ingest != null) {
            ingest.close();
        }
    }

    /** Needs only {@code GET /} and {@code GET /api/v1/sessions/{id}}. */
    @Test
    void shouldShowTheSessionSummaryOnTheSessionPage() {
        open("/#/sessions/" + cooking);

        WebElement summary = waitFor(By.cssSelector("#summary[data-session-id='" + cooking + "']"));
        assertThat(summary.findElement(By.id("session-id")).getText()).isEqualTo(cooking);
        assertThat(summary.findElement(By.cssSelector(".trace-count .fact-value")).getText())
                .isEqualTo(Integer.toString(COOKING.size()));
        assertThat(summary.getText()).contains("bob", COOKING_PROJECT, "gpt-4o-mini", "1 error");
    }

    /** Needs {@code /api/v1/session?session_id_base64=} and {@code /api/v1/session/turns}: any id opens. */
    @Test
    void shouldOpenASessionWhoseIdNoPathCarries() {
        open("/#/sessions/" + URLEncoder.encode(weird, StandardCharsets.UTF_8).replace("+", "%20"));

        waitFor(By.id("summary"));
        eventually(() -> {
            assertThat(texts("#session-id")).containsExactly(weird);
            assertThat(texts(".bubble.user .text")).containsExactly("Is my odd id a problem?");
            assertThat(texts(".bubble.assistant .text")).containsExactly("No: the UI asks for it by query.");
        });
        // From the list too: the link of its row opens it.
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(weird));
        // No CSS selector quotes this id: the row is found by its data attribute in script.
        browser.executeScript("Array.from(document.querySelectorAll('tr.session-row'))"
                + ".find(row => row.dataset.sessionId === arguments[0]).querySelector('a.session-link').click();", weird);
        eventually(() -> assertThat(texts("#session-id")).containsExactly(weird));
    }

    /** Needs {@code /api/v1/sessions/{id}/turns}. */
    @Test
    void shouldShowTheTranscriptAsAChatInOrder() {
        open("/#/sessions/" + cooking);

        eventually(() -> {
            List<WebElement> turns = turns();
            assertThat(turns).hasSize(COOKING.size());
            for (int i = 0; i < COOKING.size(); i++) {
                WebElement turn = turns.get(i);
                assertThat(text(turn.findElement(By.cssSelector(".bubble.user .text"))))
                        .as("input of turn %d", i).isEqualTo(COOKING.get(i).input());
                assertThat(text(turn.findElement(By.cssSelector(".bubble.assistant .text"))))
                        .as("output of turn %d", i).isEqualTo(COOKING.get(i).output());
                assertThat(turn.findElements(By.cssSelector(".turn-meta .badge.error")))
                        .as("error badge of turn %d", i).hasSize(i == 2 ? 1 : 0);
                assertThat(turn.findElement(By.className("turn-meta")).getText())
                        .as("tokens, cost and latency of turn %d", i).contains("150 tokens", "$", "1.50 s");
            }
        });
        WebElement longAnswer = turns().get(3).findElement(By.cssSelector(".bubble.assistant .foldable"));
        assertThat(longAnswer.getDomAttribute("class")).as("a long answer is folded").contains("folded");
        longAnswer.findElement(By.className("fold-toggle")).click();
        assertThat(longAnswer.getDomAttribute("class")).doesNotContain("folded");
        assertThat(longAnswer.findElement(By.className("text")).getText()).endsWith("Enjoy your dinner!");
    }

    /** Needs {@code /turns} with {@code next_cursor}: a long session is shown a page at a time. */
    @Test
    void shouldPageThroughALongSession() {
        String longChat = KafkaTestCluster.uniqueName("long");
        Instant start = Instant.now().minusSeconds(3_600);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < LONG_SESSION_TURNS; i++) {
            inputs.add("Question number " + i + "?");
            sendTurn(tracer, longChat, "dave", start.plusSeconds(10L * i),
                    new Exchange(inputs.get(i), "Answer " + i + "."), false);
        }
        flush();
        open("/#/sessions/" + longChat);

        eventually(() -> {
            assertThat(texts(".bubble.user .text")).containsExactlyElementsOf(inputs.subList(0, UI_TURN_PAGE));
            assertThat(browser.findElement(By.id("load-more-turns")).isDisplayed()).isTrue();
        });
        browser.findElement(By.id("load-more-turns")).click();
        eventually(() -> assertThat(texts(".bubble.user .text")).containsExactlyElementsOf(inputs));
        assertThat(browser.findElement(By.id("load-more-turns")).isDisplayed()).isFalse();
    }

    /** Needs {@code /api/v1/sessions/{id}/turns}: an open page shows a new session and its turns without a reload. */
    @Test
    void shouldAddTurnsToAnOpenSessionPageAsTheyArrive() {
        String growing = KafkaTestCluster.uniqueName("growing");
        open("/#/sessions/" + growing);
        waitFor(By.cssSelector("#summary-wrap .notice"));

        sendTurn(tracer, growing, "carol", Instant.now().minusSeconds(30),
                new Exchange("First ping?", "First pong."), false);
        flush();
        eventually(() -> assertThat(texts(".bubble.user .text")).containsExactly("First ping?"));

        sendTurn(tracer, growing, "carol", Instant.now().minusSeconds(10),
                new Exchange("Second ping?", "Second pong."), false);
        flush();
        eventually(() -> assertThat(texts(".bubble.assistant .text")).containsExactly("First pong.", "Second pong."));
    }

    /**
     * Needs {@code /turns} with issue 14's fields to show more than the chat: each turn's tool calls (name, status,
     * arguments and result as text) and LLM calls (tokens with cached and reasoning ones, cost or "unpriced") in
     * folded lists, a "partial" cost where a call had no price, and the context-window trajectory above the
     * transcript. Each is checked against what the API answers, and a server without the fields shows none of them.
     */
    @Test
    void shouldShowEachTurnsToolAndLlmCallsAndTheContextTrajectory() {
        String agent = KafkaTestCluster.uniqueName("agent");
        Instant start = Instant.now().minusSeconds(2_400);
        sendAgentTurn(agent, start, new Exchange("What is the weather in Naples?", "18 °C and sunny: no umbrella."),
                "gpt-4o", 1_400, true);
        sendAgentTurn(agent, start.plusSeconds(60), new Exchange("And tomorrow?", "Rain: take the umbrella."),
                UNPRICED_MODEL, 2_600, false);
        flush();
        open("/");
        eventually(() -> {
            assertThat(listedSessions()).contains(agent);
            assertThat(browser.findElements(By.cssSelector(
                    "tr.session-row[data-session-id='" + agent + "'] td.cost .cost-partial")))
                    .as("partial mark of the session's cost in the list: the second turn's model has no price")
                    .hasSize(1);
        });

        open("/#/sessions/" + agent);
        eventually(() -> assertThat(texts(".bubble.user .text"))
                .containsExactly("What is the weather in Naples?", "And tomorrow?"));

        // The page polls: it shows what the API answers once both agree, and the API answers what was sent.
        eventually(() -> assertCallsAsServed(agent));
        JsonNode served = api.json("/api/v1/session/turns?limit=20&session_id_base64=" + base64url(agent))
                .path("turns");
        assertThat(served.get(0).path("tool_calls")).hasSize(1);
        assertThat(served.get(0).path("tool_calls").get(0).path("id").asText()).isEqualTo("call_weather_1");
        assertThat(served.get(0).path("llm_calls")).hasSize(2);
        assertThat(served.get(0).path("context_tokens").asLong()).isEqualTo(1_400);
        assertThat(served.get(1).path("tool_calls")).isEmpty();
        assertThat(served.get(1).path("llm_calls").get(0).path("priced").asBoolean()).isFalse();
        assertThat(browser.findElements(By.cssSelector("#summary .cost .cost-partial"))).hasSize(1);
        for (String list : List.of("details.tool-calls", "details.llm-calls")) {
            turns().get(0).findElement(By.cssSelector(list)).findElement(By.tagName("summary")).click();
            eventually(() -> assertThat(turns().get(0).findElement(By.cssSelector(
                    list + " li.tool-call, " + list + " tr.llm-call")).isDisplayed())
                    .as("%s unfold with a click", list).isTrue());
        }
        browser.executeScript("window.scrollTo(0, 0)");
    }

    private void assertCallsAsServed(String sessionId) {
        JsonNode session = api.json("/api/v1/session?session_id_base64=" + base64url(sessionId));
        JsonNode served = api.json("/api/v1/session/turns?limit=20&session_id_base64=" + base64url(sessionId))
                .path("turns");
        List<WebElement> turns = turns();
        assertThat(turns).hasSameSizeAs(served);
        int withContext = 0;
        for (int i = 0; i < served.size(); i++) {
            JsonNode turn = served.get(i);
            WebElement shown = turns.get(i);
            if (turn.path("context_tokens").isNumber()) {
                withContext++;
            }
            assertToolCalls(shown, turn.path("tool_calls"), "turn " + i);
            assertLlmCalls(shown, turn.path("llm_calls"), "turn " + i);
            assertThat(shown.findElements(By.cssSelector(".turn-meta .cost-partial")))
                    .as("partial cost mark of turn %d", i)
                    .hasSize(turn.path("cost").path("unpriced_calls").asInt() > 0 ? 1 : 0);
            if (turn.path("token_count").path("cache_read").asLong() > 0) {
                assertThat(text(shown.findElement(By.className("turn-meta")))).contains("cached");
            }
        }
        assertThat(browser.findElement(By.id("context")).isDisplayed()).as("trajectory shown with context_tokens")
                .isEqualTo(withContext > 0);
        assertThat(browser.findElements(By.cssSelector("#context .context-turn rect.bar"))).hasSize(withContext);
        boolean partial = session.path("cost").path("unpriced_calls").asInt() > 0;
        List<WebElement> mark = browser.findElements(By.cssSelector("#summary .cost .cost-partial"));
        assertThat(mark).as("partial mark of the session's cost").hasSize(partial ? 1 : 0);
        if (partial) {
            assertThat(mark.get(0).getDomAttribute("title")).contains(UNPRICED_MODEL);
        }
    }

    /** The turn's tool calls as the API lists them, in order; none when it lists none. */
    private void assertToolCalls(WebElement turn, JsonNode calls, String what) {
        if (!calls.isArray() || calls.isEmpty()) {
            assertThat(turn.findElements(By.cssSelector("details.tool-calls"))).as("tool calls of %s", what).isEmpty();
            return;
        }
        List<WebElement> shown = turn.findElements(By.cssSelector("details.tool-calls li.tool-call"));
        assertThat(shown).as("tool calls of %s", what).hasSize(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonNode call = calls.get(i);
            WebElement item = shown.get(i);
            assertThat(text(item.findElement(By.className("call-name")))).isEqualTo(call.path("name").asText());
            assertThat(item.getDomAttribute("data-status")).isEqualTo(call.path("status").asText(null));
            for (String field : List.of("arguments", "result")) {
                String value = call.path(field).path("value").asText("");
                if (!value.isEmpty()) {
                    // JSON is shown pretty-printed: the same text but for whitespace.
                    assertThat(text(item.findElement(By.cssSelector(".call-" + field + " .text")))
                            .replaceAll("\\s", "")).as("%s of tool call %d of %s", field, i, what)
                            .isEqualTo(value.replaceAll("\\s", ""));
                }
            }
        }
    }

    /** The turn's LLM calls as the API lists them: model, prompt tokens, and "unpriced" where it had no price. */
    private void assertLlmCalls(WebElement turn, JsonNode calls, String what) {
        if (!calls.isArray() || calls.isEmpty()) {
            assertThat(turn.findElements(By.cssSelector("details.llm-calls"))).as("LLM calls of %s", what).isEmpty();
            return;
        }
        List<WebElement> rows = turn.findElements(By.cssSelector("details.llm-calls tr.llm-call"));
        assertThat(rows).as("LLM calls of %s", what).hasSize(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            JsonNode call = calls.get(i);
            WebElement row = rows.get(i);
            assertThat(text(row.findElement(By.className("model")))).isEqualTo(call.path("model").asText());
            assertThat(text(row.findElement(By.className("prompt"))))
                    .startsWith(String.format(Locale.ROOT, "%,d", call.path("token_count").path("prompt").asLong()));
            assertThat(row.findElements(By.className("unpriced"))).as("unpriced mark of LLM call %d of %s", i, what)
                    .hasSize(call.path("priced").asBoolean(true) ? 0 : 1);
        }
    }

    /**
     * Needs {@code GET /api/v1/sessions} (newest first, with {@code project} and {@code q}), then {@code /turns} for
     * the transcript.
     */
    @Test
    void shouldFindASessionInTheListSearchForAWordAndOpenIt() {
        open("/");

        eventually(() -> assertThat(listedSessions()).containsSubsequence(cooking, travel));
        eventually(() -> {
            WebElement row = browser.findElement(By.cssSelector("tr.session-row[data-session-id='" + travel + "']"));
            assertThat(row.findElement(By.className("first-input")).getText()).isEqualTo(TRAVEL.get(0).input());
            assertThat(row.findElement(By.className("last-output")).getText()).isEqualTo(TRAVEL.get(2).output());
        });

        addFilter("project", TRAVEL_PROJECT);
        eventually(() -> assertThat(listedSessions()).containsExactly(travel, earlier));
        removeChip("project", TRAVEL_PROJECT);
        eventually(() -> assertThat(listedSessions()).containsSubsequence(cooking, travel));

        browser.findElement(By.id("search")).sendKeys(SEARCHED_WORD);
        eventually(() -> assertThat(listedSessions()).containsExactly(cooking));

        eventually(() -> browser.findElement(
                By.cssSelector("tr.session-row[data-session-id='" + cooking + "'] a.session-link")).click());
        waitFor(By.cssSelector("#summary[data-session-id='" + cooking + "']"));
        eventually(() -> {
            assertThat(texts(".bubble.user .text"))
                    .containsExactlyElementsOf(COOKING.stream().map(Exchange::input).toList());
            assertThat(texts(".bubble.assistant .text"))
                    .containsExactlyElementsOf(COOKING.stream().map(Exchange::output).toList());
        });

        browser.navigate().back();
        eventually(() -> {
            assertThat(browser.findElement(By.id("search")).getDomProperty("value")).isEqualTo(SEARCHED_WORD);
            assertThat(listedSessions()).containsExactly(cooking);
        });
    }

    /**
     * Needs {@code /api/v1/sessions} with {@code project} and {@code user_id}: filters added as chips narrow the list,
     * stay in the address across a reload, and go again with their chip.
     */
    @Test
    void shouldNarrowTheListWithFilterChipsAndWidenItWhenOneIsRemoved() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel, earlier));

        addFilter("project", TRAVEL_PROJECT);
        eventually(() -> {
            assertThat(chips()).containsExactly("Project: " + TRAVEL_PROJECT);
            assertThat(listedSessions()).containsExactly(travel, earlier);
        });
        addFilter("user_id", "alice");
        eventually(() -> {
            assertThat(chips()).containsExactly("Project: " + TRAVEL_PROJECT, "User: alice");
            assertThat(listedSessions()).containsExactly(travel);
        });
        assertThat(sessionRequests()).anySatisfy(url -> assertThat(url)
                .contains("project=" + TRAVEL_PROJECT, "user_id=alice"));

        browser.navigate().refresh();
        eventually(() -> {
            assertThat(chips()).containsExactly("Project: " + TRAVEL_PROJECT, "User: alice");
            assertThat(listedSessions()).containsExactly(travel);
        });

        removeChip("user_id", "alice");
        eventually(() -> {
            assertThat(chips()).containsExactly("Project: " + TRAVEL_PROJECT);
            assertThat(listedSessions()).containsExactly(travel, earlier);
        });
        removeChip("project", TRAVEL_PROJECT);
        eventually(() -> {
            assertThat(chips()).isEmpty();
            assertThat(listedSessions()).contains(cooking, travel, earlier);
        });
    }

    /** Needs {@code metadata.<key>} and {@code has_error} on {@code /api/v1/sessions}, and facets for suggestions. */
    @Test
    void shouldFilterByMetadataAndErrorsChips() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel));

        addFilter("metadata", "tier=pro");
        eventually(() -> {
            assertThat(chips()).containsExactly("Metadata: tier = pro");
            assertThat(listedSessions()).containsExactly(cooking);
        });
        removeChip("metadata.tier", "pro");
        new Select(browser.findElement(By.id("filter-field"))).selectByValue("has_error");
        new Select(browser.findElement(By.id("filter-choice"))).selectByValue("true");
        browser.findElement(By.id("add-filter-button")).click();
        eventually(() -> {
            assertThat(chips()).containsExactly("Errors: with errors");
            assertThat(listedSessions()).contains(cooking).doesNotContain(travel, weird, earlier);
        });
        // The suggestions for a field are its facets among the sessions shown.
        new Select(browser.findElement(By.id("filter-field"))).selectByValue("project");
        browser.findElement(By.id("filter-value")).click();
        eventually(() -> assertThat(suggestions()).contains(COOKING_PROJECT).doesNotContain(TRAVEL_PROJECT));
    }

    /** Needs {@code user_id} on {@code /api/v1/sessions}: a user in the table filters the list by itself. */
    @Test
    void shouldFilterByAUserClickedInTheTable() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel));

        clickFilterLink(travel, "user_id", "alice");
        eventually(() -> {
            assertThat(chips()).containsExactly("User: alice");
            assertThat(listedSessions()).containsExactly(travel);
        });
        assertThat(browser.getCurrentUrl()).contains("user_id=alice");
    }

    /** Needs {@code model} and {@code tag} on {@code /api/v1/sessions}, and {@code tags} in the summaries. */
    @Test
    void shouldFilterByAModelOrATagClickedInTheTable() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel));

        clickFilterLink(travel, "model", "gpt-4o");
        eventually(() -> {
            assertThat(chips()).containsExactly("Model: gpt-4o");
            assertThat(listedSessions()).containsExactly(travel);
        });
        removeChip("model", "gpt-4o");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel));

        clickFilterLink(cooking, "tag", "recipes");
        eventually(() -> {
            assertThat(chips()).containsExactly("Tag: recipes");
            assertThat(listedSessions()).containsExactly(cooking);
        });
        // Tags are ANDed: a second tag that cooking lacks leaves nothing.
        addFilter("tag", "vacation");
        eventually(() -> assertThat(listedSessions()).isEmpty());
    }

    /** Needs {@code sort=cost} and {@code order} on {@code /api/v1/sessions}. */
    @Test
    void shouldSortByCostOneWayThenTheOther() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel, weird));

        clickSortHeader("cost");
        eventually(() -> {
            assertThat(sortOf("cost")).isEqualTo("descending");
            assertThat(listedOf(travel, cooking, weird)).containsExactly(travel, cooking, weird);
        });
        clickSortHeader("cost");
        eventually(() -> {
            assertThat(sortOf("cost")).isEqualTo("ascending");
            assertThat(listedOf(travel, cooking, weird)).containsExactly(weird, cooking, travel);
        });
        assertThat(browser.getCurrentUrl()).contains("sort=cost", "order=asc");
        assertThat(sessionRequests()).anySatisfy(url -> assertThat(url).contains("sort=cost", "order=asc"));

        browser.navigate().refresh();
        eventually(() -> {
            assertThat(sortOf("cost")).isEqualTo("ascending");
            assertThat(sortOf("end_time")).isEqualTo("none");
            assertThat(listedOf(travel, cooking, weird)).containsExactly(weird, cooking, travel);
        });
    }

    /**
     * Needs {@code from} and {@code to} on {@code /api/v1/sessions} and {@code /api/v1/stats}: the last hour leaves
     * out the session of five hours ago, which the last 24 hours and a custom range around it show.
     */
    @Test
    void shouldNarrowTheListAndTheTotalsToTheChosenTimeRange() {
        open("/");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel, earlier));
        assertThat(new Select(browser.findElement(By.id("range"))).getFirstSelectedOption().getDomAttribute("value"))
                .isEqualTo("24h");

        new Select(browser.findElement(By.id("range"))).selectByValue("1h");
        eventually(() -> assertThat(listedSessions()).contains(cooking, travel).doesNotContain(earlier));
        assertThat(browser.getCurrentUrl()).contains("range=1h");
        assertThat(sessionRequests()).anySatisfy(url -> assertThat(url).contains("from=").doesNotContain("to="));

        new Select(browser.findElement(By.id("range"))).selectByValue("custom");
        Instant now = Instant.now();
        WebElement from = waitFor(By.id("range-from"));
        from.clear();
        from.sendKeys(MINUTE.format(now.minus(Duration.ofHours(6))));
        WebElement to = browser.findElement(By.id("range-to"));
        to.clear();
        to.sendKeys(MINUTE.format(now.minus(Duration.ofHours(4))));
        browser.findElement(By.id("apply-range")).click();
        eventually(() -> {
            assertThat(listedSessions()).containsExactly(earlier);
            assertThat(browser.findElement(By.cssSelector("#stats .stat[data-stat='sessions'] .stat-value")).getText())
                    .isEqualTo("1");
        });
        assertThat(statsRequests()).anySatisfy(url -> assertThat(url).contains("from=", "to="));

        browser.navigate().refresh();
        eventually(() -> {
            assertThat(new Select(browser.findElement(By.id("range"))).getFirstSelectedOption()
                    .getDomAttribute("value")).isEqualTo("custom");
            assertThat(listedSessions()).containsExactly(earlier);
        });
    }

    /**
     * Needs {@code matches} in {@code /api/v1/sessions?q=}: the matching turn is shown with the word marked, and the
     * markup in it stays text; its link opens the session at that turn.
     */
    @Test
    void shouldShowTheMatchingTurnWithTheWordHighlighted() {
        open("/");
        browser.findElement(By.id("search")).sendKeys(MARKUP_WORD);

        String row = "tr.match-row[data-session-id='" + cooking + "']";
        eventually(() -> {
            assertThat(listedSessions()).containsExactly(cooking);
            assertThat(texts(row + " mark")).isNotEmpty().allSatisfy(mark -> assertThat(mark)
                    .isEqualToIgnoringCase(MARKUP_WORD));
            assertThat(texts(row + " .snippet")).anySatisfy(snippet -> assertThat(snippet)
                    .contains("<b>Not</b> " + MARKUP_WORD));
        });
        assertThat(browser.findElements(By.cssSelector("#sessions b, #sessions img"))).isEmpty();

        String traceId = browser.findElement(By.cssSelector(row + " li.match")).getDomAttribute("data-trace-id");
        browser.findElement(By.cssSelector(row + " a.match-link")).click();
        eventually(() -> assertThat(browser.findElement(By.cssSelector("#transcript .turn.focused"))
                .getDomAttribute("data-trace-id")).isEqualTo(traceId));
        assertThat(text(browser.findElement(By.cssSelector("#transcript .turn.focused .bubble.user .text"))))
                .isEqualTo(COOKING.get(2).input());
    }

    /**
     * Needs {@code matches} and {@code /turns} paging: a hit in a turn past the transcript's first page opens the
     * session with that turn loaded and shown.
     */
    @Test
    void shouldOpenASearchHitAtItsTurnPastTheFirstPage() {
        String longChat = KafkaTestCluster.uniqueName("hit");
        Instant start = Instant.now().minusSeconds(1_800);
        for (int i = 0; i < LONG_SESSION_TURNS; i++) {
            String input = i == LONG_SESSION_TURNS - 1 ? "Is Zanzibar warm in June?" : "Small talk " + i + "?";
            sendTurn(tracer, longChat, "gina", start.plusSeconds(10L * i), new Exchange(input, "Reply " + i + "."),
                    false);
        }
        flush();
        open("/#/?q=zanzibar");

        String hit = "tr.match-row[data-session-id='" + longChat + "'] a.match-link";
        clickWhenShown(() -> browser.findElement(By.cssSelector(hit)));
        eventually(() -> {
            assertThat(texts("#transcript .turn")).hasSize(LONG_SESSION_TURNS);
            assertThat(texts("#transcript .turn.focused .bubble.user .text"))
                    .containsExactly("Is Zanzibar warm in June?");
        });
    }

    /**
     * Needs nothing but {@code GET /}: the snippet renderer turns the API's escaped text and {@code <mark>} tags into
     * text nodes and mark elements, never into other markup.
     */
    @Test
    void shouldRenderASnippetAsTextAndMarksOnly() {
        open("/");
        waitFor(By.id("search"));

        @SuppressWarnings("unchecked")
        List<Map<String, String>> nodes = (List<Map<String, String>>) browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/ui/snippet.js').then(({ highlighted }) => {
                  const box = document.createElement('div');
                  box.append(highlighted(arguments[0]));
                  done(Array.from(box.childNodes, n => ({ node: n.nodeName, text: n.textContent })));
                }, e => done([{ node: 'error', text: String(e) }]));
                """, "a &lt;img src=x onerror=alert(1)&gt; <mark>b&amp;c</mark> &#39;d&#x27; &amp;lt; "
                + "<mark>e</mark></mark> &bogus; <mark>f");
        assertThat(nodes).containsExactly(
                Map.of("node", "#text", "text", "a <img src=x onerror=alert(1)> "),
                Map.of("node", "MARK", "text", "b&c"),
                Map.of("node", "#text", "text", " 'd' &lt; "),
                Map.of("node", "MARK", "text", "e"),
                Map.of("node", "#text", "text", " &bogus; "),
                Map.of("node", "MARK", "text", "f"));
    }

    /**
     * Needs nothing but {@code GET /}: a turn as issue 14's {@code /turns} answers it (tool calls, LLM calls, cached
     * and reasoning tokens, an unpriced call, context tokens) rendered by turn.js, and the context chart of chart.js.
     * Tool names, arguments and results stay text; the lists are folded until clicked; a turn without the new fields
     * shows none of it.
     */
    @Test
    void shouldRenderATurnsCallsAsTextFromItsJson() {
        open("/");
        waitFor(By.id("search"));
        browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.all([import('/ui/turn.js'), import('/ui/chart.js')]).then(([turn, chart]) => {
                  const box = document.createElement('section');
                  box.id = 'rendered';
                  box.className = 'transcript';
                  box.style.margin = '16px auto';
                  const turns = JSON.parse(arguments[0]);
                  const figure = document.createElement('figure');
                  figure.className = 'chart context';
                  figure.append(chart.contextChart(turns.map((t, i) => ({ context: t.context_tokens ?? null,
                    label: '#' + (i + 1) }))));
                  box.append(figure, ...turns.map((t, i) => turn.turnView(t, i, new Set())));
                  document.body.append(box);
                  box.scrollIntoView();
                  done();
                }, e => { document.body.append('error: ' + e); done(); });
                """, RENDERED_TURNS);

        WebElement rendered = waitFor(By.id("rendered"));
        List<WebElement> turns = rendered.findElements(By.cssSelector("article.turn"));
        assertThat(turns).hasSize(2);
        WebElement agent = turns.get(0);
        assertThat(agent.findElement(By.className("turn-meta")).getText())
                .contains("1,400 tokens (1,024 cached, 16 reasoning)", "context 1,400", "≥ $0.0061 · partial");
        assertThat(agent.findElement(By.cssSelector(".turn-meta .cost-partial")).getDomAttribute("title"))
                .contains("1 LLM call without a price (acme-private-llm)");

        WebElement tools = agent.findElement(By.cssSelector("details.tool-calls"));
        assertThat(tools.getDomAttribute("open")).as("folded until clicked").isNull();
        assertThat(tools.findElement(By.tagName("summary")).getText())
                .contains("3 tool calls", "get_weather, <img src=x onerror=alert(1)>", "1 failed");
        tools.findElement(By.tagName("summary")).click();
        List<WebElement> calls = tools.findElements(By.cssSelector("li.tool-call"));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).getText()).contains("get_weather", "ok", "212 ms", "call_1");
        assertThat(calls.get(0).findElement(By.cssSelector(".call-arguments .text")).getText())
                .isEqualTo("{\n  \"city\": \"Naples\"\n}");
        assertThat(calls.get(0).findElement(By.cssSelector(".call-result .text")).getText())
                .isEqualTo("<b>18 °C</b>, sunny");
        assertThat(calls.get(1).findElement(By.className("call-name")).getText())
                .isEqualTo("<img src=x onerror=alert(1)>");
        assertThat(calls.get(1).getDomAttribute("data-status")).isEqualTo("error");
        assertThat(calls.get(1).findElement(By.cssSelector(".call-result .text")).getText())
                .isEqualTo("(none recorded)");
        assertThat(calls.get(1).findElement(By.cssSelector(".call-arguments .cut-note")).getText())
                .isEqualTo("Cut: the first 5 B of 2.0 KiB are kept");
        assertThat(tools.findElement(By.className("calls-cut")).getText()).contains("1 more tool call not listed");

        WebElement llm = agent.findElement(By.cssSelector("details.llm-calls"));
        llm.findElement(By.tagName("summary")).click();
        List<WebElement> rows = llm.findElements(By.cssSelector("tr.llm-call"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).getText()).contains("gpt-4o", "1,200 (1,024 cached)", "$0.0021", "400 ms");
        assertThat(rows.get(1).getText()).contains("acme-private-llm", "60 (16 reasoning)", "unpriced", "error");
        assertThat(rendered.findElements(By.cssSelector("b, img"))).as("data stays text").isEmpty();

        WebElement plain = turns.get(1);
        assertThat(plain.findElements(By.cssSelector(".turn-calls, .cost-partial, .context"))).isEmpty();
        assertThat(plain.findElement(By.className("turn-meta")).getText()).contains("150 tokens", "$0.0020");
        assertThat(rendered.findElements(By.cssSelector(".context-chart .context-turn"))).hasSize(2);
        assertThat(rendered.findElements(By.cssSelector(".context-chart rect.bar"))).as("no bar without context")
                .hasSize(1);
    }

    /**
     * Needs the annotations API ({@code POST /api/v1/sessions/{id}/turns/{trace_id}/annotations}), the stream's fold
     * of {@code session-annotations} into the turn and the summary, and the list's {@code annotation.<name>.label}
     * filter, facet and {@code annotation.<name>.score} sort: a thumbs-down with a note, clicked on a turn, shows on
     * the turn and in the session header, then in the sessions list's {@code thumbs} column, and the column's label
     * filter selects the session. A second click replaces the verdict (the UI writes with an identifier).
     */
    @Test
    void shouldGiveATurnAThumbsDownAndFindTheSessionByItInTheList() throws Exception {
        String rated = KafkaTestCluster.uniqueName("rated");
        String note = "Wrong: the moons of Mars are Phobos and Deimos";
        Instant start = Instant.now().minusSeconds(1_200);
        sendTurn(tracer, rated, "ivan", start, new Exchange("How many moons has Mars?", "Mars has two moons."), false);
        sendTurn(tracer, rated, "ivan", start.plusSeconds(30), new Exchange("Name them, please.", "Io and Europa."),
                false);
        flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> traceCount(rated) == 2);
        open("/#/sessions/" + rated);
        eventually(() -> assertThat(texts(".bubble.user .text"))
                .containsExactly("How many moons has Mars?", "Name them, please."));

        clickWhenShown(() -> thumb(1, "up"));
        eventually(() -> {
            assertThat(servedThumbs(rated, 1)).singleElement()
                    .satisfies(a -> assertThat(a.path("label").asText()).isEqualTo("up"));
            // Shown as served, no longer as written: the turn is not redrawn while the note is typed.
            assertThat(thumb(1, "up").getDomAttribute("aria-pressed")).isEqualTo("true");
            assertThat(browser.findElements(By.cssSelector("#transcript .annotation.thumbs-up:not(.pending)")))
                    .hasSize(1);
        });
        WebElement noteField = turns().get(1).findElement(By.className("feedback-note"));
        noteField.clear();
        noteField.sendKeys(note);
        clickWhenShown(() -> thumb(1, "down"));
        eventually(() -> {
            List<JsonNode> served = servedThumbs(rated, 1);
            assertThat(served).as("the second verdict replaces the first").hasSize(1);
            JsonNode thumbs = served.get(0);
            assertThat(thumbs.path("label").asText()).isEqualTo("down");
            assertThat(thumbs.path("score").asDouble()).isZero();
            assertThat(thumbs.path("annotator_kind").asText()).isEqualTo("HUMAN");
            assertThat(thumbs.path("identifier").asText()).isEqualTo("ui");
            assertThat(thumbs.path("explanation").asText()).isEqualTo(note);
            assertThat(servedThumbs(rated, 0)).isEmpty();
            // The page shows what is served: the verdict pressed, the note as text.
            assertThat(thumb(1, "down").getDomAttribute("aria-pressed")).isEqualTo("true");
            assertThat(thumb(1, "up").getDomAttribute("aria-pressed")).isEqualTo("false");
            assertThat(texts("#transcript .turn[data-trace-id='" + thumbs.path("trace_id").asText()
                    + "'] .annotation.thumbs-down:not(.pending) .annotation-note")).containsExactly(note);
            assertThat(turns().get(0).findElements(By.cssSelector(".annotation"))).isEmpty();
            assertThat(texts("#annotations-summary .annotation-summary[data-name='thumbs'] .annotation-label"))
                    .containsExactly("down 1");
        });
        screenshot("annotations-session", new Dimension(1360, 1300));

        open("/");
        eventually(() -> assertThat(listedSessions()).contains(rated, cooking));
        browser.findElement(By.id("annotation-name")).sendKeys(THUMBS, Keys.ENTER);
        String cell = "tr.session-row[data-session-id='" + rated + "'] td.annotation-cell";
        eventually(() -> {
            assertThat(browser.getCurrentUrl()).contains("annotation=thumbs");
            assertThat(attributes(cell, "data-top-label")).containsExactly("down");
            assertThat(attributes(cell, "data-mean-score")).containsExactly("0");
            assertThat(texts(cell)).singleElement().asString().contains("down");
            assertThat(texts("tr.session-row[data-session-id='" + cooking + "'] td.annotation-cell"))
                    .containsExactly("–");
        });

        // The column's labels come from the facet; choosing one filters the list by it.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() ->
                new Select(browser.findElement(By.id("annotation-label"))).selectByValue("down"));
        eventually(() -> {
            assertThat(chips()).containsExactly("thumbs: down");
            assertThat(listedSessions()).containsExactly(rated);
        });
        assertThat(requests("/api/v1/sessions/facets?")).anySatisfy(url -> assertThat(url)
                .contains("field=annotation.thumbs.label"));
        assertThat(sessionRequests()).anySatisfy(url -> assertThat(url).contains("annotation.thumbs.label=down"));

        String sortable = "th[data-sort='annotation.thumbs.score']";
        clickSortHeader("annotation.thumbs.score");
        eventually(() -> {
            assertThat(attributes(sortable, "aria-sort")).containsExactly("descending");
            assertThat(listedSessions()).containsExactly(rated);
        });
        assertThat(sessionRequests()).anySatisfy(url -> assertThat(url).contains("sort=annotation.thumbs.score"));
        browser.executeScript("document.querySelector('.table-wrap').scrollLeft = 1e6;");
        screenshot("annotations-list", new Dimension(1360, 900));

        browser.navigate().refresh();
        eventually(() -> {
            assertThat(chips()).containsExactly("thumbs: down");
            assertThat(attributes(sortable, "aria-sort")).containsExactly("descending");
            assertThat(listedSessions()).containsExactly(rated);
            assertThat(attributes(cell, "data-top-label")).containsExactly("down");
        });
    }

    /**
     * Needs the annotations API's query form ({@code POST /api/v1/session/annotations?session_id_base64=&trace_id=})
     * and the stream's fold: a turn of a session whose id no path carries takes a thumbs up too.
     */
    @Test
    void shouldGiveAThumbsUpToATurnOfASessionWhoseIdNoPathCarries() {
        open("/#/sessions/" + URLEncoder.encode(weird, StandardCharsets.UTF_8).replace("+", "%20"));
        eventually(() -> {
            assertThat(texts("#session-id")).containsExactly(weird);
            assertThat(turns()).hasSize(1);
        });

        clickWhenShown(() -> thumb(0, "up"));
        eventually(() -> {
            assertThat(servedThumbs(weird, 0)).singleElement()
                    .satisfies(a -> assertThat(a.path("label").asText()).isEqualTo("up"));
            assertThat(thumb(0, "up").getDomAttribute("aria-pressed")).isEqualTo("true");
            assertThat(browser.findElements(By.cssSelector("#transcript .annotation.thumbs-up:not(.pending)")))
                    .hasSize(1);
        });
        assertThat(requests("/api/v1/session/annotations?")).anySatisfy(url -> assertThat(url)
                .contains("session_id_base64=" + base64url(weird), "trace_id="));
    }

    /**
     * Needs the annotations API ({@code POST /api/v1/sessions/{id}/annotations}) and the stream's fold into the
     * summary: the session form refuses a judgment without a label or score, then writes a label, a score and a note,
     * which the session header shows under the annotation's name.
     */
    @Test
    void shouldAnnotateTheSessionWithALabelAScoreAndANote() {
        String judged = KafkaTestCluster.uniqueName("judged");
        sendTurn(tracer, judged, "judy", Instant.now().minusSeconds(900),
                new Exchange("Is Pluto a planet?", "A dwarf planet, since 2006."), false);
        flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> traceCount(judged) == 1);
        open("/#/sessions/" + judged);
        waitFor(By.cssSelector("#summary[data-session-id='" + judged + "']"));

        browser.findElement(By.id("session-annotation-submit")).click();
        eventually(() -> assertThat(browser.findElement(By.id("session-annotation-error")).getText())
                .contains("a label, a score or both"));
        assertThat(browser.findElement(By.id("session-annotation-name")).getDomProperty("value")).isEqualTo("quality");
        browser.findElement(By.id("session-annotation-label")).sendKeys("good");
        browser.findElement(By.id("session-annotation-score")).sendKeys("0.75");
        browser.findElement(By.id("session-annotation-note")).sendKeys("Precise & short.");
        browser.findElement(By.id("session-annotation-submit")).click();

        eventually(() -> {
            JsonNode quality = annotationSummary(judged, "quality");
            assertThat(quality.path("count").asLong()).isEqualTo(1);
            assertThat(quality.path("mean_score").asDouble()).isEqualTo(0.75);
            assertThat(quality.path("label_counts").path("good").asLong()).isEqualTo(1);
            JsonNode latest = quality.path("latest");
            assertThat(latest.path("trace_id").isNull()).as("a session annotation has no trace id").isTrue();
            assertThat(latest.path("explanation").asText()).isEqualTo("Precise & short.");
            assertThat(latest.path("annotator_kind").asText()).isEqualTo("HUMAN");
            String shown = "#annotations-summary .annotation-summary[data-name='quality'] ";
            assertThat(texts(shown + ".annotation-label")).containsExactly("good 1");
            assertThat(texts(shown + ".annotation-score")).containsExactly("mean 0.75");
            assertThat(texts(shown + ".annotation-note")).containsExactly("Precise & short.");
            assertThat(browser.findElements(By.cssSelector("#annotations-summary .pending"))).isEmpty();
        });
        assertThat(browser.findElement(By.id("session-annotation-error")).getText()).isEmpty();
    }

    /**
     * Needs {@code /turns}: what the API answers to an annotation it refuses is shown where it was written, as the UI
     * shows other errors, and nothing is shown as saved. A form the UI lets through is one the API takes, so the
     * refusals (a 503 while Kafka is away, a 400 naming a field) are answered in the page, by its fetch; the requests
     * it would have sent are checked against the contract on the way.
     */
    @Test
    void shouldShowTheProblemTheApiAnswersToAnAnnotation() {
        open("/#/sessions/" + travel);
        eventually(() -> assertThat(turns()).hasSize(TRAVEL.size()));
        String traceId = turns().get(0).getDomAttribute("data-trace-id");
        browser.executeScript("""
                window.annotationRequests = [];
                const fetch = window.fetch;
                window.fetch = (url, init) => {
                  if (!init || init.method !== 'POST') return fetch(url, init);
                  window.annotationRequests.push({ url: String(url), body: init.body,
                    authorization: init.headers.Authorization, type: init.headers['Content-Type'] });
                  const problem = String(url).includes('/turns/')
                    ? { status: 503, title: 'Service Unavailable', detail: 'Kafka is not reachable; retry' }
                    : { status: 400, title: 'Bad Request', detail: 'label is too long', field: 'label' };
                  return Promise.resolve(new Response(JSON.stringify(problem), { status: problem.status,
                    headers: { 'Content-Type': 'application/problem+json' } }));
                };
                """);

        clickWhenShown(() -> thumb(0, "down"));
        eventually(() -> {
            assertThat(texts("#transcript .turn[data-trace-id='" + traceId + "'] .notice.error"))
                    .containsExactly("Could not save the thumbs down: Kafka is not reachable; retry");
            assertThat(thumb(0, "down").getDomAttribute("aria-pressed")).isEqualTo("false");
            assertThat(browser.findElements(By.cssSelector("#transcript .annotation"))).isEmpty();
        });

        browser.findElement(By.id("session-annotation-label")).sendKeys("good");
        browser.findElement(By.id("session-annotation-submit")).click();
        eventually(() -> {
            assertThat(browser.findElement(By.id("session-annotation-error")).getText())
                    .isEqualTo("Could not annotate the session: label is too long");
            assertThat(browser.findElement(By.id("session-annotation-label")).getDomAttribute("aria-invalid"))
                    .isEqualTo("true");
        });

        @SuppressWarnings("unchecked")
        List<Map<String, String>> sent = (List<Map<String, String>>) browser.executeScript(
                "return window.annotationRequests;");
        assertThat(sent).hasSize(2);
        String session = "/api/v1/sessions/" + travel;
        assertThat(sent.get(0)).containsEntry("url", session + "/turns/" + traceId + "/annotations")
                .containsEntry("authorization", "Bearer " + API_KEY).containsEntry("type", "application/json")
                .containsEntry("body", "{\"name\":\"thumbs\",\"label\":\"down\",\"score\":0,"
                        + "\"annotator_kind\":\"HUMAN\",\"identifier\":\"ui\"}");
        assertThat(sent.get(1)).containsEntry("url", session + "/annotations")
                .containsEntry("body", "{\"name\":\"quality\",\"label\":\"good\",\"annotator_kind\":\"HUMAN\","
                        + "\"identifier\":\"ui\"}");
    }

    /**
     * Needs nothing but {@code GET /}: a turn with annotations as issue 15's {@code /turns} answers it, rendered by
     * turn.js. The UI's thumbs is the verdict pressed, with its note in the note field; every annotation is listed
     * with its label, score and note as text; a click votes with the note typed. A turn only shown has no thumbs.
     */
    @Test
    void shouldRenderATurnsAnnotationsAsTextWithItsThumbsFromItsJson() {
        open("/");
        waitFor(By.id("search"));
        browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/ui/turn.js').then((turn) => {
                  const box = document.createElement('section');
                  box.id = 'rendered';
                  box.className = 'transcript';
                  window.votes = [];
                  const feedback = { of: () => ({}), note: () => {},
                    vote: (t, label, note) => window.votes.push({ trace_id: t.trace_id, label, note }) };
                  box.append(turn.turnView(JSON.parse(arguments[0]), 0, new Set(), feedback),
                    turn.turnView(JSON.parse(arguments[0]), 1, new Set()));
                  document.body.append(box);
                  box.scrollIntoView();
                  done();
                }, e => { document.body.append('error: ' + e); done(); });
                """, ANNOTATED_TURN);

        WebElement rendered = waitFor(By.id("rendered"));
        List<WebElement> turns = rendered.findElements(By.cssSelector("article.turn"));
        assertThat(turns).hasSize(2);
        WebElement voting = turns.get(0);
        assertThat(voting.findElement(By.cssSelector(".thumb-down")).getDomAttribute("aria-pressed")).isEqualTo("true");
        assertThat(voting.findElement(By.cssSelector(".thumb-up")).getDomAttribute("aria-pressed")).isEqualTo("false");
        WebElement note = voting.findElement(By.className("feedback-note"));
        assertThat(note.getDomProperty("value")).isEqualTo("<b>Wrong</b>: Phobos and Deimos");
        List<WebElement> annotations = voting.findElements(By.cssSelector("li.annotation"));
        assertThat(annotations).hasSize(2);
        assertThat(text(annotations.get(0).findElement(By.className("annotation-note"))))
                .isEqualTo("<b>Wrong</b>: Phobos and Deimos");
        assertThat(text(annotations.get(1).findElement(By.className("annotation-name")))).isEqualTo("correctness");
        assertThat(text(annotations.get(1).findElement(By.className("annotation-label"))))
                .isEqualTo("<img src=x onerror=alert(1)>");
        assertThat(text(annotations.get(1).findElement(By.className("annotation-score")))).isEqualTo("0.25");
        assertThat(annotations.get(1).getDomAttribute("title")).contains("llm · judge-v1");
        assertThat(rendered.findElements(By.cssSelector("b, img"))).as("data stays text").isEmpty();

        note.clear();
        note.sendKeys("Phobos and Deimos");
        voting.findElement(By.cssSelector(".thumb-up")).click();
        assertThat(browser.executeScript("return JSON.stringify(window.votes);")).isEqualTo("[{\"trace_id\":"
                + "\"2cf7651916cd43dd8448eb211c80319e\",\"label\":\"up\",\"note\":\"Phobos and Deimos\"}]");

        WebElement shownOnly = turns.get(1);
        assertThat(shownOnly.findElements(By.cssSelector(".thumb, .feedback-note"))).isEmpty();
        assertThat(shownOnly.findElements(By.cssSelector("li.annotation"))).hasSize(2);
    }

    /**
     * Needs {@code buckets} in {@code /api/v1/stats} with {@code from}, {@code to} and {@code interval}: the chart
     * above the list has one column per bucket the API answers for the range shown; a click on one narrows the range
     * to it.
     */
    @Test
    void shouldChartTheStatsBucketsOfTheChosenRange() {
        String from = base.minusSeconds(60).toString();
        String to = base.plusSeconds(660).toString();
        open("/#/?range=custom&from=" + from + "&to=" + to);

        eventually(() -> {
            JsonNode buckets = api.json("/api/v1/stats?from=" + from + "&to=" + to + "&interval=1m").path("buckets");
            List<String> starts = new ArrayList<>();
            buckets.forEach(bucket -> starts.add(bucket.path("start").asText()));
            assertThat(starts).isNotEmpty();
            assertThat(texts("#chart svg .bucket > title")).hasSameSizeAs(starts);
            assertThat(attributes("#chart svg .bucket", "data-start")).containsExactlyElementsOf(starts);
        });
        assertThat(statsRequests()).anySatisfy(url -> assertThat(url).contains("interval=1m"));
        assertThat(browser.findElements(By.cssSelector("#chart svg .bucket rect.bar"))).hasSizeGreaterThan(0);

        WebElement first = browser.findElements(By.cssSelector("#chart svg .bucket")).get(0);
        String start = first.getDomAttribute("data-start");
        first.click();
        eventually(() -> {
            assertThat(browser.getCurrentUrl()).contains("range=custom");
            assertThat(browser.findElement(By.id("range-from")).getDomProperty("value"))
                    .isEqualTo(MINUTE.format(Instant.parse(start)));
        });
    }

    /** A tab without the key gets the key form; a wrong key is refused, the right one opens the list. */
    @Test
    void shouldAskForTheApiKeyAndThenShowTheSessions() {
        openWithoutKey("/");
        waitFor(By.id("api-key")).sendKeys("not-the-key");
        browser.findElement(By.cssSelector("#api-key-form button")).click();
        eventually(() -> assertThat(browser.findElement(By.cssSelector(".notice.warn")).getText())
                .contains("not valid"));

        waitFor(By.id("api-key")).sendKeys(API_KEY);
        browser.findElement(By.cssSelector("#api-key-form button")).click();
        eventually(() -> assertThat(listedSessions()).containsSubsequence(cooking, travel));
    }

    /**
     * A key without the read scope gets the key form, saying so; a key without the annotate scope reads, and a thumbs
     * click says why it was not saved.
     */
    @Test
    void shouldExplainA403ByTheScopeTheKeyLacks() {
        open("/", INGEST_KEY);
        eventually(() -> assertThat(browser.findElement(By.cssSelector(".notice.warn")).getText())
                .contains("lacks the read scope"));
        assertThat(browser.findElement(By.cssSelector(".key-hint")).getText()).contains("API key with the read scope");
        assertThat(waitFor(By.id("api-key")).isDisplayed()).isTrue();

        open("/#/sessions/" + travel, READ_KEY);
        eventually(() -> assertThat(turns()).hasSize(TRAVEL.size()));
        String traceId = turns().get(0).getDomAttribute("data-trace-id");
        clickWhenShown(() -> thumb(0, "up"));
        eventually(() -> assertThat(texts("#transcript .turn[data-trace-id='" + traceId + "'] .notice.error"))
                .containsExactly("Could not save the thumbs up: this API key lacks the annotate scope, which writing"
                        + " annotations needs"));
    }

    /** Needs {@code GET /api/v1/stats}. */
    @Test
    void shouldShowProjectTotals() {
        open("/");

        eventually(() -> assertThat(browser.findElements(By.cssSelector("#stats .stat"))).isNotEmpty());
        assertThat(browser.findElement(By.id("stats")).getText()).containsIgnoringCase("sessions");
    }

    /**
     * One turn as OpenInference instruments a chat app: a root CHAIN span with input and output, and an LLM child
     * with the model and token counts that ends last; the turn lasts 1.5 s.
     */
    private static void sendTurn(Tracer tracer, String sessionId, String user, Instant start, Exchange exchange,
            boolean failed) {
        sendTurn(tracer, sessionId, user, start, exchange, failed, PLAIN);
    }

    private static void sendTurn(Tracer tracer, String sessionId, String user, Instant start, Exchange exchange,
            boolean failed, Labels labels) {
        Instant end = start.plusMillis(1_500);
        SpanBuilder rootBuilder = tracer.spanBuilder("chat turn")
                .setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(start)
                .setAttribute(SPAN_KIND, "CHAIN")
                .setAttribute(SESSION_ID, sessionId)
                .setAttribute(USER_ID, user)
                .setAttribute(INPUT, exchange.input())
                .setAttribute(MIME_TYPE_IN, "text/plain")
                .setAttribute(OUTPUT, exchange.output())
                .setAttribute(MIME_TYPE_OUT, "text/plain");
        if (!labels.tags().isEmpty()) {
            rootBuilder.setAttribute(TAGS, labels.tags());
        }
        if (labels.metadataJson() != null) {
            rootBuilder.setAttribute(METADATA, labels.metadataJson());
        }
        Span root = rootBuilder.startSpan();
        Span llm = tracer.spanBuilder("llm").setParent(Context.root().with(root))
                .setStartTimestamp(start.plusMillis(100))
                .setAttribute(SPAN_KIND, "LLM")
                .setAttribute(MODEL, labels.model())
                .setAttribute(PROMPT_TOKENS, 120L)
                .setAttribute(COMPLETION_TOKENS, 30L)
                .setAttribute(TOTAL_TOKENS, 150L)
                .startSpan();
        if (failed) {
            llm.setStatus(StatusCode.ERROR, "rate limited");
        }
        llm.end(end);
        root.end(end);
    }

    /**
     * A turn of an agent as OpenInference instruments one: a root CHAIN span; an LLM call that asks for a tool
     * (OpenInference output message tool call) with cached prompt tokens; the TOOL span that runs it; and a second
     * LLM call with {@code contextTokens} prompt tokens and reasoning tokens that answers. Without {@code withTool},
     * only the answering call.
     */
    private void sendAgentTurn(String sessionId, Instant start, Exchange exchange, String model, long contextTokens,
            boolean withTool) {
        Span root = tracer.spanBuilder("agent turn").setSpanKind(SpanKind.SERVER).setStartTimestamp(start)
                .setAttribute(SPAN_KIND, "AGENT")
                .setAttribute(SESSION_ID, sessionId)
                .setAttribute(USER_ID, "hana")
                .setAttribute(INPUT, exchange.input())
                .setAttribute(MIME_TYPE_IN, "text/plain")
                .setAttribute(OUTPUT, exchange.output())
                .setAttribute(MIME_TYPE_OUT, "text/plain")
                .startSpan();
        Context parent = Context.root().with(root);
        Instant at = start.plusMillis(100);
        if (withTool) {
            String toolCall = "llm.output_messages.0.message.tool_calls.0.tool_call.";
            tracer.spanBuilder("llm").setParent(parent).setStartTimestamp(at)
                    .setAttribute(SPAN_KIND, "LLM")
                    .setAttribute(MODEL, model)
                    .setAttribute(PROMPT_TOKENS, 1_200L)
                    .setAttribute(CACHE_READ_TOKENS, 1_024L)
                    .setAttribute(COMPLETION_TOKENS, 20L)
                    .setAttribute(TOTAL_TOKENS, 1_220L)
                    .setAttribute("llm.output_messages.0.message.role", "assistant")
                    .setAttribute(toolCall + "id", "call_weather_1")
                    .setAttribute(toolCall + "function.name", WEATHER_TOOL)
                    .setAttribute(toolCall + "function.arguments", WEATHER_ARGUMENTS)
                    .startSpan().end(at.plusMillis(400));
            tracer.spanBuilder(WEATHER_TOOL).setParent(parent).setStartTimestamp(at.plusMillis(450))
                    .setAttribute(SPAN_KIND, "TOOL")
                    .setAttribute("tool.name", WEATHER_TOOL)
                    .setAttribute(INPUT, WEATHER_ARGUMENTS)
                    .setAttribute(MIME_TYPE_IN, "application/json")
                    .setAttribute(OUTPUT, "{\"temperature_c\": 18, \"conditions\": \"sunny\"}")
                    .setAttribute(MIME_TYPE_OUT, "application/json")
                    .startSpan().end(at.plusMillis(650));
            at = at.plusMillis(700);
        }
        tracer.spanBuilder("llm").setParent(parent).setStartTimestamp(at)
                .setAttribute(SPAN_KIND, "LLM")
                .setAttribute(MODEL, model)
                .setAttribute(PROMPT_TOKENS, contextTokens)
                .setAttribute(COMPLETION_TOKENS, 40L)
                .setAttribute(REASONING_TOKENS, 16L)
                .setAttribute(TOTAL_TOKENS, contextTokens + 40L)
                .startSpan().end(at.plusMillis(600));
        root.end(start.plusMillis(1_500));
    }

    private static String base64url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private SdkTracerProvider tracerProvider(String serviceName) {
        return SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://localhost:" + ingest.httpPort() + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + API_KEY)
                        .build()).build())
                .build();
    }

    private void flush() {
        for (SdkTracerProvider provider : List.of(tracing, travelTracing)) {
            assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("export to the ingest")
                    .isTrue();
        }
    }

    /** Opens a page of the UI in a tab that already has the API key. */
    private void open(String path) {
        open(path, API_KEY);
    }

    private void open(String path, String key) {
        // sessionStorage belongs to the origin: set it on a page of the aggregator first.
        browser.get(url("/healthz"));
        browser.executeScript("sessionStorage.setItem(arguments[0], arguments[1])", KEY_STORAGE, key);
        openWithoutKey(path);
    }

    private void openWithoutKey(String path) {
        browser.get(url(path));
        assertThat(browser.getTitle()).as("the web UI at / (is WebUi wired into AggregatorApp?)")
                .contains("Sessionizer");
    }

    private String url(String path) {
        return "http://localhost:" + aggregator.httpPort() + path;
    }

    private WebElement waitFor(By locator) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> browser.findElement(locator).isDisplayed());
        return browser.findElement(locator);
    }

    private List<WebElement> turns() {
        return browser.findElements(By.cssSelector("#transcript .turn"));
    }

    /** Retries while the page's polling may re-render the elements being read. */
    private static void eventually(ThrowingRunnable assertion) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                .ignoreException(StaleElementReferenceException.class)
                .untilAsserted(assertion);
    }

    /** Clicks the element once it is there: the page may still be loading it, or re-rendering it while polling. */
    private static void clickWhenShown(Supplier<WebElement> element) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .untilAsserted(() -> element.get().click());
    }

    /** The texts of the matching elements, whole even when a long one is folded, read in one step. */
    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>) browser.executeScript(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", css);
    }

    private static String text(WebElement element) {
        return element.getDomProperty("textContent");
    }

    @SuppressWarnings("unchecked")
    private List<String> listedSessions() {
        return (List<String>) browser.executeScript("return Array.from(document.querySelectorAll('tr.session-row'),"
                + " row => row.dataset.sessionId);");
    }

    /** Adds a filter with the filter form: the field, then its value typed or chosen. */
    private void addFilter(String field, String value) {
        new Select(browser.findElement(By.id("filter-field"))).selectByValue(field);
        WebElement input = browser.findElement(By.id("filter-value"));
        input.clear();
        input.sendKeys(value);
        browser.findElement(By.id("add-filter-button")).click();
    }

    private void removeChip(String key, String value) {
        clickWhenShown(() -> (WebElement) browser.executeScript(
                "return Array.from(document.querySelectorAll('#chips .chip'))"
                + ".find(c => c.dataset.filterKey === arguments[0] && c.dataset.filterValue === arguments[1])"
                + ".querySelector('.chip-remove');", key, value));
    }

    private List<String> chips() {
        return texts("#chips .chip-label");
    }

    /** Clicks a user, model or tag in a session's row. */
    private void clickFilterLink(String sessionId, String key, String value) {
        clickWhenShown(() -> (WebElement) browser.executeScript("return Array.from(document.querySelectorAll("
                + "'tr.session-row[data-session-id=\"' + arguments[0] + '\"] .filter-link'))"
                + ".find(b => b.dataset.filterKey === arguments[1] && b.dataset.filterValue === arguments[2]);",
                sessionId, key, value));
    }

    private void clickSortHeader(String sort) {
        clickWhenShown(() -> browser.findElement(By.cssSelector("th button.sort-button[data-sort='" + sort + "']")));
    }

    /** The column's aria-sort: ascending, descending or none. */
    private String sortOf(String sort) {
        return browser.findElement(By.cssSelector("th[data-sort='" + sort + "']")).getDomAttribute("aria-sort");
    }

    /** The listed sessions among the given ones, in the list's order. */
    private List<String> listedOf(String... sessionIds) {
        List<String> wanted = List.of(sessionIds);
        return listedSessions().stream().filter(wanted::contains).toList();
    }

    @SuppressWarnings("unchecked")
    private List<String> suggestions() {
        return (List<String>) browser.executeScript(
                "return Array.from(document.querySelectorAll('#filter-values option'), o => o.value);");
    }

    @SuppressWarnings("unchecked")
    private List<String> attributes(String css, String name) {
        return (List<String>) browser.executeScript(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.getAttribute(arguments[1]));",
                css, name);
    }

    /** The URLs of the page's requests to {@code /api/v1/sessions}, decoded. */
    private List<String> sessionRequests() {
        return requests("/api/v1/sessions?");
    }

    private List<String> statsRequests() {
        return requests("/api/v1/stats?");
    }

    @SuppressWarnings("unchecked")
    private List<String> requests(String path) {
        return ((List<String>) browser.executeScript("return performance.getEntriesByType('resource')"
                + ".map(e => e.name).filter(n => n.includes(arguments[0]));", path)).stream()
                .map(url -> URLDecoder.decode(url, StandardCharsets.UTF_8)).toList();
    }

    /** The thumbs up or down button of the turn at {@code index} on the session page. */
    private WebElement thumb(int index, String label) {
        return turns().get(index).findElement(By.cssSelector(".feedback .thumb-" + label));
    }

    /** The UI's thumbs annotations the API serves on the session's turn at {@code index}. */
    private List<JsonNode> servedThumbs(String sessionId, int index) {
        JsonNode turn = api.json("/api/v1/session/turns?limit=20&session_id_base64=" + base64url(sessionId))
                .path("turns").path(index);
        List<JsonNode> thumbs = new ArrayList<>();
        turn.path("annotations").forEach(a -> {
            if (THUMBS.equals(a.path("name").asText()) && "ui".equals(a.path("identifier").asText())) {
                thumbs.add(a);
            }
        });
        return thumbs;
    }

    /** The summary's annotations of {@code name}, or a missing node. */
    private JsonNode annotationSummary(String sessionId, String name) {
        for (JsonNode summary : api.json("/api/v1/session?session_id_base64=" + base64url(sessionId))
                .path("annotations")) {
            if (name.equals(summary.path("name").asText())) {
                return summary;
            }
        }
        return MissingNode.getInstance();
    }

    /**
     * A screenshot of the page as it is now, beside the one taken after each test, in a window of {@code size} (for a
     * page taller or a table wider than the usual window); the window is set back after.
     */
    private void screenshot(String name, Dimension size) throws IOException {
        Dimension usual = browser.manage().window().getSize();
        browser.manage().window().setSize(size);
        try {
            browser.executeScript("window.scrollTo(0, 0);");
            File shot = browser.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.manage().window().setSize(usual);
        }
    }

    private int traceCount(String sessionId) throws Exception {
        SessionsApiClient.Response response = api.get("/api/v1/session?session_id_base64=" + base64url(sessionId));
        if (response.statusCode() != 200) {
            return -1;
        }
        return response.json().path("trace_count").asInt();
    }
}
