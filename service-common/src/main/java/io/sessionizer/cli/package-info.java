/** What the programs' command lines share: the launcher's subcommand plug-in point and option converters. */
package io.sessionizer.cli;
