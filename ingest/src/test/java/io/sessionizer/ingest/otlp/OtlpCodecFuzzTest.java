package io.sessionizer.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;

/**
 * Any bytes are either a request or an {@link OtlpFormatException} (a 400), never another exception. In regression
 * mode (every build) the committed inputs under {@code OtlpCodecFuzzTestInputs} run; {@code JAZZER_FUZZ=1} fuzzes.
 */
class OtlpCodecFuzzTest {

    @FuzzTest
    void decodeProtobuf(byte[] body) throws InvalidProtocolBufferException {
        ExportTraceServiceRequest request;
        try {
            request = OtlpCodec.decode(body, OtlpEncoding.PROTOBUF);
        } catch (OtlpFormatException e) {
            return;
        }
        assertThat(ExportTraceServiceRequest.parseFrom(OtlpCodec.encode(request, OtlpEncoding.PROTOBUF)))
                .isEqualTo(request);
    }

    @FuzzTest
    void decodeJson(byte[] body) throws InvalidProtocolBufferException {
        ExportTraceServiceRequest request;
        try {
            request = OtlpCodec.decode(body, OtlpEncoding.JSON);
        } catch (OtlpFormatException e) {
            return;
        }
        assertSurvivesProtobufAndJson(request, ExportTraceServiceRequest.newBuilder());
    }

    @FuzzTest
    void decodeLogsJson(byte[] body) throws InvalidProtocolBufferException {
        ExportLogsServiceRequest request;
        try {
            request = OtlpCodec.decodeLogs(body, OtlpEncoding.JSON);
        } catch (OtlpFormatException e) {
            return;
        }
        assertSurvivesProtobufAndJson(request, ExportLogsServiceRequest.newBuilder());
    }

    private static void assertSurvivesProtobufAndJson(Message request, Message.Builder again)
            throws InvalidProtocolBufferException {
        // Every string survives the protobuf the record is written in: no unpaired surrogate turned into '?'.
        assertThat(request.getParserForType().parseFrom(request.toByteArray())).isEqualTo(request);
        // And the request re-encodes in the protobuf JSON mapping (base64 ids) and reads back the same.
        JsonFormat.parser().merge(new String(OtlpCodec.encode(request, OtlpEncoding.JSON), StandardCharsets.UTF_8),
                again);
        assertThat(again.build()).isEqualTo(request);
    }
}
