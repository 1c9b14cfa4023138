package io.sessionizer.launcher.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free local ports for a stack of one's own (the soak command, tests). */
public final class FreePorts {
    private FreePorts() {
    }

    /** A port free now (another process may take it before it is used). */
    public static int one() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A free port whose successor is free too: the broker's and its controller's. */
    public static int pair() throws IOException {
        while (true) {
            int port = one();
            try (ServerSocket next = new ServerSocket()) {
                next.bind(new InetSocketAddress(port + 1));
                return port;
            } catch (IOException e) {
                // Taken: try another pair.
            }
        }
    }
}
