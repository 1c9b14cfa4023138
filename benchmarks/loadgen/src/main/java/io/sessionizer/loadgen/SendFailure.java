package io.sessionizer.loadgen;

import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.TimeoutException;
import com.linecorp.armeria.common.util.Exceptions;
import java.net.ConnectException;

/** An export that was not accepted, with its kind for the error counts: {@code http 503}, {@code grpc UNAVAILABLE}. */
public final class SendFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String kind;

    public SendFailure(String kind, String message) {
        super(message);
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    /** The kind of any failure of a send: its own kind, or a short name for a transport error. */
    public static String kindOf(Throwable error) {
        Throwable e = Exceptions.peel(error);
        if (e instanceof UnprocessedRequestException unprocessed) {
            e = unprocessed.getCause();
        }
        if (e instanceof SendFailure failure) {
            return failure.kind();
        }
        if (e instanceof TimeoutException) {
            return "timeout";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof ClosedSessionException) {
            return "connection closed";
        }
        return e.getClass().getSimpleName();
    }
}
