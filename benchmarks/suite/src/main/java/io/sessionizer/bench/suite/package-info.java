/**
 * {@code sessionizer bench}: the local stack as child JVMs, driven by the load generator, measured section by section
 * against a baseline and a target, and written as one table in Markdown and JSON.
 */
package io.sessionizer.bench.suite;
