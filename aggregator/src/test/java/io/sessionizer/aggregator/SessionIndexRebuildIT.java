package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.aggregator.index.OlderIndexes;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session index is derived data that is never trusted unless a clean close left it at the stores' point (ADR 007):
 * two single-instance deployments are stopped cleanly; one has its state directory wiped, the other the index of one
 * task rewritten as an older build's (closed cleanly, same marker, another format, and empty). Started again on the
 * same settings, both answer every query as the brute force does ({@link SessionCorpus}), and {@code /metrics} shows
 * that the wiped one rebuilt every task's index, the other only the rewritten one: the indexes closed cleanly were
 * reused.
 */
class SessionIndexRebuildIT {
    private static final int SESSIONS = 24;
    private static final int PAGE = 5;
    /** SessionProcessor's session-index-rebuilds-total as micrometer's Kafka binder names it in Prometheus. */
    private static final String REBUILDS = "kafka_sessionizer_session_index_rebuilds_total";
    private static final String REBUILD_TIME = "kafka_sessionizer_session_index_rebuild_time_ms";
    private static final Pattern TASK = Pattern.compile("task_id=\"([^\"]+)\"");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final SessionCorpus corpus = SessionCorpus.of(SESSIONS, 7);
    private final List<AggregatorApp> apps = new ArrayList<>();

    @TempDir
    Path stateDir;

    @AfterEach
    void tearDown() {
        apps.forEach(AggregatorApp::close);
    }

    @Test
    void shouldRebuildAWipedStateDirectoryAndAnOlderFormatsIndexButReuseACleanlyClosedOne() throws Exception {
        Map<String, String> wiped = deployment("wiped");
        Map<String, String> older = deployment("older");
        AggregatorApp first = start(wiped);
        AggregatorApp second = start(older);
        awaitEverySession(first.httpPort());
        awaitEverySession(second.httpPort());
        stop(first);
        stop(second);

        Path wipedDir = Path.of(wiped.get("state.dir"));
        deleteRecursively(wipedDir);
        List<Path> indexes = indexDirectories(Path.of(older.get("state.dir")));
        assertThat(indexes).as("a session index per task").hasSize(3);
        Path rewritten = indexes.get(0);
        OlderIndexes.rewriteAsPreviousFormat(rewritten);
        String rewrittenTask = rewritten.getParent().getFileName().toString();

        AggregatorApp fromWiped = start(wiped);
        AggregatorApp fromOlder = start(older);
        awaitEverySession(fromWiped.httpPort());
        awaitEverySession(fromOlder.httpPort());
        corpus.assertSummaries(fromWiped.httpPort());
        corpus.assertEveryQuery(List.of(fromWiped.httpPort()), PAGE);
        corpus.assertSummaries(fromOlder.httpPort());
        corpus.assertEveryQuery(List.of(fromOlder.httpPort()), PAGE);

        // Kafka metrics that appear after the start reach /metrics at the binder's next refresh, within a minute.
        List<String> tasks = indexes.stream().map(index -> index.getParent().getFileName().toString()).toList();
        await().atMost(Duration.ofSeconds(100)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(rebuilds(fromWiped.httpPort(), REBUILDS)).as("rebuilds after the wipe")
                    .containsOnlyKeys(tasks).allSatisfy((task, count) -> assertThat(count).isEqualTo(1.0));
            assertThat(rebuilds(fromOlder.httpPort(), REBUILDS)).as("rebuilds after %s was rewritten", rewrittenTask)
                    .isEqualTo(Map.of(rewrittenTask, 1.0));
        });
        assertThat(rebuilds(fromWiped.httpPort(), REBUILD_TIME)).containsOnlyKeys(tasks);
        assertThat(rebuilds(fromOlder.httpPort(), REBUILD_TIME)).containsOnlyKeys(rewrittenTask);
    }

    /** The settings of a single-instance deployment with a spans topic, output topics and a state directory. */
    private Map<String, String> deployment(String name) throws Exception {
        String spansTopic = KafkaTestCluster.uniqueName(name + "-spans");
        kafka.createTopics(3, spansTopic);
        corpus.produce(kafka, spansTopic);
        return AggregatorFixture.settings(kafka, stateDir.resolve(name), spansTopic, Map.of());
    }

    private AggregatorApp start(Map<String, String> settings) {
        AggregatorApp app = AggregatorFixture.start(settings);
        apps.add(app);
        return app;
    }

    /** A clean close: Kafka Streams commits and closes every store, the session index too. */
    private void stop(AggregatorApp app) {
        app.close();
        apps.remove(app);
    }

    /** Waits until lists, facets and stats answer 200 (not 503 while an index is rebuilt), with every session. */
    private void awaitEverySession(int port) {
        SessionsApiClient api = SessionsApiClient.of(port);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .untilAsserted(() -> {
            for (String path : List.of("/api/v1/sessions?limit=500", "/api/v1/stats",
                    "/api/v1/sessions/facets?field=tag")) {
                SessionsApiClient.Response response = api.get(path);
                assertThat(response.statusCode()).as("%s: never a 500", path).isIn(200, 503);
                assertThat(response.statusCode()).as(path).isEqualTo(200);
            }
            assertThat(api.json("/api/v1/sessions?limit=500").get("sessions")).hasSize(SESSIONS);
            assertThat(api.stats(Map.of()).at("/totals/spans").asLong()).isEqualTo(corpus.spans());
        });
    }

    /** The session index directories of a state directory, one per task ({@code <task id>/session-index}). */
    private static List<Path> indexDirectories(Path stateDir) throws IOException {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(path -> path.getFileName().toString().equals(SessionTopology.SESSION_INDEX_STORE)
                    && Files.isDirectory(path)).sorted().toList();
        }
    }

    /** The value of a per-task metric in {@code /metrics}, by task id. */
    private static Map<String, Double> rebuilds(int port, String metric) {
        Map<String, Double> byTask = new TreeMap<>();
        for (String line : SessionsApiClient.of(port).get("/metrics").ok().body().split("\n")) {
            if (line.startsWith(metric + "{")) {
                Matcher task = TASK.matcher(line);
                assertThat(task.find()).as(line).isTrue();
                byTask.put(task.group(1), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return byTask;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        assertThat(dir).doesNotExist();
    }
}
