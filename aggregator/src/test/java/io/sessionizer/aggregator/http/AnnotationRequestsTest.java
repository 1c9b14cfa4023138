package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.aggregator.domain.Annotations;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.SessionAnnotation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnnotationRequestsTest {
    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00.123456789Z");
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    private static Annotation parse(String body) {
        return parse(body, null);
    }

    private static Annotation parse(String body, String traceId) {
        return AnnotationRequests.annotation(body.getBytes(StandardCharsets.UTF_8), "acme", "s-1", traceId, NOW);
    }

    @Test
    void shouldReadEveryMemberOfAFullBody() {
        Annotation a = parse("{\"name\": \"helpfulness\", \"label\": \"good\", \"score\": 0.75, \"explanation\":"
                + " \"clear\", \"annotator_kind\": \"LLM\", \"identifier\": \"judge-v1\", \"metadata\":"
                + " {\"model\": \"gpt-4o\", \"n\": [1, 2]}}", TRACE);

        assertThat(a.getName()).isEqualTo("helpfulness");
        assertThat(a.getLabel()).isEqualTo("good");
        assertThat(a.getScore()).isEqualTo(0.75);
        assertThat(a.getExplanation()).isEqualTo("clear");
        assertThat(a.getAnnotatorKind()).isEqualTo(AnnotatorKind.LLM);
        assertThat(a.getIdentifier()).isEqualTo("judge-v1");
        assertThat(a.getMetadata()).isEqualTo("{\"model\":\"gpt-4o\",\"n\":[1,2]}");
        assertThat(a.getTraceId()).isEqualTo(TRACE);
        assertThat(a.getCreatedAt()).isEqualTo(Instant.parse("2026-12-07T10:00:00.123456Z"));
    }

    @Test
    void shouldDefaultToAHumanAnnotationWithoutTheOptionalMembers() {
        Annotation a = parse("{\"name\": \"thumbs\", \"label\": \"down\", \"score\": null, \"explanation\": \"\"}");

        assertThat(a.getAnnotatorKind()).isEqualTo(AnnotatorKind.HUMAN);
        assertThat(a.getScore()).isNull();
        assertThat(a.getExplanation()).isNull();
        assertThat(a.getIdentifier()).isNull();
        assertThat(a.getMetadata()).isNull();
        assertThat(a.getTraceId()).isNull();
    }

    @Test
    void shouldAcceptAScoreWithoutALabel() {
        assertThat(parse("{\"name\": \"quality\", \"score\": -3}").getScore()).isEqualTo(-3.0);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{}|name",
        "{\"label\": \"up\"}|name",
        "{\"name\": \"\", \"label\": \"up\"}|name",
        "{\"name\": \"a b\", \"label\": \"up\"}|name",
        "{\"name\": \"é\", \"label\": \"up\"}|name",
        "{\"name\": 7, \"label\": \"up\"}|name",
        "{\"name\": \"x\"}|label",
        "{\"name\": \"x\", \"label\": null, \"score\": null}|label",
        "{\"name\": \"x\", \"label\": 1}|label",
        "{\"name\": \"x\", \"score\": \"0.5\"}|score",
        "{\"name\": \"x\", \"score\": true}|score",
        "{\"name\": \"x\", \"score\": 1e999}|score",
        "{\"name\": \"x\", \"score\": -1e999}|score",
        "{\"name\": \"x\", \"label\": \"up\", \"explanation\": 3}|explanation",
        "{\"name\": \"x\", \"label\": \"up\", \"annotator_kind\": \"ROBOT\"}|annotator_kind",
        "{\"name\": \"x\", \"label\": \"up\", \"annotator_kind\": \"human\"}|annotator_kind",
        "{\"name\": \"x\", \"label\": \"up\", \"annotator_kind\": 1}|annotator_kind",
        "{\"name\": \"x\", \"label\": \"up\", \"identifier\": []}|identifier",
        "{\"name\": \"x\", \"label\": \"up\", \"metadata\": \"{}\"}|metadata",
        "{\"name\": \"x\", \"label\": \"up\", \"metadata\": [1]}|metadata",
        "{\"name\": \"x\", \"label\": \"up\", \"colour\": \"red\"}|colour",
        "{\"name\": \"x\", \"label\": \"up\", \"Name\": \"y\"}|Name",
    })
    void shouldRefuseABadMemberNamingIt(String body, String field) {
        assertThatThrownBy(() -> parse(body))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains("'" + field + "'");
                });
    }

    @Test
    void shouldAcceptNothingTheFoldWouldCut() {
        Annotation largest = parse("{\"name\": \"" + "n".repeat(64) + "\", \"label\": \"" + "\uD83D\uDC4D".repeat(64)
                + "\", \"identifier\": \"" + "i".repeat(128) + "\", \"explanation\": \"" + "\u00e9".repeat(1000)
                + "\", \"metadata\": {\"k\": \"" + "v".repeat(990) + "\"}}");
        assertThat(Annotations.bound(largest)).as("fields the fold cut of the largest annotation the API takes")
                .isZero();
    }

    @Test
    void shouldRefuseTextsOverTheirLengthsAndAcceptThemAtTheirLengths() {
        assertField("{\"name\": \"" + "n".repeat(65) + "\", \"label\": \"up\"}", "name");
        assertThat(parse("{\"name\": \"" + "n".repeat(64) + "\", \"label\": \"up\"}").getName()).hasSize(64);
        assertField("{\"name\": \"x\", \"label\": \"" + "l".repeat(129) + "\"}", "label");
        // Chars (UTF-16 units), as the fold counts them: 64 emoji are a label, 65 are not.
        assertThat(parse("{\"name\": \"x\", \"label\": \"" + "\uD83D\uDC4D".repeat(64) + "\"}").getLabel())
                .hasSize(128);
        assertField("{\"name\": \"x\", \"label\": \"" + "\uD83D\uDC4D".repeat(65) + "\"}", "label");
        assertField("{\"name\": \"x\", \"label\": \"up\", \"explanation\": \"" + "e".repeat(1001) + "\"}",
                "explanation");
        assertThat(parse("{\"name\": \"x\", \"label\": \"up\", \"explanation\": \"" + "e".repeat(1000) + "\"}")
                .getExplanation()).hasSize(1000);
        assertField("{\"name\": \"x\", \"label\": \"up\", \"identifier\": \"" + "i".repeat(129) + "\"}",
                "identifier");
        assertThat(parse("{\"name\": \"x\", \"label\": \"up\", \"identifier\": \"" + "i".repeat(128) + "\"}")
                .getIdentifier()).hasSize(128);
    }

    @Test
    void shouldBoundTheMetadataByItsCompactText() {
        // {"k":"vvv..."} is 8 bytes around the value.
        String fits = "{\"name\": \"x\", \"label\": \"up\", \"metadata\": {\"k\" :  \"" + "v".repeat(992) + "\"}}";
        assertThat(parse(fits).getMetadata()).hasSize(1000);
        assertField("{\"name\": \"x\", \"label\": \"up\", \"metadata\": {\"k\": \"" + "v".repeat(993) + "\"}}",
                "metadata");
        // Bytes, not characters: 500 two-byte characters are 1000 bytes.
        assertField("{\"name\": \"x\", \"label\": \"up\", \"metadata\": {\"k\": \"" + "é".repeat(500) + "\"}}",
                "metadata");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"''", "not json", "[1]", "\"text\"", "{\"name\": \"x\"} {}",
        "{\"name\": \"x\", \"name\": \"y\", \"label\": \"up\"}"})
    void shouldRefuseABodyThatIsNoJsonObjectWithoutAField(String body) {
        assertThatThrownBy(() -> parse(body))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isNull());
    }

    @Test
    void shouldDeriveTheIdFromTenantSessionTurnNameAndIdentifier() {
        String body = "{\"name\": \"judge\", \"score\": 1, \"identifier\": \"v1\"}";
        String id = parse(body).getAnnotationId();

        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes("acme\0s-1\0\0judge\0v1".getBytes(StandardCharsets.UTF_8))
                .toString());
        assertThat(parse("{\"name\": \"judge\", \"score\": 0, \"label\": \"bad\", \"identifier\": \"v1\"}")
                .getAnnotationId()).as("a new verdict replaces the old one").isEqualTo(id);
        assertThat(parse(body, TRACE).getAnnotationId()).as("a turn's").isEqualTo(UUID.nameUUIDFromBytes(
                ("acme\0s-1\0" + TRACE + "\0judge\0v1").getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(AnnotationRequests.annotationId("other", "s-1", null, "judge", "v1")).isNotEqualTo(id);
        assertThat(AnnotationRequests.annotationId("acme", "s-2", null, "judge", "v1")).isNotEqualTo(id);
        assertThat(AnnotationRequests.annotationId("acme", "s-1", null, "judge2", "v1")).isNotEqualTo(id);
        assertThat(AnnotationRequests.annotationId("acme", "s-1", null, "judge", "v2")).isNotEqualTo(id);
    }

    @Test
    void shouldGiveEachAnnotationWithoutIdentifierARandomId() {
        String body = "{\"name\": \"thumbs\", \"label\": \"up\"}";
        String first = parse(body).getAnnotationId();

        assertThat(UUID.fromString(first).version()).isEqualTo(4);
        assertThat(parse(body).getAnnotationId()).isNotEqualTo(first);
    }

    @Test
    void shouldTakeTraceIdsOf32HexDigitsLowercased() {
        assertThat(AnnotationRequests.traceId(TRACE.toUpperCase())).isEqualTo(TRACE);
        for (String bad : new String[] {"", "abc", TRACE + "0", TRACE.substring(1) + "g"}) {
            assertThatThrownBy(() -> AnnotationRequests.traceId(bad)).as(bad)
                    .isInstanceOfSatisfying(InvalidFieldException.class,
                            e -> assertThat(e.field()).isEqualTo("trace_id"));
        }
    }

    @Test
    void shouldTakeAnnotationIdsThatAreUuidsLowercased() {
        String id = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";
        assertThat(AnnotationRequests.annotationId(id)).isEqualTo(id.toLowerCase());
        for (String bad : new String[] {"", "1-1-1-1-1", "not-a-uuid", id + "0"}) {
            assertThatThrownBy(() -> AnnotationRequests.annotationId(bad)).as(bad)
                    .isInstanceOfSatisfying(InvalidFieldException.class,
                            e -> assertThat(e.field()).isEqualTo("annotation_id"));
        }
    }

    @Test
    void shouldKeyBySessionAsStageTwoDoesCuttingALongIdTheSameWay() {
        String longId = "s".repeat(TurnLimits.MAX_SESSION_ID_CHARS + 1);
        String stored = AnnotationRequests.sessionId(longId);

        assertThat(stored).isEqualTo(TurnLimits.storedSessionId(longId)).hasSize(TurnLimits.MAX_SESSION_ID_CHARS);
        assertThat(AnnotationRequests.sessionId(stored)).as("the cut id is its own").isEqualTo(stored);
        assertThatThrownBy(() -> AnnotationRequests.sessionId(""))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("session_id"));
    }

    @Test
    void shouldWrapPutsAndDeletesOfTheSession() {
        Annotation a = parse("{\"name\": \"thumbs\", \"label\": \"up\"}");
        SessionAnnotation put = AnnotationRequests.put("acme", "s-1", a);
        SessionAnnotation delete = AnnotationRequests.delete("acme", "s-1", a.getAnnotationId());

        assertThat(put.getAction()).isEqualTo(AnnotationAction.PUT);
        assertThat(put.getAnnotationId()).isEqualTo(a.getAnnotationId());
        assertThat(put.getAnnotation()).isEqualTo(a);
        assertThat(put.getTenant()).isEqualTo("acme");
        assertThat(put.getSessionId()).isEqualTo("s-1");
        assertThat(delete.getAction()).isEqualTo(AnnotationAction.DELETE);
        assertThat(delete.getAnnotationId()).isEqualTo(a.getAnnotationId());
        assertThat(delete.getAnnotation()).isNull();
    }

    private static void assertField(String body, String field) {
        assertThatThrownBy(() -> parse(body)).as(body)
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}
