package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.domain.SessionKeyResolver;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.config.Config;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.internal.SessionState;
import io.sessionizer.schemas.internal.TraceState;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the aggregator's topology; production and tests call the same factory with the same configuration.
 *
 * <pre>
 * otlp_spans ─► assemble-turns (keyed by trace; store trace-state)
 *            ─► turns-by-session repartition (one record per changed turn, not per span)
 *            ─► aggregate-sessions (keyed by session; stores sessions, transcripts, turn-index)
 * </pre>
 */
public final class SessionTopology {
    public static final String TRACE_STATE_STORE = "trace-state";
    public static final String SESSIONS_STORE = "sessions";
    public static final String TRANSCRIPTS_STORE = "transcripts";
    public static final String TURN_INDEX_STORE = "turn-index";
    /** The repartition topic is {@code <application.id>-turns-by-session-repartition}. */
    public static final String TURNS_BY_SESSION = "turns-by-session";
    static final String SOURCE = "otlp-spans-source";
    static final String ASSEMBLE_TURNS = "assemble-turns";
    static final String AGGREGATE_SESSIONS = "aggregate-sessions";

    private SessionTopology() {
    }

    public static Topology build(Config config) {
        TurnAssembler assembler = new TurnAssembler(
                new SessionKeyResolver(config.get(AggregatorSettings.SESSION_KEYS)));
        AvroBinarySerde<Turn> turnSerde = AvroBinarySerde.of(Turn.class);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRACE_STATE_STORE),
                Serdes.String(), AvroBinarySerde.of(TraceState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SESSIONS_STORE),
                Serdes.String(), AvroBinarySerde.of(SessionState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TRANSCRIPTS_STORE),
                Serdes.Bytes(), turnSerde));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TURN_INDEX_STORE),
                Serdes.Bytes(), Serdes.Long()));

        builder.stream(config.get(AggregatorSettings.SPANS_TOPIC),
                        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(SOURCE))
                .process(() -> new TraceProcessor(assembler), Named.as(ASSEMBLE_TURNS), TRACE_STATE_STORE)
                .repartition(Repartitioned.with(Serdes.String(), turnSerde).withName(TURNS_BY_SESSION))
                .process(SessionProcessor::new, Named.as(AGGREGATE_SESSIONS), SESSIONS_STORE, TRANSCRIPTS_STORE,
                        TURN_INDEX_STORE);
        return builder.build();
    }
}
