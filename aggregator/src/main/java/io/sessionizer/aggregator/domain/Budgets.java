package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.BudgetKind;
import io.sessionizer.schemas.SessionSummary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cost and token budgets of a session: a default, and overrides per project. A session whose projects have
 * different budgets gets the strictest. Zero means no budget.
 *
 * @param defaults the budget of a project without an override
 * @param projects the overrides, by project name
 */
public record Budgets(Budget defaults, Map<String, Budget> projects) {
    /** No budget at all. */
    public static final Budgets NONE = new Budgets(new Budget(0, 0), Map.of());

    /** One project's budget per session: USD and tokens (total), each 0 for none. */
    public record Budget(double costUsd, long tokens) {
        public Budget {
            if (!(costUsd >= 0) || Double.isInfinite(costUsd) || tokens < 0) {
                throw new IllegalArgumentException("a budget is a finite cost and a token count, neither negative");
            }
        }
    }

    public Budgets {
        projects = Map.copyOf(projects);
    }

    /** True when no session can cross a budget: the check is skipped. */
    public boolean isEmpty() {
        return defaults.costUsd() == 0 && defaults.tokens() == 0
                && projects.values().stream().allMatch(b -> b.costUsd() == 0 && b.tokens() == 0);
    }

    /**
     * Parses the overrides {@code project=cost:tokens,...}, e.g. {@code support-bot=2.5:200000,batch=:0}; a side left
     * empty takes the default's.
     */
    public static Map<String, Budget> parseOverrides(String text, Budget defaults) {
        Map<String, Budget> overrides = new HashMap<>();
        for (String entry : text.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int equals = entry.lastIndexOf('=');
            int colon = entry.lastIndexOf(':');
            if (equals <= 0 || colon < equals) {
                throw new IllegalArgumentException("'" + entry.trim() + "' is not project=cost:tokens");
            }
            String cost = entry.substring(equals + 1, colon).trim();
            String tokens = entry.substring(colon + 1).trim();
            overrides.put(entry.substring(0, equals).trim(), new Budget(
                    cost.isEmpty() ? defaults.costUsd() : parseCost(cost),
                    tokens.isEmpty() ? defaults.tokens() : parseTokens(tokens)));
        }
        return overrides;
    }

    /** A cost in USD, not negative. */
    public static double parseCost(String text) {
        try {
            return new Budget(Double.parseDouble(text.trim()), 0).costUsd();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not a number of USD");
        }
    }

    /** A token count, not negative. */
    public static long parseTokens(String text) {
        try {
            return new Budget(0, Long.parseLong(text.trim())).tokens();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not a token count");
        }
    }

    /** The budget of a session with these projects: per kind, the smallest non-zero one among them. */
    public Budget of(List<String> sessionProjects) {
        if (sessionProjects.isEmpty()) {
            return defaults;
        }
        double cost = 0;
        long tokens = 0;
        for (String project : sessionProjects) {
            Budget budget = projects.getOrDefault(project, defaults);
            cost = strictest(cost, budget.costUsd());
            tokens = (long) strictest(tokens, budget.tokens());
        }
        return new Budget(cost, tokens);
    }

    /**
     * The budgets the session crossed with its latest change and had not crossed before: {@code crossed} holds the
     * names of those already reported, and gains the new ones.
     */
    public List<BudgetKind> newlyCrossed(SessionSummary summary, List<String> crossed) {
        List<BudgetKind> now = new ArrayList<>(2);
        Budget budget = of(summary.getProjects());
        if (budget.costUsd() > 0 && summary.getCost().getTotal() > budget.costUsd()
                && !crossed.contains(BudgetKind.COST.name())) {
            now.add(BudgetKind.COST);
        }
        if (budget.tokens() > 0 && summary.getTokenCount().getTotal() > budget.tokens()
                && !crossed.contains(BudgetKind.TOKENS.name())) {
            now.add(BudgetKind.TOKENS);
        }
        now.forEach(kind -> crossed.add(kind.name()));
        return now;
    }

    private static double strictest(double current, double candidate) {
        if (candidate == 0) {
            return current;
        }
        return current == 0 ? candidate : Math.min(current, candidate);
    }
}
