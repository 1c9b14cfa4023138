/**
 * The deterministic rule judges that {@code sessionizer evaluate} ships: a turn that failed, an empty answer, a
 * session over a cost budget.
 */
package io.sessionizer.evaluator.rules;
