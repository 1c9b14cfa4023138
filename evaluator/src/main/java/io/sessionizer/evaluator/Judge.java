package io.sessionizer.evaluator;

import java.util.List;
import java.util.Set;

/**
 * Judges one ended session: given its summary and every turn, answers the verdicts to write as annotations. A judge
 * is a plain function of what the API serves, so it runs again, with the same verdict names, each time the session
 * ends (a session that resumes and goes idle again is judged again, and each verdict replaces the earlier one of the
 * same target and name).
 *
 * <p>{@code sessionizer evaluate} runs its rule judges, every implementation listed in a
 * {@code META-INF/services/io.sessionizer.evaluator.Judge} file on the class path ({@link java.util.ServiceLoader}),
 * and each class named with {@code --judge}; a plug-in needs a public no-argument constructor and reads its own
 * settings (a model's endpoint and key) from the environment. Judges are called one after the other from the
 * evaluator's one thread, so an implementation need not be thread-safe.
 *
 * <p>Verdict names must be unique across the judges of one evaluator: the API replaces an annotation of the same
 * target, name and identifier.
 */
public interface Judge {
    /** A short name for logs, e.g. {@code error-turn}. */
    String name();

    /** Who gives the verdicts: {@link AnnotatorKind#CODE} for rules, {@link AnnotatorKind#LLM} for a model. */
    default AnnotatorKind kind() {
        return AnnotatorKind.CODE;
    }

    /**
     * The names of the turn verdicts this judge gives only to the turns that warrant one (a flag such as
     * {@code error}): when a turn no longer warrants it (its answer came late), the evaluator deletes its own earlier
     * annotation of that name from the turn. Empty (the default) for a judge that gives its turn verdicts to every
     * turn, or none.
     */
    default Set<String> flagNames() {
        return Set.of();
    }

    /**
     * The verdicts on the session and on its turns; empty when the judge has nothing to say.
     *
     * @param turns every turn, oldest first
     * @throws JudgeUnavailableException when the judge cannot answer now (a model's API is down): the session is
     *     judged again later and its offset is not committed; any other exception is logged and the judge skipped
     *     for this session
     */
    List<Verdict> judge(SessionView session, List<TurnView> turns);
}
