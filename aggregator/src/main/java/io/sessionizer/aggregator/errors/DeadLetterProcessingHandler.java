package io.sessionizer.aggregator.errors;

import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record whose processing throws goes to the dead-letter topic and processing carries on: one bad record must not
 * stop every session. A failing state store is no property of the record, so it fails the thread instead, which
 * {@link StreamThreadFailures} replaces and which then processes the record again.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);
    private DeadLetters deadLetters;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetters = DeadLetters.fromConfigs(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (exception instanceof ProcessorStateException) {
            return Response.fail();
        }
        LOG.warn("Record {}-{}@{} failed in {} and goes to the dead-letter topic: {}", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), exception.toString());
        return Response.resume(deadLetters.of(context, exception, "processing failed in "
                + context.processorNodeId() + ": " + exception.getMessage()));
    }
}
