package io.sessionizer.aggregator.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.internals.DefaultErrorHandlerContext;
import org.apache.kafka.streams.errors.internals.ExceptionHandlerUtils;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private static final int MAX_RECORD = 256 * 1024;
    private final DeadLetters deadLetters = new DeadLetters("dlq", MAX_RECORD);

    private static ErrorHandlerContext context(byte[] key, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("sessionizer.tenant", "acme".getBytes(StandardCharsets.UTF_8));
        return new DefaultErrorHandlerContext(null, "otlp_spans", 3, 42L, headers, "assemble-turns",
                new TaskId(0, 3), 1_000L, key, value);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String key) {
        Header header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldFileTheRecordAsReceivedWithItsHeadersAndTheReason() {
        byte[] value = {1, 2, 3};
        List<ProducerRecord<byte[], byte[]>> records = deadLetters.of(context("k".getBytes(StandardCharsets.UTF_8),
                value), new IllegalStateException("boom"), "processing failed");
        ProducerRecord<byte[], byte[]> record = records.get(0);
        assertThat(record.topic()).isEqualTo("dlq");
        assertThat(record.value()).isEqualTo(value);
        assertThat(record.key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(header(record, "sessionizer.tenant")).isEqualTo("acme");
        assertThat(header(record, DeadLetters.REASON_HEADER)).isEqualTo("processing failed");
        assertThat(header(record, ExceptionHandlerUtils.HEADER_ERRORS_EXCEPTION_NAME))
                .isEqualTo(IllegalStateException.class.getName());
        assertThat(header(record, ExceptionHandlerUtils.HEADER_ERRORS_TOPIC_NAME)).isEqualTo("otlp_spans");
        assertThat(header(record, ExceptionHandlerUtils.HEADER_ERRORS_PARTITION_NAME)).isEqualTo("3");
        assertThat(header(record, ExceptionHandlerUtils.HEADER_ERRORS_OFFSET_NAME)).isEqualTo("42");
        assertThat(header(record, DeadLetters.VALUE_OMITTED_HEADER)).isNull();
    }

    @Test
    void shouldLeaveOutAValueTooLargeToFitAndBoundEverythingElse() {
        byte[] huge = new byte[MAX_RECORD];
        RuntimeException error = new RuntimeException("m".repeat(1_000_000));
        ProducerRecord<byte[], byte[]> record = deadLetters.of(context(new byte[10_000], huge), error, "too large")
                .get(0);
        assertThat(record.value()).isNull();
        assertThat(record.key()).isNull();
        assertThat(header(record, DeadLetters.VALUE_OMITTED_HEADER)).isEqualTo(Integer.toString(MAX_RECORD));
        int headerBytes = 0;
        for (Header header : record.headers()) {
            headerBytes += header.key().length() + header.value().length;
        }
        assertThat(headerBytes).isLessThan(DeadLetters.ENVELOPE_BYTES);
    }

    @Test
    void shouldWriteNoDeadLetterWithoutATopic() {
        assertThat(new DeadLetters(null, MAX_RECORD).of(context(null, null), new RuntimeException(), "x")).isEmpty();
    }
}
