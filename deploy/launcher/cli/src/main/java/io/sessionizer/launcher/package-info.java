/** The {@code sessionizer} command line: one entry point with a subcommand per way of running the project. */
package io.sessionizer.launcher;
