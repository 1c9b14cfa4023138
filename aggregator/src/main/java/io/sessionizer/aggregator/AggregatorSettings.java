package io.sessionizer.aggregator;

import io.sessionizer.aggregator.domain.SessionKeyResolver;
import io.sessionizer.config.Setting;
import java.nio.file.Path;
import java.util.List;

/** Every setting of the aggregator; {@code SESSIONIZER_<KEY>} in the environment, or a properties file. */
public final class AggregatorSettings {
    public static final Setting<Integer> HTTP_PORT = Setting.port("http.port", 8080,
            "Port of the REST API, the web UI, health and metrics; 0 picks a free port.");
    public static final Setting<String> APPLICATION_ID = Setting.string("application.id", "sessionizer-aggregator",
            "Kafka Streams application id: the consumer group and the prefix of internal topics. Instances of one"
                    + " deployment share it.");
    public static final Setting<String> APPLICATION_SERVER = Setting.string("application.server", "",
            "host:port at which other instances reach this one's API; empty means localhost:<http.port>.");
    public static final Setting<Path> STATE_DIR = Setting.path("state.dir", "data/aggregator",
            "Directory of the RocksDB state stores; keep it on a persistent volume to restart without restoring.");
    public static final Setting<String> SPANS_TOPIC = Setting.string("topic.spans", "otlp_spans",
            "Input topic: one OTLP ExportTraceServiceRequest per trace, keyed by hex trace id.");
    public static final Setting<String> PROCESSING_GUARANTEE = Setting.string("processing.guarantee",
            "exactly_once_v2", "exactly_once_v2 (no span counted twice after a crash) or at_least_once.");
    public static final Setting<Integer> STREAM_THREADS = Setting.integer("stream.threads", 1, 1, 64,
            "Kafka Streams processing threads of this instance.");
    public static final Setting<List<String>> SESSION_KEYS = Setting.list("session.keys",
            String.join(",", SessionKeyResolver.DEFAULT_KEYS),
            "Span attributes that name a session, in lookup order; 'attr#field' reads a field of a JSON attribute.");

    private AggregatorSettings() {
    }

    public static List<Setting<?>> all() {
        return List.of(HTTP_PORT, APPLICATION_ID, APPLICATION_SERVER, STATE_DIR, SPANS_TOPIC, PROCESSING_GUARANTEE,
                STREAM_THREADS, SESSION_KEYS);
    }
}
