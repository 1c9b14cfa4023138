package io.sessionizer.aggregator.topology;

import com.google.protobuf.Message;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.domain.Budgets;
import io.sessionizer.aggregator.domain.PriceTable;
import io.sessionizer.aggregator.domain.SessionKeyResolver;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.aggregator.errors.RecordLimits;
import io.sessionizer.aggregator.errors.RecordSizeGuard;
import io.sessionizer.aggregator.index.SessionIndexStoreBuilder;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the aggregator's topology; production and tests call the same factory with the same configuration.
 *
 * <pre>
 * otlp_spans ─┬─────────────────────────────────────────────── keyed by hex trace id (ingest, Collector)
 *            └─► split-per-trace ─► spans-by-trace repartition ─ any other key: split and re-keyed
 * otlp_logs  ─┬─────────────────────────────────────────────── the same, for the GenAI log records
 *            └─► split-logs-per-trace ─► logs-by-trace repartition
 *            ─► assemble-turns (keyed by trace; stores trace-state, trace-expiry; spans and log records of a trace
 *                               meet here, as otlp_logs is co-partitioned with otlp_spans)
 *            ─► turns-by-session repartition (one delta per changed trace and input record, not per span)
 * session-annotations ─┐ (keyed by session, co-partitioned with turns-by-session: written by the annotations API)
 *            ─► aggregate-sessions (keyed by session; stores sessions, transcripts, turn-index, session-deadlines,
 *                                   annotations, and the session-index, Lucene, derived from them and not
 *                                   changelogged)
 *                 ├─► sessions        (compacted; tombstone on expiry; once per session per commit)
 *                 ├─► session-turns   (once per turn per commit)
 *                 └─► session-events
 * </pre>
 */
public final class SessionTopology {
    public static final String TRACE_STATE_STORE = "trace-state";
    public static final String TRACE_EXPIRY_STORE = "trace-expiry";
    public static final String SESSIONS_STORE = "sessions";
    public static final String TRANSCRIPTS_STORE = "transcripts";
    public static final String TURN_INDEX_STORE = "turn-index";
    public static final String SESSION_DEADLINES_STORE = "session-deadlines";
    /** The annotations of each session and its turns, by session and annotation id. */
    public static final String ANNOTATIONS_STORE = "annotations";
    /** The Lucene session index of each task, derived from sessions and transcripts; no changelog (ADR 007). */
    public static final String SESSION_INDEX_STORE = "session-index";
    /** The repartition topic is {@code <application.id>-turns-by-session-repartition}. */
    public static final String TURNS_BY_SESSION = "turns-by-session";
    /** The repartition topic is {@code <application.id>-spans-by-trace-repartition}. */
    public static final String SPANS_BY_TRACE = "spans-by-trace";
    /** The repartition topic is {@code <application.id>-logs-by-trace-repartition}. */
    public static final String LOGS_BY_TRACE = "logs-by-trace";
    static final String SOURCE = "otlp-spans-source";
    static final String ROUTE_BY_KEY = "otlp-spans-";
    static final String KEYED_BY_TRACE = "keyed-by-trace";
    static final String TO_REKEY = "to-rekey";
    static final String SPLIT_PER_TRACE = "split-per-trace";
    static final String MERGE_BY_TRACE = "merge-spans-by-trace";
    static final String LOGS_SOURCE = "otlp-logs-source";
    static final String LOGS_ROUTE_BY_KEY = "otlp-logs-";
    static final String SPLIT_LOGS_PER_TRACE = "split-logs-per-trace";
    static final String MERGE_LOGS_BY_TRACE = "merge-logs-by-trace";
    static final String MERGE_SPANS_AND_LOGS = "merge-spans-and-logs";
    static final String ASSEMBLE_TURNS = "assemble-turns";
    static final String AGGREGATE_SESSIONS = "aggregate-sessions";
    static final String ANNOTATIONS_SOURCE = "session-annotations-source";
    static final String MERGE_TURNS_AND_ANNOTATIONS = "merge-turns-and-annotations";
    static final String SESSIONS_SINK = "sessions-sink";
    static final String TURNS_SINK = "session-turns-sink";
    static final String EVENTS_SINK = "session-events-sink";

    private SessionTopology() {
    }

    /** The topology with the schema registry that the configuration names. */
    public static Topology build(Config config) {
        return build(config, RegistrySettings.fromConfig(config));
    }

    public static Topology build(Config config, SchemaRegistryClient registry) {
        Path priceFile = config.get(AggregatorSettings.PRICE_TABLE);
        RecordLimits limits = RecordLimits.fromConfig(config);
        int maxValue = limits.maxValueBytes();
        TurnAssembler assembler = new TurnAssembler(
                new SessionKeyResolver(config.get(AggregatorSettings.SESSION_KEYS)),
                priceFile.toString().isEmpty() ? PriceTable.builtIn() : PriceTable.fromFile(priceFile),
                limits.turnLimits());
        TraceProcessor.Settings traceSettings = new TraceProcessor.Settings(
                config.get(AggregatorSettings.PENDING_TIMEOUT), config.get(AggregatorSettings.PENDING_MAX_SPANS),
                config.get(AggregatorSettings.TRACE_MAX_SPANS), config.get(AggregatorSettings.TRACE_RETENTION),
                config.get(AggregatorSettings.PUNCTUATE_INTERVAL));
        SessionProcessor.Settings sessionSettings = new SessionProcessor.Settings(
                config.get(AggregatorSettings.IDLE_TIMEOUT), config.get(AggregatorSettings.RETENTION),
                config.get(AggregatorSettings.PUNCTUATE_INTERVAL),
                config.get(AggregatorSettings.INDEX_REFRESH_INTERVAL), budgets(config));
        // Every value written, to a topic or a store's changelog, passes a size check first (RecordSizeGuard).
        Serde<TraceState> traceSerde = RecordSizeGuard.of(AvroBinarySerde.of(TraceState.class), maxValue);
        // The repartition topic carries deltas, a type of their own: what stage 2 needs of a trace's new spans.
        Serde<TurnDelta> deltaSerde = RecordSizeGuard.of(AvroBinarySerde.of(TurnDelta.class), maxValue);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRACE_STATE_STORE),
                Serdes.String(), traceSerde));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRACE_EXPIRY_STORE),
                Serdes.Bytes(), Serdes.ByteArray()));
        // Cached: a session and its turns change with every delta, so within a commit interval the cache takes the
        // repeated reads and writes, and RocksDB and the changelog get each key's last version once.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SESSIONS_STORE),
                Serdes.String(), RecordSizeGuard.of(AvroBinarySerde.of(SessionState.class), maxValue))
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRANSCRIPTS_STORE),
                Serdes.Bytes(), RecordSizeGuard.of(AvroBinarySerde.of(Turn.class), maxValue)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TURN_INDEX_STORE),
                Serdes.Bytes(), Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SESSION_DEADLINES_STORE),
                Serdes.Bytes(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ANNOTATIONS_STORE),
                Serdes.Bytes(), RecordSizeGuard.of(AvroBinarySerde.of(Annotation.class), maxValue))
                .withCachingEnabled());
        builder.addStateStore(new SessionIndexStoreBuilder(SESSION_INDEX_STORE));

        KStream<String, Message> spans = byTrace(builder, config.get(AggregatorSettings.SPANS_TOPIC),
                OtlpSerdes.traces(), maxValue, new Names(SOURCE, ROUTE_BY_KEY, SPLIT_PER_TRACE, SPANS_BY_TRACE,
                        MERGE_BY_TRACE), SpansByTrace::split);
        KStream<String, Message> logs = byTrace(builder, config.get(AggregatorSettings.LOGS_TOPIC),
                OtlpSerdes.logs(), maxValue, new Names(LOGS_SOURCE, LOGS_ROUTE_BY_KEY, SPLIT_LOGS_PER_TRACE,
                        LOGS_BY_TRACE, MERGE_LOGS_BY_TRACE), SpansByTrace::splitLogs);
        KStream<String, TurnDelta> turns = spans.merge(logs, Named.as(MERGE_SPANS_AND_LOGS))
                .process(() -> new TraceProcessor(assembler, traceSettings), Named.as(ASSEMBLE_TURNS),
                        TRACE_STATE_STORE, TRACE_EXPIRY_STORE)
                .repartition(Repartitioned.with(Serdes.String(), deltaSerde).withName(TURNS_BY_SESSION));
        // Annotations are keyed by session and co-partitioned with the turns' repartition topic (the same partition
        // count, checked at start), so a session's annotations and turns meet in one task, without a repartition;
        // they are taken ahead of the turns' backlog (AnnotationTimestamps).
        KStream<String, SessionAnnotation> annotations = builder.stream(
                config.get(AggregatorSettings.ANNOTATIONS_TOPIC), Consumed.with(Serdes.String(),
                        ConfluentAvroSerde.forValue(registry, SessionAnnotation.class))
                        .withTimestampExtractor(new AnnotationTimestamps()).withName(ANNOTATIONS_SOURCE));
        asRecords(turns).merge(asRecords(annotations), Named.as(MERGE_TURNS_AND_ANNOTATIONS))
                .process(() -> new SessionProcessor(sessionSettings), Named.as(AGGREGATE_SESSIONS), SESSIONS_STORE,
                        TRANSCRIPTS_STORE, TURN_INDEX_STORE, SESSION_DEADLINES_STORE, ANNOTATIONS_STORE,
                        SESSION_INDEX_STORE);

        // The session processor writes three record types to three topics, which the DSL's single-typed streams
        // cannot express; the processor forwards each to its sink by name.
        Topology topology = builder.build();
        StringSerializer keys = new StringSerializer();
        topology.addSink(SESSIONS_SINK, config.get(AggregatorSettings.SESSIONS_TOPIC), keys,
                published(registry, SessionSummary.class, maxValue), AGGREGATE_SESSIONS);
        topology.addSink(TURNS_SINK, config.get(AggregatorSettings.TURNS_TOPIC), keys,
                published(registry, Turn.class, maxValue), AGGREGATE_SESSIONS);
        topology.addSink(EVENTS_SINK, config.get(AggregatorSettings.EVENTS_TOPIC), keys,
                published(registry, SessionEvent.class, maxValue), AGGREGATE_SESSIONS);
        return topology;
    }

    /**
     * Registers the published schemas and the annotations' schema (subjects {@code <topic>-value}), so that an unreachable or refusing
     * registry stops the start with a clear error instead of failing a stream thread at its first output.
     */
    public static void registerSchemas(Config config, SchemaRegistryClient registry) {
        registry.register(config.get(AggregatorSettings.SESSIONS_TOPIC) + "-value", SessionSummary.getClassSchema());
        registry.register(config.get(AggregatorSettings.TURNS_TOPIC) + "-value", Turn.getClassSchema());
        registry.register(config.get(AggregatorSettings.EVENTS_TOPIC) + "-value", SessionEvent.getClassSchema());
        registry.register(config.get(AggregatorSettings.ANNOTATIONS_TOPIC) + "-value",
                SessionAnnotation.getClassSchema());
    }

    /** The budgets the configuration sets. */
    static Budgets budgets(Config config) {
        Budgets.Budget defaults = new Budgets.Budget(config.get(AggregatorSettings.BUDGET_COST),
                config.get(AggregatorSettings.BUDGET_TOKENS));
        return new Budgets(defaults, Budgets.parseOverrides(config.get(AggregatorSettings.BUDGET_PROJECTS), defaults));
    }

    /** A stream of one record type as one of any: stage 2 takes turns and annotations in one stream. */
    @SuppressWarnings("unchecked")
    private static KStream<String, SpecificRecord> asRecords(KStream<String, ? extends SpecificRecord> stream) {
        return (KStream<String, SpecificRecord>) stream;
    }

    /** The processor names of one input's way to stage 1. */
    private record Names(String source, String routes, String split, String repartition, String merge) {
    }

    /**
     * An input topic's records keyed by trace: those keyed so already as they are, the others split per trace and
     * re-keyed through a repartition topic. The result is typed as any request: stage 1 takes spans and log records
     * in one stream, each request parsed once by its source's serde, and tells them apart by type; nothing is
     * serialized between here and the processor.
     */
    @SuppressWarnings("unchecked")
    private static <T extends Message> KStream<String, Message> byTrace(StreamsBuilder builder, String topic,
            Serde<T> serde, int maxValue, Names names, Function<T, List<KeyValue<String, T>>> split) {
        Map<String, KStream<String, T>> routes = builder.stream(topic,
                        Consumed.with(Serdes.String(), serde).withName(names.source()))
                .split(Named.as(names.routes()))
                .branch((key, value) -> SpansByTrace.isTraceKey(key), Branched.as(KEYED_BY_TRACE))
                .defaultBranch(Branched.as(TO_REKEY));
        KStream<String, T> rekeyed = routes.get(names.routes() + TO_REKEY)
                .flatMap((key, value) -> split.apply(value), Named.as(names.split()))
                .repartition(Repartitioned.with(Serdes.String(), RecordSizeGuard.of(serde, maxValue))
                        .withName(names.repartition()));
        return (KStream<String, Message>) (KStream<String, ?>) routes.get(names.routes() + KEYED_BY_TRACE)
                .merge(rekeyed, Named.as(names.merge()));
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> Serializer<SpecificRecord> published(SchemaRegistryClient registry,
            Class<T> type, int maxValueBytes) {
        return (Serializer<SpecificRecord>) (Serializer<?>) RecordSizeGuard.of(
                ConfluentAvroSerde.forValue(registry, type).serializer(), maxValueBytes);
    }
}
