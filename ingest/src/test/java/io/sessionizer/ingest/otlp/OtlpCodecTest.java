package io.sessionizer.ingest.otlp;

import static io.sessionizer.ingest.OtlpFixtures.SPEC_EXAMPLE_JSON;
import static io.sessionizer.ingest.OtlpFixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.sessionizer.ingest.OtlpFixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OtlpCodecTest {

    private static ExportTraceServiceRequest json(String text) {
        return OtlpCodec.decode(text.getBytes(StandardCharsets.UTF_8), OtlpEncoding.JSON);
    }

    @Test
    void shouldDecodeTheSpecificationExampleWithHexIdsAndIntegerEnums() {
        ExportTraceServiceRequest request = json(SPEC_EXAMPLE_JSON);

        assertThat(request.getResourceSpans(0).getSchemaUrl()).isEqualTo("https://opentelemetry.io/schemas/1.24.0");
        assertThat(request.getResourceSpans(0).getScopeSpans(0).getScope().getName()).isEqualTo("chat.library");
        Span span = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(hex(span.getTraceId())).isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(hex(span.getSpanId())).isEqualTo("eee19b7ec3c1b174");
        assertThat(hex(span.getParentSpanId())).isEqualTo("eee19b7ec3c1b173");
        assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(span.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
        // int64 as a JSON number and as a string both decode.
        assertThat(span.getStartTimeUnixNano()).isEqualTo(1544712660000000000L);
        assertThat(span.getEndTimeUnixNano()).isEqualTo(1544712661000000000L);
        assertThat(span.getAttributes(1).getValue().getIntValue()).isEqualTo(42);
        assertThat(hex(span.getLinks(0).getTraceId())).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(hex(span.getLinks(0).getSpanId())).isEqualTo("b7ad6b7169203331");
    }

    @Test
    void shouldAcceptSnakeCaseFieldNamesAndIgnoreUnknownFields() {
        ExportTraceServiceRequest request = json("""
                {"resource_spans": [{"scope_spans": [{"spans": [{
                  "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
                  "name": "n", "someFutureField": {"x": 1}}]}]}], "unknownTopLevel": true}
                """);

        Span span = request.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        assertThat(hex(span.getTraceId())).isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(hex(span.getSpanId())).isEqualTo("eee19b7ec3c1b174");
    }

    @Test
    void shouldRejectANonHexTraceIdNamingTheField() {
        assertThatThrownBy(() -> json("""
                {"resourceSpans": [{"scopeSpans": [{"spans": [
                  {"traceId": "W4j/95gDgQPSabYzgT/GDA==", "spanId": ""}]}]}]}
                """))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessage("Malformed OTLP/JSON: traceId must be a hex string, got \"W4j/95gDgQPSabYzgT/GDA==\"");
    }

    @Test
    void shouldRejectSyntacticallyBrokenJsonWithItsPosition() {
        assertThatThrownBy(() -> json("{\"resourceSpans\": [ {\n  \"resource\": }"))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/JSON at line 2, column 15: Unexpected character ('}'");
    }

    @Test
    void shouldRejectJsonThatIsNotAnObject() {
        assertThatThrownBy(() -> json("[1, 2]"))
                .hasMessage("Malformed OTLP/JSON: the body must be a JSON object");
    }

    @Test
    void shouldRejectJsonOfTheWrongShapeNamingTheField() {
        assertThatThrownBy(() -> json("""
                {"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "yesterday"}]}]}]}
                """))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/JSON ExportTraceServiceRequest: ")
                .hasMessageContaining("yesterday");
    }

    @Test
    void shouldRejectMalformedProtobufSayingWhatWasWrong() {
        byte[] truncated = OtlpFixtures.request(1, 2).toByteArray();
        byte[] body = java.util.Arrays.copyOf(truncated, truncated.length - 3);

        assertThatThrownBy(() -> OtlpCodec.decode(body, OtlpEncoding.PROTOBUF))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/protobuf ExportTraceServiceRequest: ")
                .hasMessageContaining("truncated");
    }

    @Test
    void shouldRoundTripProtobuf() {
        ExportTraceServiceRequest request = OtlpFixtures.request(2, 2);

        assertThat(OtlpCodec.decode(OtlpCodec.encode(request, OtlpEncoding.PROTOBUF), OtlpEncoding.PROTOBUF))
                .isEqualTo(request);
    }

    @Test
    void shouldEncodeAnswersAsCompactJson() {
        ExportTraceServiceResponse response = ExportTraceServiceResponse.newBuilder()
                .setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(2).setErrorMessage("bad"))
                .build();

        assertThat(new String(OtlpCodec.encode(response, OtlpEncoding.JSON), StandardCharsets.UTF_8))
                .isEqualTo("{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"bad\"}}");
        assertThat(new String(OtlpCodec.encode(Status.newBuilder().setCode(3).setMessage("why").build(),
                OtlpEncoding.JSON), StandardCharsets.UTF_8)).isEqualTo("{\"code\":3,\"message\":\"why\"}");
    }

    @Test
    void shouldRecogniseContentTypesWithParameters() {
        assertThat(OtlpEncoding.forContentType("application/json; charset=utf-8")).contains(OtlpEncoding.JSON);
        assertThat(OtlpEncoding.forContentType("Application/X-Protobuf")).contains(OtlpEncoding.PROTOBUF);
        assertThat(OtlpEncoding.forContentType("text/plain")).isEmpty();
        assertThat(OtlpEncoding.forContentType(null)).isEmpty();
    }
}
