package io.sessionizer.aggregator.query;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list's annotation filters, sort and facet follow the annotations that the production topology folds: a put,
 * a replace and a delete each show in the index at the next commit.
 */
class AnnotationListTopologyTest {
    private static final String T = RecordContract.DEFAULT_TENANT;

    @TempDir
    Path stateDir;

    private TopologyFixture topology;
    private long clock;

    @BeforeEach
    void setUp() {
        topology = TopologyFixture.start(stateDir, Map.of("session.idle-timeout", "30m", "session.retention", "7d"));
        for (int trace = 1; trace <= 3; trace++) {
            Span.Builder root = span(trace, trace * 100L, 0, trace * 10_000L, trace * 10_000L + 1_000);
            attr(root, "session.id", "s" + trace);
            attr(root, "input.value", "question " + trace);
            topology.spans().pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(root).toByteArray());
        }
    }

    @AfterEach
    void tearDown() {
        topology.close();
    }

    private void put(String session, String id, Integer trace, String name, String label, Double score) {
        Annotation annotation = Annotation.newBuilder().setAnnotationId(id)
                .setTraceId(trace == null ? null : OtlpTraces.traceHex(trace)).setName(name).setLabel(label)
                .setScore(score).setAnnotatorKind(AnnotatorKind.HUMAN)
                .setCreatedAt(TopologyFixture.START.plusMillis(++clock)).build();
        topology.annotations().pipeInput(RecordContract.sessionKey(T, session), new SessionAnnotation(T, session,
                AnnotationAction.PUT, id, annotation));
    }

    private void delete(String session, String id) {
        topology.annotations().pipeInput(RecordContract.sessionKey(T, session), new SessionAnnotation(T, session,
                AnnotationAction.DELETE, id, null));
    }

    private SessionReader reader() {
        return new SessionReader(List.of(topology.partition()));
    }

    private List<String> ids(String... params) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.computeIfAbsent(params[i], k -> new ArrayList<>()).add(params[i + 1]);
        }
        return reader().list(T, SessionQuery.parse(map, Set.of()), null, 100).sessions().stream()
                .map(l -> l.summary().getSessionId()).toList();
    }

    @Test
    void shouldFilterSortAndFacetOnTheFoldedAnnotationsAsTheyChange() {
        put("s1", "a1", 1, "thumbs", "up", null);
        put("s1", "a2", null, "quality", null, 0.75);
        put("s1", "a3", null, "quality", null, 0.25);
        put("s2", "b1", 2, "thumbs", "down", null);
        put("s2", "b2", null, "quality", "ok", 0.9);

        assertThat(ids("annotation.thumbs.label", "up")).containsExactly("s1");
        assertThat(ids("annotation.thumbs.label", "up", "annotation.thumbs.label", "down"))
                .containsExactlyInAnyOrder("s1", "s2");
        assertThat(ids("annotation.quality.min_score", "0.5", "annotation.quality.max_score", "0.5"))
                .as("the mean of 0.75 and 0.25").containsExactly("s1");
        assertThat(ids("sort", "annotation.quality.score")).containsExactly("s2", "s1", "s3");
        assertThat(ids("sort", "annotation.quality.score", "order", "asc")).containsExactly("s1", "s2", "s3");
        assertThat(reader().facet(T, SessionQuery.ALL, "annotation.thumbs.label"))
                .isEqualTo(Map.of("up", 1L, "down", 1L));

        // Replaced (same id), deleted, and an annotation of a new name.
        put("s2", "b1", 2, "thumbs", "up", null);
        delete("s1", "a3");
        put("s3", "c1", null, "quality", null, 0.1);
        assertThat(ids("annotation.thumbs.label", "down")).isEmpty();
        assertThat(ids("annotation.thumbs.label", "up")).containsExactlyInAnyOrder("s1", "s2");
        assertThat(ids("annotation.quality.min_score", "0.5", "annotation.quality.max_score", "0.5")).isEmpty();
        assertThat(ids("sort", "annotation.quality.score", "order", "asc")).containsExactly("s3", "s1", "s2");
        assertThat(reader().facet(T, SessionQuery.ALL, "annotation.thumbs.label")).isEqualTo(Map.of("up", 2L));
    }
}
