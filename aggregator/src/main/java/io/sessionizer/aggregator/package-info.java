/** The aggregator service: its settings, its entry point and the object that runs it. */
package io.sessionizer.aggregator;
