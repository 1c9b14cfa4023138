package io.sessionizer.testing;

/** A real test broker that fixtures set services up on: the plain {@link KafkaTestCluster} or the SASL_SSL one. */
public interface TestBroker {
    /** The address services and clients are given (for a secured broker, with its client settings beside it). */
    String bootstrapServers();

    /** Creates topics with the given partition count. */
    void createTopics(int partitions, String... names);
}
