package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpServiceWithRoutes;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import java.util.Set;

/**
 * The web UI (DESIGN.md, {@code GET /}): static HTML, CSS and JavaScript from the classpath folder {@code ui}, with no
 * build step and nothing fetched from the internet. The page is served at {@code /} only and its assets under
 * {@code /ui/}, so the UI never shadows an API path. Added to a server with {@code .service(WebUi.service())}.
 */
public final class WebUi implements HttpServiceWithRoutes {
    private static final String ROOT = "ui";
    private static final String INDEX = "/";

    private final HttpService index;
    private final HttpService assets;
    private final Set<Route> routes = Set.of(Route.builder().exact(INDEX).build(),
            Route.builder().pathPrefix("/ui/").build());

    private WebUi(ClassLoader classLoader) {
        // Revalidated on each load, so that a browser picks up a new aggregator version's UI at once.
        this.index = HttpFile.builder(classLoader, ROOT + "/index.html")
                .contentType(MediaType.HTML_UTF_8)
                .cacheControl(ServerCacheControl.REVALIDATED)
                .build()
                .asService();
        this.assets = FileService.builder(classLoader, ROOT)
                .cacheControl(ServerCacheControl.REVALIDATED)
                .build();
    }

    public static WebUi service() {
        return new WebUi(WebUi.class.getClassLoader());
    }

    @Override
    public Set<Route> routes() {
        return routes;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws Exception {
        // Under the /ui/ prefix, the file service sees the path relative to the prefix (ctx.mappedPath()).
        return (INDEX.equals(ctx.path()) ? index : assets).serve(ctx, req);
    }
}
