package io.sessionizer.aggregator.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value of {@code otlp_spans} and of the spans-by-trace repartition topic: an OTLP
 * {@code ExportTraceServiceRequest} in protobuf. The topology parses each input record once, here, so bytes that are
 * not one fail in deserialization and reach the dead-letter topic through the deserialization handler, as received.
 * A null value (a tombstone) is an empty request.
 */
final class OtlpTracesSerde {
    private OtlpTracesSerde() {
    }

    static Serde<ExportTraceServiceRequest> create() {
        Serializer<ExportTraceServiceRequest> serializer = (topic, request) -> request == null ? null
                : request.toByteArray();
        Deserializer<ExportTraceServiceRequest> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return ExportTraceServiceRequest.getDefaultInstance();
            }
            try {
                return ExportTraceServiceRequest.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("not an OTLP ExportTraceServiceRequest: " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
