package io.sessionizer.aggregator.topology;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The values of {@code otlp_spans} and {@code otlp_logs} and of their by-trace repartition topics: an OTLP
 * {@code ExportTraceServiceRequest} or {@code ExportLogsServiceRequest} in protobuf. The topology parses each input
 * record once, here, so bytes that are not one fail in deserialization and reach the dead-letter topic through the
 * deserialization handler, as received. A null value (a tombstone) is an empty request.
 */
final class OtlpSerdes {
    private OtlpSerdes() {
    }

    static Serde<ExportTraceServiceRequest> traces() {
        return create(ExportTraceServiceRequest.parser(), ExportTraceServiceRequest.getDefaultInstance());
    }

    static Serde<ExportLogsServiceRequest> logs() {
        return create(ExportLogsServiceRequest.parser(), ExportLogsServiceRequest.getDefaultInstance());
    }

    private static <T extends Message> Serde<T> create(Parser<T> parser, T empty) {
        String type = empty.getDescriptorForType().getName();
        Serializer<T> serializer = (topic, request) -> request == null ? null : request.toByteArray();
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return empty;
            }
            try {
                return parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("not an OTLP " + type + ": " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
