package io.sessionizer.ingest.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes of requests accepted but not yet acknowledged by Kafka, so that a burst or a slow broker is
 * answered with a retryable error instead of exhausting memory.
 */
final class InFlightLimiter {
    private final long maxBytes;
    private final AtomicLong inFlight = new AtomicLong();

    InFlightLimiter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Reserves the bytes; a single request larger than the limit still passes when nothing else is in flight. */
    boolean tryAcquire(long bytes) {
        while (true) {
            long current = inFlight.get();
            if (current > 0 && current + bytes > maxBytes) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        inFlight.addAndGet(-bytes);
    }

    long inFlightBytes() {
        return inFlight.get();
    }

    long maxBytes() {
        return maxBytes;
    }
}
