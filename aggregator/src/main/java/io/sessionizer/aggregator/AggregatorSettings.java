package io.sessionizer.aggregator;

import io.sessionizer.aggregator.domain.Budgets;
import io.sessionizer.aggregator.domain.SessionKeyResolver;
import io.sessionizer.aggregator.http.ApiRateLimit;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.config.Setting;
import io.sessionizer.tls.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    public static final Setting<String> LOGS_TOPIC = Setting.string("topic.logs", "otlp_logs",
            "Input topic: OTLP ExportLogsServiceRequest of one trace's log records (the GenAI message events), keyed by"
                    + " hex trace id, with the partition count of topic.spans; other keys are split and re-keyed.");
    public static final Setting<String> SESSIONS_TOPIC = Setting.string("topic.sessions", "sessions",
            "Output: the latest SessionSummary per session (Avro, Confluent wire format); compact it.");
    public static final Setting<String> TURNS_TOPIC = Setting.string("topic.turns", "session-turns",
            "Output: each Turn when created or changed (Avro, Confluent wire format).");
    public static final Setting<String> EVENTS_TOPIC = Setting.string("topic.events", "session-events",
            "Output: SessionEvent STARTED, ENDED, RESUMED, EXPIRED, ANNOTATED, BUDGET_EXCEEDED (Avro, Confluent wire"
                    + " format).");
    public static final Setting<String> ANNOTATIONS_TOPIC = Setting.string("topic.annotations", "session-annotations",
            "Annotations written by the API (SessionAnnotation, Avro, Confluent wire format), keyed by session, with"
                    + " the partition count of topic.spans; folded into the sessions.");
    public static final Setting<String> DLQ_TOPIC = Setting.string("topic.dlq", "sessionizer-dlq",
            "Dead-letter topic: records that cannot be processed, as received, with the error in headers.");
    public static final Setting<String> PROCESSING_GUARANTEE = Setting.string("processing.guarantee",
            "exactly_once_v2", "exactly_once_v2 (no span counted twice after a crash) or at_least_once.");
    public static final Setting<Long> ROCKSDB_MEMORY = Setting.bytes("rocksdb.memory", "256MiB",
            "Off-heap memory of all RocksDB stores together: shared block cache and memtables.");
    public static final Setting<Integer> STANDBY_REPLICAS = Setting.integer("standby.replicas", 0, 0, 10,
            "Warm copies of each store on other instances, for fast fail-over and queries while the active is down.");
    public static final Setting<Integer> STREAM_THREADS = Setting.integer("stream.threads", 1, 1, 64,
            "Kafka Streams processing threads of this instance.");
    public static final Setting<List<String>> SESSION_KEYS = Setting.list("session.keys",
            String.join(",", SessionKeyResolver.DEFAULT_KEYS),
            "Span attributes that name a session, in lookup order; 'attr#field' reads a field of a JSON attribute.");

    public static final Setting<String> API_CURSOR_SECRET = Setting.string("api.cursor-secret", "",
            "Secret (at least 32 characters, e.g. from 'openssl rand -base64 32') under which the API signs its page"
                    + " cursors (HMAC-SHA256), so that a forged or altered cursor is a 400. Every instance of a deployment"
                    + " must have the same; empty picks a random one per process, fine for a single instance only.");

    public static final Setting<Path> PRICE_TABLE = Setting.path("cost.price-table", "",
            "JSON model price table replacing the built-in one (model-prices.json): our format, or LiteLLM's"
                    + " model_prices_and_context_window.json (https://raw.githubusercontent.com/BerriAI/litellm/main/"
                    + "model_prices_and_context_window.json); empty for the built-in table.");
    public static final Setting<Duration> IDLE_TIMEOUT = Setting.duration("session.idle-timeout", "30m",
            "A session without new spans for this long becomes idle (event ENDED).");
    public static final Setting<Duration> RETENTION = Setting.duration("session.retention", "7d",
            "A session without new spans for this long is deleted (tombstone on sessions, event EXPIRED).");
    public static final Setting<Duration> PENDING_TIMEOUT = Setting.duration("trace.pending-timeout", "5m",
            "How long the spans of a trace without a session key are buffered, waiting for a span that has one.");
    public static final Setting<Integer> PENDING_MAX_SPANS = Setting.integer("trace.pending-max-spans", 10_000, 1,
            Integer.MAX_VALUE, "Spans buffered at most per trace without a session key; more are dropped.");
    public static final Setting<Duration> TRACE_RETENTION = Setting.duration("trace.retention", "1h",
            "How long a trace's span ids are kept after its last span, so that a client retry is counted once.");
    public static final Setting<Integer> TRACE_MAX_SPANS = Setting.integer("trace.max-spans", 10_000, 1, 1_000_000,
            "Spans counted at most per trace (its span ids are kept to count retries once); more are dropped and"
                    + " counted in trace-spans-dropped-total.");
    public static final Setting<Long> TURN_MAX_TEXT_BYTES = Setting.bytes("turn.max-text-bytes", "64KiB",
            "UTF-8 bytes kept of a turn's input and of its output; a longer text keeps its beginning, is marked"
                    + " truncated with its original_size, and is counted in texts-cut-total.");
    public static final Setting<Long> RECORD_MAX_BYTES = Setting.bytes("record.max-bytes", "1MiB",
            "Largest record the aggregator writes: its producer's max.request.size and the max.message.bytes of the"
                    + " internal topics it creates. Checked at start against the topics, which must accept it.");
    public static final Setting<Duration> INDEX_REFRESH_INTERVAL = Setting.duration("index.refresh-interval", "1s",
            "How often the session index's changes become visible to lists, search, facets and stats, at the most"
                    + " (0 for at every commit); lookups and transcripts read the stores and are never later.");
    public static final Setting<Long> ANNOTATIONS_MAX_BODY = Setting.bytes("annotations.max-body-bytes", "8KiB",
            "Largest body of an annotation POST; a larger one is answered 413.");
    public static final Setting<Duration> ANNOTATIONS_PRODUCE_TIMEOUT = Setting.duration(
            "annotations.produce-timeout", "10s",
            "How long an annotation POST waits for Kafka to store the annotation (acks=all) before answering 503.");
    public static final Setting<Double> BUDGET_COST = Setting.of("budget.cost-usd", "0", Budgets::parseCost,
            "Cost budget of a session, USD: a session whose cost crosses it gets one BUDGET_EXCEEDED event; 0 for"
                    + " none. budget.projects overrides it per project.");
    public static final Setting<Long> BUDGET_TOKENS = Setting.of("budget.tokens", "0", Budgets::parseTokens,
            "Token budget (total tokens) of a session, likewise; 0 for none.");
    public static final Setting<String> BUDGET_PROJECTS = Setting.of("budget.projects", "", text -> {
        Budgets.parseOverrides(text, new Budgets.Budget(0, 0));
        return text;
    }, "Budgets per project, overriding budget.cost-usd and budget.tokens: project=cost:tokens,... (e.g."
            + " support-bot=2.5:200000,batch=0:0); a side left empty keeps the default. A session of several projects"
            + " gets the strictest of their budgets.");
    public static final Setting<Duration> PUNCTUATE_INTERVAL = Setting.duration("punctuate.interval", "10s",
            "Wall-clock interval of the expiry and lifecycle checks.");

    private AggregatorSettings() {
    }

    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(HTTP_PORT, APPLICATION_ID, APPLICATION_SERVER, STATE_DIR,
                SPANS_TOPIC, LOGS_TOPIC, SESSIONS_TOPIC, TURNS_TOPIC, EVENTS_TOPIC, ANNOTATIONS_TOPIC, DLQ_TOPIC,
                PROCESSING_GUARANTEE, ROCKSDB_MEMORY, STANDBY_REPLICAS, STREAM_THREADS, SESSION_KEYS, API_CURSOR_SECRET,
                PRICE_TABLE, IDLE_TIMEOUT, RETENTION, PENDING_TIMEOUT, PENDING_MAX_SPANS, TRACE_RETENTION, TRACE_MAX_SPANS,
                TURN_MAX_TEXT_BYTES, RECORD_MAX_BYTES, INDEX_REFRESH_INTERVAL, ANNOTATIONS_MAX_BODY,
                ANNOTATIONS_PRODUCE_TIMEOUT, BUDGET_COST, BUDGET_TOKENS, BUDGET_PROJECTS, PUNCTUATE_INTERVAL));
        all.addAll(ApiKeys.settings());
        all.addAll(ApiRateLimit.settings());
        all.addAll(RegistrySettings.all());
        all.addAll(TlsSettings.settings());
        all.add(TlsSettings.PEER_CA_FILE);
        return List.copyOf(all);
    }
}
