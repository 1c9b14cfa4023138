/** Benchmarks and the synthetic LLM-application traffic they send. */
package io.sessionizer.deploy.bench;
