package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.ToolCallStatus;
import java.util.List;
import java.util.Objects;

/**
 * A turn's tool calls, each listed once however many sources tell of it. A call is told of by the assistant message
 * that asks for it (id, name, arguments), by the tool message that answers it in the next LLM call's input (id,
 * result), and by the tool's own span (name, arguments, result, status, times, and an id when the convention has
 * one). Fragments with the same id are one call; a span without an id is the first call of its name that no span
 * told of yet; a message without an id is the call with its name and arguments.
 *
 * <p>A fragment without a name carries only a result for an id (a tool message): it completes the call of that id
 * and never makes an entry of its own in a turn; stage 1 may keep it as an entry until the turn merges it
 * ({@code keepOrphans}).
 */
final class ToolCalls {
    private ToolCalls() {
    }

    /** The fragment a tool's span gives. */
    static ToolCall fromSpan(String id, String name, IoValue arguments, IoValue result, boolean error,
            long startMicros, double durationMs, String spanId) {
        return ToolCall.newBuilder()
                .setId(id)
                .setName(name)
                .setArguments(arguments)
                .setResultValue(result)
                .setStatus(error ? ToolCallStatus.ERROR : ToolCallStatus.OK)
                .setStartTime(TurnAssembler.micros(startMicros))
                .setDurationMs(durationMs)
                .setSpanId(spanId)
                .build();
    }

    /** The fragment an assistant message's tool call gives. */
    static ToolCall fromMessage(String id, String name, IoValue arguments) {
        return ToolCall.newBuilder().setId(id).setName(name).setArguments(arguments).build();
    }

    /** The fragment a tool message gives: only the result of the call with that id. */
    static ToolCall result(String id, IoValue result) {
        return ToolCall.newBuilder().setId(id).setResultValue(result).build();
    }

    static boolean isResultOnly(ToolCall call) {
        return call.getName() == null;
    }

    /**
     * Merges a fragment into a list of calls.
     *
     * @param keepOrphans whether a result-only fragment that matches no call is listed (stage 1, which forwards it)
     *     or dropped (a turn, where the call it answers would already be)
     * @return false when the fragment would have made a new entry but the list held {@code max} already
     *     (a fragment that makes an entry becomes it, and later fragments fill it in)
     */
    static boolean merge(List<ToolCall> calls, ToolCall fragment, int max, boolean keepOrphans) {
        ToolCall match = find(calls, fragment);
        if (match != null) {
            fill(match, fragment);
            return true;
        }
        if (isResultOnly(fragment) && !keepOrphans) {
            return true;
        }
        if (calls.size() >= max) {
            return false;
        }
        calls.add(fragment);
        return true;
    }

    private static ToolCall find(List<ToolCall> calls, ToolCall fragment) {
        if (fragment.getId() != null) {
            for (ToolCall call : calls) {
                if (fragment.getId().equals(call.getId())) {
                    return call;
                }
            }
            if (isResultOnly(fragment)) {
                return null;
            }
        }
        if (fragment.getSpanId() != null) {
            // A span: the first call of its name no span told of yet, unless both know different ids.
            for (ToolCall call : calls) {
                if (call.getSpanId() == null && !isResultOnly(call)
                        && Objects.equals(call.getName(), fragment.getName())
                        && (call.getId() == null || fragment.getId() == null)) {
                    return call;
                }
            }
            return null;
        }
        if (fragment.getId() != null) {
            // A message with an id: the first call of its name that a span without an id told of.
            for (ToolCall call : calls) {
                if (call.getSpanId() != null && call.getId() == null
                        && Objects.equals(call.getName(), fragment.getName())) {
                    return call;
                }
            }
            return null;
        }
        // A message without an id: the call with its name and arguments.
        for (ToolCall call : calls) {
            if (Objects.equals(call.getName(), fragment.getName())
                    && Objects.equals(value(call.getArguments()), value(fragment.getArguments()))) {
                return call;
            }
        }
        return null;
    }

    /** Fills what the call does not know yet; a span's status and times replace a message's none. */
    private static void fill(ToolCall call, ToolCall fragment) {
        if (call.getId() == null) {
            call.setId(fragment.getId());
        }
        if (call.getName() == null) {
            call.setName(fragment.getName());
        }
        if (call.getArguments() == null) {
            call.setArguments(fragment.getArguments());
        }
        if (call.getResultValue() == null) {
            call.setResultValue(fragment.getResultValue());
        }
        if (fragment.getStatus() != ToolCallStatus.UNSET) {
            call.setStatus(fragment.getStatus());
        }
        if (fragment.getSpanId() != null) {
            call.setSpanId(fragment.getSpanId());
            call.setStartTime(fragment.getStartTime());
            call.setDurationMs(fragment.getDurationMs());
        }
    }

    private static String value(IoValue value) {
        return value == null ? null : value.getValue();
    }
}
