package io.sessionizer.ingest.otlp;

import static io.sessionizer.testing.OtlpTraces.SPEC_EXAMPLE_JSON;
import static io.sessionizer.testing.OtlpTraces.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Status;
import com.linecorp.armeria.common.MediaType;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.nio.charset.StandardCharsets;
import java.util.List;
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

    private static final String SPAN_WITH_NAME = """
            {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c",
              "spanId": "eee19b7ec3c1b174", "name": "%s"}]}]}]}
            """;

    private static byte[] concat(String before, byte[] middle, String after) {
        byte[] head = before.getBytes(StandardCharsets.UTF_8);
        byte[] tail = after.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + middle.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(middle, 0, all, head.length, middle.length);
        System.arraycopy(tail, 0, all, head.length + middle.length, tail.length);
        return all;
    }

    @Test
    void shouldRejectInvalidUtf8NamingTheOffsetOfTheFirstBadByte() {
        String before = "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\": \"caf";
        // A stray continuation byte, a truncated sequence, an overlong '/', a UTF-8-encoded surrogate (CESU-8).
        for (byte[] bad : List.of(new byte[] {(byte) 0x80}, new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xC0,
                (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) {
            byte[] body = concat(before, bad, "\"}]}]}]}");

            assertThatThrownBy(() -> OtlpCodec.decode(body, OtlpEncoding.JSON))
                    .isInstanceOf(OtlpFormatException.class)
                    .hasMessageStartingWith("Malformed OTLP/JSON: invalid UTF-8 at byte " + before.length() + " (");
        }
    }

    @Test
    void shouldRejectInvalidUtf8AfterTheFirstChunkAndAtTheVeryEnd() {
        String padding = "x".repeat(100_000);
        byte[] inTheMiddle = concat("{\"unknown\": \"" + padding, new byte[] {(byte) 0xFF}, "\"}");
        byte[] atTheEnd = concat("{\"unknown\": \"" + padding + "\"}", new byte[] {(byte) 0xE2, (byte) 0x82}, "");

        assertThatThrownBy(() -> OtlpCodec.decode(inTheMiddle, OtlpEncoding.JSON))
                .hasMessage("Malformed OTLP/JSON: invalid UTF-8 at byte " + (13 + padding.length()) + " (1 bad byte)");
        assertThatThrownBy(() -> OtlpCodec.decode(atTheEnd, OtlpEncoding.JSON))
                .hasMessageStartingWith("Malformed OTLP/JSON: invalid UTF-8 at byte " + (15 + padding.length()));
    }

    @Test
    void shouldRejectUnpairedSurrogateEscapesNamingWhereTheyAre() {
        assertThatThrownBy(() -> json(SPAN_WITH_NAME.formatted("a\\ud800b")))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessage("Malformed OTLP/JSON: unpaired surrogate \\ud800 in the string at "
                        + "/resourceSpans/0/scopeSpans/0/spans/0/name");
        assertThatThrownBy(() -> json(SPAN_WITH_NAME.formatted("\\udc00\\ud800")))
                .hasMessageContaining("unpaired surrogate \\udc00");
        assertThatThrownBy(() -> json(SPAN_WITH_NAME.formatted("ends high \\udbff")))
                .hasMessageContaining("unpaired surrogate \\udbff");
        assertThatThrownBy(() -> json("""
                {"resourceSpans": [{"resource": {"attributes": [
                  {"key": "ok", "value": {"stringValue": "fine"}},
                  {"key": "k\\udfff", "value": {"stringValue": "v"}}]}}]}
                """))
                .hasMessage("Malformed OTLP/JSON: unpaired surrogate \\udfff in the string at "
                        + "/resourceSpans/0/resource/attributes/1/key");
        assertThatThrownBy(() -> json("{\"future\": {\"a/b~" + "x".repeat(100) + "\": \"\\ud800\"}}"))
                .hasMessage("Malformed OTLP/JSON: unpaired surrogate \\ud800 in the string at /future/a~1b~0"
                        + "x".repeat(60) + "...");
        assertThatThrownBy(() -> json("{\"future\": {\"a\\ud800\": 1}}"))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageContaining("surrogate");
    }

    @Test
    void shouldKeepPairedSurrogatesWhetherEscapedOrRaw() {
        ExportTraceServiceRequest escaped = json(SPAN_WITH_NAME.formatted("smile \\ud83d\\ude00"));
        ExportTraceServiceRequest raw = json(SPAN_WITH_NAME.formatted("smile \ud83d\ude00"));

        assertThat(escaped.getResourceSpans(0).getScopeSpans(0).getSpans(0).getName()).isEqualTo("smile \uD83D\uDE00");
        assertThat(raw).isEqualTo(escaped);
    }

    @Test
    void shouldRejectProtobufStringsThatAreNotUtf8IncludingEncodedSurrogates() {
        Span span = OtlpTraces.request(1, 1).getResourceSpans(0).getScopeSpans(0).getSpans(0);
        byte[] valid = OtlpTraces.request(1, 1).toBuilder().clearResourceSpans().addResourceSpans(
                io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder().addScopeSpans(
                        io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder().addSpans(
                                span.toBuilder().setName("ab\u00e9!")))).build().toByteArray();
        // "é!" is C3 A9 21: put an encoded lone surrogate (ED A0 80) or an overlong "/" (C0 AF) in its place.
        for (byte[] bad : List.of(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xC0, (byte) 0xAF, '!'})) {
            byte[] body = valid.clone();
            int at = indexOf(body, new byte[] {'a', 'b', (byte) 0xC3, (byte) 0xA9, '!'}) + 2;
            System.arraycopy(bad, 0, body, at, bad.length);

            assertThatThrownBy(() -> OtlpCodec.decode(body, OtlpEncoding.PROTOBUF))
                    .isInstanceOf(OtlpFormatException.class)
                    .hasMessageContaining("UTF-8");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void shouldRejectMalformedProtobufSayingWhatWasWrong() {
        byte[] truncated = OtlpTraces.request(1, 2).toByteArray();
        byte[] body = java.util.Arrays.copyOf(truncated, truncated.length - 3);

        assertThatThrownBy(() -> OtlpCodec.decode(body, OtlpEncoding.PROTOBUF))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/protobuf ExportTraceServiceRequest: ")
                .hasMessageContaining("truncated");
    }

    @Test
    void shouldRoundTripProtobuf() {
        ExportTraceServiceRequest request = OtlpTraces.request(2, 2);

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
        assertThat(OtlpEncoding.forContentType(MediaType.parse("application/json; charset=utf-8")))
                .contains(OtlpEncoding.JSON);
        assertThat(OtlpEncoding.forContentType(MediaType.parse("Application/X-Protobuf")))
                .contains(OtlpEncoding.PROTOBUF);
        assertThat(OtlpEncoding.forContentType(MediaType.parse("text/plain"))).isEmpty();
        assertThat(OtlpEncoding.forContentType(null)).isEmpty();
    }

    private static ExportLogsServiceRequest logsJson(String text) {
        return OtlpCodec.decodeLogs(text.getBytes(StandardCharsets.UTF_8), OtlpEncoding.JSON);
    }

    @Test
    void shouldDecodeOtlpJsonLogsWithHexIdsInEitherSpelling() {
        ExportLogsServiceRequest request = logsJson(OtlpLogs.SPEC_EXAMPLE_JSON);
        ExportLogsServiceRequest snake = logsJson("""
                {"resource_logs": [{"scope_logs": [{"log_records": [{
                  "trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
                  "event_name": "gen_ai.choice", "someFutureField": 1}]}]}]}
                """);

        LogRecord record = request.getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
        assertThat(hex(record.getTraceId())).isEqualTo(OtlpLogs.SPEC_EXAMPLE_TRACE_ID);
        assertThat(hex(record.getSpanId())).isEqualTo("eee19b7ec3c1b174");
        assertThat(record.getEventName()).isEqualTo("gen_ai.user.message");
        assertThat(record.getSeverityNumberValue()).isEqualTo(9);
        assertThat(record.getTimeUnixNano()).isEqualTo(1544712660300000000L);
        assertThat(request.getResourceLogs(0).getScopeLogs(0).getLogRecords(1).getTraceId()).isEmpty();
        LogRecord snakeRecord = snake.getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
        assertThat(hex(snakeRecord.getTraceId())).isEqualTo(OtlpLogs.SPEC_EXAMPLE_TRACE_ID);
        assertThat(snakeRecord.getEventName()).isEqualTo("gen_ai.choice");
    }

    @Test
    void shouldDecodeProtobufLogsAndNameTheLogsRequestWhenMalformed() {
        ExportLogsServiceRequest request = OtlpLogs.request(2, 2);

        assertThat(OtlpCodec.decodeLogs(request.toByteArray(), OtlpEncoding.PROTOBUF)).isEqualTo(request);
        assertThatThrownBy(() -> OtlpCodec.decodeLogs(new byte[] {(byte) 0xFF}, OtlpEncoding.PROTOBUF))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/protobuf ExportLogsServiceRequest: ");
        assertThatThrownBy(() -> logsJson("""
                {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"spanId": "xyz"}]}]}]}"""))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessage("Malformed OTLP/JSON: spanId must be a hex string, got \"xyz\"");
        assertThatThrownBy(() -> logsJson("""
                {"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "soon"}]}]}]}"""))
                .isInstanceOf(OtlpFormatException.class)
                .hasMessageStartingWith("Malformed OTLP/JSON ExportLogsServiceRequest: ");
    }

    @Test
    void shouldEncodeAPartialSuccessOfLogsInJson() {
        ExportLogsServiceResponse response = ExportLogsServiceResponse.newBuilder()
                .setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(2)).build();

        assertThat(new String(OtlpCodec.encode(response, OtlpEncoding.JSON), StandardCharsets.UTF_8))
                .isEqualTo("{\"partialSuccess\":{\"rejectedLogRecords\":\"2\"}}");
    }
}
