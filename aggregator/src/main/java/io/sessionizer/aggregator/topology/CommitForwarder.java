package io.sessionizer.aggregator.topology;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Forwards a processor's records while its task commits, so that what a commit interval changed is published once, in
 * the same transaction as the changes (ADR 007).
 *
 * <p>Kafka Streams' public API allows forwarding only from {@code process} and punctuators, neither of which runs at
 * a commit; a punctuator on the commit interval would not be in step with the commits, and a record changed after it
 * and committed before it would never be published. Streams' own record caches (a KTable's once-per-commit output)
 * forward from a store's flush, with the processor's node and a record context set on the internal context: this
 * class does the same, through the same internal interface, and nothing else of Streams' internals.
 */
final class CommitForwarder {
    private final InternalProcessorContext<?, ?> internal;
    private final ProcessorNode<?, ?, ?, ?> node;

    /** Captures the processor's node; call from the processor's {@code init}, where Streams has set it. */
    CommitForwarder(ProcessorContext<?, ?> context) {
        this.internal = (InternalProcessorContext<?, ?>) context;
        this.node = internal.currentNode();
    }

    /** Runs {@code forwarding} as the processor, with records timestamped {@code timestampMs}. */
    void run(long timestampMs, Runnable forwarding) {
        ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
        ProcessorRecordContext previousContext = internal.recordContext();
        internal.setCurrentNode(node);
        internal.setRecordContext(new ProcessorRecordContext(timestampMs, -1, -1, null, new RecordHeaders()));
        try {
            forwarding.run();
        } finally {
            internal.setRecordContext(previousContext);
            internal.setCurrentNode(previousNode);
        }
    }
}
