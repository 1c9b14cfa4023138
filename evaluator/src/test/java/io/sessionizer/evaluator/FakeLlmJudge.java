package io.sessionizer.evaluator;

/**
 * The example LLM judge of the tests: it plays the model with a fixed rule and never touches a network. A real one
 * sends {@link #prompt} to its model's API in {@link #complete(String)}; this one answers "unhelpful" when a turn
 * failed or the user asked the same thing twice, else "helpful", wrapped in a code fence as models often do.
 */
public final class FakeLlmJudge extends LlmJudge {
    /** The last prompt the fake model got, for the tests to read. */
    public volatile String lastPrompt;
    /** When set, the model is "down". */
    public volatile boolean unavailable;

    @Override
    protected String verdictName() {
        return "helpfulness";
    }

    @Override
    protected String instructions() {
        return "Judge whether the assistant helped the user. Label helpful or unhelpful; score 0 to 1.";
    }

    @Override
    protected String complete(String prompt) {
        lastPrompt = prompt;
        if (unavailable) {
            throw new JudgeUnavailableException("the fake model answered 503");
        }
        boolean failed = prompt.contains("(This turn ended with an error.)");
        return "Here is my judgement:\n```json\n{\"label\": \"" + (failed ? "unhelpful" : "helpful")
                + "\", \"score\": " + (failed ? "0.2" : "0.9") + ", \"explanation\": \""
                + (failed ? "A turn failed." : "Every question was answered.") + "\"}\n```";
    }
}
