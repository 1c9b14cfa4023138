package io.sessionizer.evaluator.run;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.rules.CostBudgetJudge;
import io.sessionizer.evaluator.rules.EmptyAnswerJudge;
import io.sessionizer.evaluator.rules.ErrorTurnJudge;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The judges of one evaluator, in the order they run: the rules (error turn, empty answer, and the cost budget when
 * {@code evaluator.max-cost} is set), the {@link Judge}s that {@link ServiceLoader} finds on the class path, then the
 * classes {@code evaluator.judges} names; both looked for on the class path and in the jars and directories of
 * {@code evaluator.judge-path}. A class found both ways runs once.
 */
public final class Judges {
    private Judges() {
    }

    public static List<Judge> load(Config config) {
        ClassLoader parent = Thread.currentThread().getContextClassLoader();
        String key = EvaluatorSettings.JUDGE_PATH.name();
        List<String> path = config.get(EvaluatorSettings.JUDGE_PATH);
        if (path.isEmpty()) {
            return load(config, parent);
        }
        URL[] urls = new URL[path.size()];
        for (int i = 0; i < urls.length; i++) {
            Path entry = Path.of(path.get(i));
            if (!Files.exists(entry)) {
                throw new ConfigException("No jar or directory '" + entry + "' of " + key);
            }
            try {
                urls[i] = entry.toUri().toURL();
            } catch (MalformedURLException e) {
                throw new ConfigException("Invalid path '" + entry + "' of " + key);
            }
        }
        // Not closed: the judges' classes are used as long as the evaluator runs.
        return load(config, new URLClassLoader(urls, parent));
    }

    static List<Judge> load(Config config, ClassLoader loader) {
        List<Judge> judges = new ArrayList<>(List.of(new ErrorTurnJudge(), new EmptyAnswerJudge()));
        OptionalDouble maxCost = config.get(EvaluatorSettings.MAX_COST);
        if (maxCost.isPresent()) {
            judges.add(new CostBudgetJudge(maxCost.getAsDouble()));
        }
        Set<String> classes = new LinkedHashSet<>();
        for (Judge judge : ServiceLoader.load(Judge.class, loader)) {
            if (classes.add(judge.getClass().getName())) {
                judges.add(judge);
            }
        }
        for (String name : config.get(EvaluatorSettings.JUDGES)) {
            if (classes.add(name)) {
                judges.add(instantiate(name, loader));
            }
        }
        return List.copyOf(judges);
    }

    private static Judge instantiate(String className, ClassLoader loader) {
        String key = EvaluatorSettings.JUDGES.name();
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new ConfigException("Judge class '" + className + "' of " + key + " is not on the class path");
        }
        if (!Judge.class.isAssignableFrom(type)) {
            throw new ConfigException("Class '" + className + "' of " + key + " does not implement "
                    + Judge.class.getName());
        }
        try {
            return (Judge) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new ConfigException("Judge class '" + className + "' of " + key
                    + " needs a public no-argument constructor");
        } catch (InstantiationException | InvocationTargetException e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            throw new ConfigException("Judge class '" + className + "' of " + key + " failed to start: " + cause);
        }
    }
}
