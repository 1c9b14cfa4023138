package io.sessionizer.evaluator.run;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.traceId;
import static io.sessionizer.evaluator.Sessions.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.evaluator.AnnotatorKind;
import io.sessionizer.evaluator.Sessions;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApiClientTest {
    private final FakeApi api;

    ApiClientTest() throws Exception {
        api = new FakeApi();
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private ApiClient client(String key, Duration retryFor) {
        return new ApiClient(api.url() + "/", key, Duration.ofSeconds(5), retryFor);
    }

    @Test
    void shouldReadEveryPageOfTurnsOldestFirst() {
        List<JsonNode> turns = new ArrayList<>();
        IntStream.rangeClosed(1, 1203).forEach(n -> turns.add(turn(n, "ok", "q" + n, "a" + n)));
        api.put(summary("long", 1203, 0, 0, 0), turns);

        List<TurnView> read = client(null, Duration.ofSeconds(1)).turns("long").orElseThrow();

        assertThat(read).hasSize(1203);
        assertThat(read.get(0).traceId()).isEqualTo(traceId(1));
        assertThat(read.get(1202).output()).isEqualTo("a1203");
        assertThat(api.requests).containsExactly("GET /api/v1/sessions/long/turns?limit=500",
                "GET /api/v1/sessions/long/turns?limit=500&cursor=500",
                "GET /api/v1/sessions/long/turns?limit=500&cursor=1000");
    }

    @Test
    void shouldAnswerEmptyForASessionTheApiDoesNotHave() {
        ApiClient client = client(null, Duration.ofSeconds(1));

        assertThat(client.session("default", "gone")).isEmpty();
        assertThat(client.turns("gone")).isEmpty();
    }

    @Test
    void shouldPostTheContractsBodyWithTheKey() {
        ApiClient client = client("secret", Duration.ofSeconds(1));

        String id = client.write("s-1", Verdict.turn(traceId(7), "error", "fail", 0.0, "why",
                Map.of("failed_calls", List.of("tool x"))), AnnotatorKind.CODE, "sessionizer-evaluate");
        client.write("s-1", Verdict.session("tone", null, 0.5, null, null), AnnotatorKind.LLM, "mine");

        assertThat(id).isEqualTo("id-1");
        assertThat(api.posts).hasSize(2);
        FakeApi.Post turnPost = api.posts.get(0);
        assertThat(turnPost.sessionId()).isEqualTo("s-1");
        assertThat(turnPost.traceId()).isEqualTo(traceId(7));
        assertThat(turnPost.authorization()).isEqualTo("Bearer secret");
        assertThat(turnPost.body()).isEqualTo(Sessions.parse("""
                {"name": "error", "label": "fail", "score": 0.0, "explanation": "why", "annotator_kind": "CODE",
                 "identifier": "sessionizer-evaluate", "metadata": {"failed_calls": ["tool x"]}}"""));
        FakeApi.Post sessionPost = api.posts.get(1);
        assertThat(sessionPost.traceId()).isNull();
        assertThat(sessionPost.body()).isEqualTo(Sessions.parse("""
                {"name": "tone", "score": 0.5, "annotator_kind": "LLM", "identifier": "mine"}"""));
    }

    @Test
    void shouldDeleteATurnsAnnotationAndTakeAMissingOneAsGone() {
        ApiClient client = client(null, Duration.ofSeconds(1));

        client.delete("s-1", traceId(3), "0e4c6f1a-0000-3000-8000-000000000000");

        assertThat(api.requests).containsExactly("DELETE /api/v1/sessions/s-1/turns/" + traceId(3)
                + "/annotations/0e4c6f1a-0000-3000-8000-000000000000");
        api.refuseWith = 404;
        client.delete("s-1", traceId(3), "gone");
    }

    @Test
    void shouldRetryA503AfterItsRetryAfterUntilItSucceeds() {
        api.put(summary("s", 1, 0, 0, 0), List.of(turn(1, "ok", "hi", "hello")));
        api.unavailable.set(3);

        assertThat(client(null, Duration.ofSeconds(30)).session("default", "s")).isPresent();
        assertThat(api.requests).hasSize(4);
    }

    @Test
    void shouldGiveUpWhenTheRetryAfterOutlastsTheRetryTime() {
        Duration retryAfter = Duration.ofSeconds(5);
        api.unavailable.set(100);
        api.retryAfter = Long.toString(retryAfter.toSeconds());
        long start = System.nanoTime();

        assertThatThrownBy(() -> client(null, Duration.ofSeconds(2)).session("default", "s"))
                .isInstanceOf(ApiUnavailableException.class).hasMessageContaining("answered 503");
        // It gave up at once instead of sleeping the Retry-After: one request, and less time than that wait (a bound
        // on wall-clock time that a busy machine cannot break with a slow request).
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(retryAfter);
        assertThat(api.requests).hasSize(1);
    }

    @Test
    void shouldRetryWhenNothingAnswersAndGiveUpAfterTheRetryTime() {
        api.close();
        ApiClient client = new ApiClient(api.url(), null, Duration.ofSeconds(1), Duration.ofMillis(700));

        assertThatThrownBy(() -> client.session("default", "s")).isInstanceOf(ApiUnavailableException.class)
                .hasMessageContaining("gave up after");
    }

    @Test
    void shouldTellARefusedKeyFromARefusedVerdict() {
        api.refuseWith = 401;
        ApiClient client = client("wrong", Duration.ofSeconds(1));
        Verdict verdict = Verdict.session("ok", "pass", null, null, null);
        assertThatThrownBy(() -> client.write("s", verdict, AnnotatorKind.CODE, "i"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.unauthorized()).isTrue());

        api.refuseWith = 400;
        assertThatThrownBy(() -> client.write("s", verdict, AnnotatorKind.CODE, "i"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.unauthorized()).isFalse();
                    assertThat(e).hasMessageEndingWith("answered 400: refused");
                });
    }

    @Test
    void shouldUseTheQueryFormsForAnIdAPathCannotCarry() {
        api.put(summary("a/b?c", 1, 0, 0, 0), List.of(turn(1, "ok", "hi", "hello")));
        ApiClient client = client(null, Duration.ofSeconds(1));

        assertThat(client.session("default", "a/b?c")).isPresent();
        assertThat(client.turns("a/b?c").orElseThrow()).hasSize(1);
        client.write("a/b?c", Verdict.turn(traceId(1), "ok", "pass", null, null, null), AnnotatorKind.CODE, "i");
        client.write("a/b?c", Verdict.session("ok", "pass", null, null, null), AnnotatorKind.CODE, "i");
        client.delete("a/b?c", traceId(1), "id-1");

        assertThat(api.requests).containsExactly("GET /api/v1/session?session_id_base64=YS9iP2M",
                "GET /api/v1/session/turns?session_id_base64=YS9iP2M&limit=500",
                "POST /api/v1/session/annotations?session_id_base64=YS9iP2M&trace_id=" + traceId(1),
                "POST /api/v1/session/annotations?session_id_base64=YS9iP2M",
                "DELETE /api/v1/session/annotations/id-1?session_id_base64=YS9iP2M");
        assertThat(api.posts).extracting(FakeApi.Post::sessionId, FakeApi.Post::traceId)
                .containsExactly(tuple("a/b?c", traceId(1)), tuple("a/b?c", null));
        assertThat(api.deletes).containsExactly("a/b?c id-1");
        assertThat(ApiClient.pathSafe("plain-id_1 with space")).isTrue();
        assertThat(ApiClient.pathSafe("..")).isFalse();
        assertThat(ApiClient.pathSafe("facets")).isFalse();
        assertThat(ApiClient.pathSafe("100%")).isFalse();
    }
}
