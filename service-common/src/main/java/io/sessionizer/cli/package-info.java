/**
 * What the programs' command lines share: the launcher's subcommand plug-in point, option converters, and the wait
 * loop of the local stack and the benchmarks.
 */
package io.sessionizer.cli;
