package io.sessionizer.evaluator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * The base of a judge that asks a language model about the whole conversation: it writes the prompt (the rubric of
 * {@link #instructions()}, the transcript, the answer format), hands it to {@link #complete(String)}, and reads the
 * model's JSON answer {@code {"label": ..., "score": ..., "explanation": ...}} into one session verdict named
 * {@link #verdictName()}, with annotator kind {@code LLM}. A subclass supplies the call to its model, and nothing
 * in this class touches a network.
 *
 * <p>{@link #complete(String)} should throw {@link JudgeUnavailableException} when the model cannot answer now (a
 * timeout, 429, 503), so that the session is judged again later; an answer that is not the expected JSON is a fault
 * of the judge, logged and skipped.
 */
public abstract class LlmJudge implements Judge {
    /** Characters of each input and output given to the model; longer texts keep their beginning. */
    protected static final int MAX_TEXT_CHARS = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The name of the verdict, e.g. {@code helpfulness}. */
    protected abstract String verdictName();

    /** What to judge and how to label and score it, e.g. "Did the assistant resolve the user's request?...". */
    protected abstract String instructions();

    /**
     * The model's answer to {@code prompt}: its text, which must hold one JSON object.
     *
     * @throws JudgeUnavailableException when the model cannot answer now
     */
    protected abstract String complete(String prompt);

    @Override
    public String name() {
        return verdictName();
    }

    @Override
    public AnnotatorKind kind() {
        return AnnotatorKind.LLM;
    }

    @Override
    public List<Verdict> judge(SessionView session, List<TurnView> turns) {
        String answer = complete(prompt(session, turns));
        JsonNode json = parse(answer);
        JsonNode label = json.path("label");
        JsonNode score = json.path("score");
        JsonNode explanation = json.path("explanation");
        return List.of(Verdict.session(verdictName(), label.isTextual() ? label.asText() : null,
                score.isNumber() ? score.asDouble() : null, explanation.isTextual() ? explanation.asText() : null,
                Map.of("judge", name())));
    }

    /** The rubric, then the conversation turn by turn, then the answer format. */
    protected String prompt(SessionView session, List<TurnView> turns) {
        StringBuilder prompt = new StringBuilder(instructions()).append("\n\nThe conversation (")
                .append(turns.size()).append(" turns):\n");
        for (TurnView turn : turns) {
            prompt.append("\nUser: ").append(cut(turn.input())).append("\nAssistant: ").append(cut(turn.output()));
            if (turn.failed()) {
                prompt.append("\n(This turn ended with an error.)");
            }
            prompt.append('\n');
        }
        return prompt.append("\nAnswer with one JSON object and nothing else: {\"label\": \"<a short label>\","
                + " \"score\": <a number from 0 to 1>, \"explanation\": \"<one or two sentences>\"}").toString();
    }

    private static String cut(String text) {
        if (text == null) {
            return "(nothing)";
        }
        return text.length() <= MAX_TEXT_CHARS ? text : text.substring(0, MAX_TEXT_CHARS) + "…";
    }

    /** The first JSON object of the answer; models often wrap it in prose or a code fence. */
    private JsonNode parse(String answer) {
        int start = answer == null ? -1 : answer.indexOf('{');
        int end = answer == null ? -1 : answer.lastIndexOf('}');
        if (start < 0 || end < start) {
            throw new IllegalStateException("Judge " + name() + ": the model's answer holds no JSON object");
        }
        try {
            return JSON.readTree(answer.substring(start, end + 1));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Judge " + name() + ": the model's answer is not JSON: "
                    + e.getOriginalMessage(), e);
        }
    }
}
