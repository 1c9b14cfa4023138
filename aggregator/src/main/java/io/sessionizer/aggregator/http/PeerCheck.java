package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import io.sessionizer.auth.PeerSignature;

/**
 * Lets {@value PeerSignature#LOCAL_HEADER} through only from another instance of the deployment: a request carrying it
 * without a valid {@value PeerSignature#PEER_HEADER} (missing, forged, for another request, or more than a minute
 * off) is refused 403 before anything reads it, so that an outside client cannot change how a request is answered.
 */
public final class PeerCheck implements DecoratingHttpServiceFunction {
    private static final AttributeKey<Boolean> FROM_PEER = AttributeKey.valueOf(PeerCheck.class, "fromPeer");

    private final PeerSignature signature;

    public PeerCheck(PeerSignature signature) {
        this.signature = signature;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String local = req.headers().get(PeerSignature.LOCAL_HEADER);
        if (local != null) {
            if (!signature.verify(req.headers().get(PeerSignature.PEER_HEADER), req.method().name(),
                    PeerSignature.target(ctx.path(), ctx.query()), local)) {
                return Problems.of(HttpStatus.FORBIDDEN, "The header " + PeerSignature.LOCAL_HEADER + " is for the"
                        + " instances of this deployment: it needs a valid " + PeerSignature.PEER_HEADER
                        + " signature (missing, wrong, or more than " + PeerSignature.MAX_AGE.toSeconds()
                        + " s off)");
            }
            ctx.setAttr(FROM_PEER, true);
        }
        return delegate.serve(ctx, req);
    }

    /**
     * True when another instance of the deployment forwarded the request (a valid signature was checked), so that
     * per-client accounting (a rate limit) does not count it twice.
     */
    public static boolean fromPeer(ServiceRequestContext ctx) {
        return Boolean.TRUE.equals(ctx.attr(FROM_PEER));
    }
}
