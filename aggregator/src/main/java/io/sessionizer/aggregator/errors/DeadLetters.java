package io.sessionizer.aggregator.errors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;

/**
 * Builds the dead-letter record of a failed input record, as Kafka Streams' own handlers do (KIP-1034: the record as
 * received, its headers, and {@code __streams.errors.*} headers naming the exception, the source topic, partition and
 * offset), but bounded: a dead letter larger than the producer accepts would fail in its turn, synchronously, and
 * Kafka 4.3 then sends the next dead letter from inside that send's callback, recursively until the stack overflows
 * (docs/adr/001-record-size-bounds.md, DeadLetterRecursionIT). So a value too large to forward is left out, and header
 * {@value #VALUE_OMITTED_HEADER} gives its size; the source coordinates still find it in the input topic.
 */
public final class DeadLetters {
    /** Streams property: the dead-letter topic ({@link StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG}). */
    public static final String TOPIC_CONFIG = StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG;
    /** Streams property: the largest record the aggregator writes, {@code record.max-bytes}. */
    public static final String MAX_RECORD_BYTES_CONFIG = "sessionizer.record.max.bytes";
    /** Why the record is here, in words: what failed and what was done. */
    public static final String REASON_HEADER = "sessionizer.dlq.reason";
    public static final String VALUE_OMITTED_HEADER = "sessionizer.dlq.value-omitted-bytes";
    /** Room left in a dead letter for its key and headers. */
    static final int ENVELOPE_BYTES = 64 * 1024;
    static final int MAX_KEY_BYTES = 4 * 1024;
    static final int MAX_COPIED_HEADER_BYTES = 16 * 1024;
    static final int MAX_MESSAGE_CHARS = 4 * 1024;
    static final int MAX_STACK_TRACE_CHARS = 16 * 1024;

    private final String topic;
    private final int maxValueBytes;

    DeadLetters(String topic, int maxRecordBytes) {
        this.topic = topic;
        this.maxValueBytes = Math.max(0, maxRecordBytes - ENVELOPE_BYTES);
    }

    /** From the handler's Streams properties; no topic configured means no dead letters. */
    static DeadLetters fromConfigs(Map<String, ?> configs) {
        Object topic = configs.get(TOPIC_CONFIG);
        Object max = configs.get(MAX_RECORD_BYTES_CONFIG);
        int maxRecordBytes = max == null ? 1024 * 1024 : Integer.parseInt(max.toString());
        return new DeadLetters(topic == null ? null : topic.toString(), maxRecordBytes);
    }

    /** The dead letters for one failure: none without a topic, else one for the source record. */
    List<ProducerRecord<byte[], byte[]>> of(ErrorHandlerContext context, Exception error, String reason) {
        if (topic == null) {
            return List.of();
        }
        byte[] key = context.sourceRawKey();
        byte[] value = context.sourceRawValue();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null,
                context.timestamp() >= 0 ? context.timestamp() : null,
                key != null && key.length <= MAX_KEY_BYTES ? key : null,
                value != null && value.length <= maxValueBytes ? value : null);
        Headers headers = record.headers();
        copy(context.headers(), headers);
        if (value != null && value.length > maxValueBytes) {
            headers.add(VALUE_OMITTED_HEADER, utf8(Integer.toString(value.length)));
        }
        headers.add(REASON_HEADER, utf8(cut(reason, MAX_MESSAGE_CHARS)));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_NAME, utf8(error.getClass().getName()));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_MESSAGE_NAME,
                utf8(cut(String.valueOf(error.getMessage()), MAX_MESSAGE_CHARS)));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_STACKTRACE_NAME, utf8(cut(stackTrace(error),
                MAX_STACK_TRACE_CHARS)));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME, utf8(String.valueOf(context.topic())));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME, utf8(Integer.toString(context.partition())));
        headers.add(ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME, utf8(Long.toString(context.offset())));
        return List.of(record);
    }

    /** The source record's own headers (the tenant, trace context), as far as they fit. */
    private static void copy(Headers from, Headers to) {
        if (from == null) {
            return;
        }
        int bytes = 0;
        for (Header header : from) {
            int size = header.key().length() + (header.value() == null ? 0 : header.value().length);
            if (bytes + size > MAX_COPIED_HEADER_BYTES) {
                return;
            }
            bytes += size;
            to.add(header.key(), header.value());
        }
    }

    private static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static String cut(String text, int chars) {
        return text.length() <= chars ? text : text.substring(0, chars) + "…";
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
