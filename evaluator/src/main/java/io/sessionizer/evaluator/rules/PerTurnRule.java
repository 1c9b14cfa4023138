package io.sessionizer.evaluator.rules;

import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A rule that flags turns one by one: a turn verdict on each turn it {@linkplain #flags flags}, whose name is its only
 * flag name, and first of all one session verdict from the number of flagged turns.
 */
abstract class PerTurnRule implements Judge {
    private final String name;
    private final String turnVerdictName;

    /**
     * @param name the judge's name
     * @param turnVerdictName the name of every turn verdict, and so of the flags withdrawn from turns no longer flagged
     */
    PerTurnRule(String name, String turnVerdictName) {
        this.name = Objects.requireNonNull(name);
        this.turnVerdictName = Objects.requireNonNull(turnVerdictName);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Set<String> flagNames() {
        return Set.of(turnVerdictName);
    }

    /** Whether the turn gets a turn verdict. */
    abstract boolean flags(TurnView turn);

    /** The verdict on a flagged turn; its name is the constructor's {@code turnVerdictName}. */
    abstract Verdict turnVerdict(TurnView turn);

    /** The session verdict, from the number of flagged turns among {@code turns}. */
    abstract Verdict sessionVerdict(int flagged, int turns);

    @Override
    public final List<Verdict> judge(SessionView session, List<TurnView> turns) {
        List<Verdict> turnVerdicts = new ArrayList<>();
        for (TurnView turn : turns) {
            if (flags(turn)) {
                turnVerdicts.add(turnVerdict(turn));
            }
        }
        List<Verdict> verdicts = new ArrayList<>(turnVerdicts.size() + 1);
        verdicts.add(sessionVerdict(turnVerdicts.size(), turns.size()));
        verdicts.addAll(turnVerdicts);
        return verdicts;
    }
}
