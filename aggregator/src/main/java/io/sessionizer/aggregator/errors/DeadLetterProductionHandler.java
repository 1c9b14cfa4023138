package io.sessionizer.aggregator.errors;

import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Output that cannot be written. A record that cannot be serialized, or that {@link RecordSizeGuard} finds too large,
 * has not reached the producer: its input goes to the dead-letter topic and processing carries on. A record the
 * producer or broker refused later is different under exactly-once: the transaction is already doomed and every send
 * in it fails, a dead letter included (and Kafka 4.3 can recurse on a failing dead letter,
 * docs/adr/001-record-size-bounds.md), so
 * the thread fails, the transaction aborts, and {@link StreamThreadFailures} decides what follows. Transient errors
 * are retried.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);
    private DeadLetters deadLetters;
    private boolean exactlyOnce;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.fromConfigs(configs);
        Object guarantee = configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        exactlyOnce = guarantee != null && guarantee.toString().startsWith("exactly_once");
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
            Exception exception) {
        if (exception instanceof RetriableException) {
            return Response.retry();
        }
        if (exactlyOnce) {
            LOG.error("Kafka refused a record for {} ({}); under exactly-once its transaction aborts and the input"
                    + " is processed again", record.topic(), exception.toString());
            return Response.fail();
        }
        LOG.warn("Kafka refused a record for {}; its input {}-{}@{} goes to the dead-letter topic: {}",
                record.topic(), context.topic(), context.partition(), context.offset(), exception.toString());
        return Response.resume(deadLetters.of(context, exception, "Kafka refused the output record for "
                + record.topic() + ": " + exception.getMessage()));
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
            SerializationExceptionOrigin origin) {
        LOG.warn("The {} of a record for {} cannot be written; its input {}-{}@{} goes to the dead-letter topic: {}",
                origin.name().toLowerCase(Locale.ROOT), record.topic(), context.topic(),
                context.partition(), context.offset(), exception.toString());
        return Response.resume(deadLetters.of(context, exception, "cannot write the output record for "
                + record.topic() + ": " + exception.getMessage()));
    }
}
