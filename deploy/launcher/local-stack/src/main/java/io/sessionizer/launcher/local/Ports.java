package io.sessionizer.launcher.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks, before anything starts, that the ports the local stack will listen on are free. */
final class Ports {
    /** A port one component will listen on, and the flag that changes it. */
    record Use(String component, int port, String flag) {
    }

    private Ports() {
    }

    /**
     * Fails with a message naming the component and the flag when a port is taken or given twice; port 0 means
     * "any free port" and is never checked.
     */
    static void requireFree(List<Use> uses) {
        Map<Integer, Use> seen = new HashMap<>();
        for (Use use : uses) {
            if (use.port() == 0) {
                continue;
            }
            Use other = seen.putIfAbsent(use.port(), use);
            if (other != null) {
                throw new LocalStackException("Port " + use.port() + " is given to both " + other.component()
                        + " and " + use.component() + "; choose another with " + use.flag() + ".");
            }
            if (!isFree(use.port())) {
                throw new LocalStackException("Port " + use.port() + " (" + use.component() + ") is already in use:"
                        + " stop what listens there (an earlier 'sessionizer local'?) or choose another port with "
                        + use.flag() + ".");
            }
        }
    }

    /**
     * Binds the wildcard and the loopback address: Kafka listens on localhost, the HTTP and gRPC servers on every
     * interface, and either conflicts with the other.
     */
    static boolean isFree(int port) {
        for (InetSocketAddress address : List.of(new InetSocketAddress(port),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(address);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
