/**
 * The evaluator's plug-in API: a {@link io.sessionizer.evaluator.Judge} reads an ended session
 * ({@link io.sessionizer.evaluator.SessionView}, {@link io.sessionizer.evaluator.TurnView}) and answers
 * {@link io.sessionizer.evaluator.Verdict}s, which {@code sessionizer evaluate} writes back as annotations;
 * {@link io.sessionizer.evaluator.LlmJudge} is the base of a judge that asks a language model.
 */
package io.sessionizer.evaluator;
