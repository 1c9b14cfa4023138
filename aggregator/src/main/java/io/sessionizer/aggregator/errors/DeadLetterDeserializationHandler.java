package io.sessionizer.aggregator.errors;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A record that cannot be deserialized goes to the dead-letter topic as received, and processing carries on. */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.fromConfigs(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        LOG.warn("Record {}-{}@{} cannot be deserialized and goes to the dead-letter topic: {}", record.topic(),
                record.partition(), record.offset(), exception.toString());
        return Response.resume(deadLetters.of(context, exception, "cannot deserialize: " + exception.getMessage()));
    }
}
