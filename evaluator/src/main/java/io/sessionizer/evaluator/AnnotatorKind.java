package io.sessionizer.evaluator;

/** The {@code annotator_kind} of a judge's annotations; people's annotations are {@code HUMAN}, never a judge's. */
public enum AnnotatorKind {
    /** A deterministic rule. */
    CODE,
    /** A language model. */
    LLM
}
