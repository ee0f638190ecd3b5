/**
 * Did a signalWithStart open a new incident or join a running one? The server says so (the
 * `started` field of its answer), but the SDK returns only the run id. A gRPC interceptor on the
 * client connection reads the answer, and a per-call header ties it to the call that asked.
 * Without the interceptor on the connection, the outcome is simply unknown.
 */
import { randomUUID } from 'node:crypto';
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const CALL_HEADER = 'x-lockout-call';
const SIGNAL_WITH_START = '/temporal.api.workflowservice.v1.WorkflowService/SignalWithStartWorkflowExecution';
const { SignalWithStartWorkflowExecutionResponse } = temporal.api.workflowservice.v1;

export class StartOutcomes {
  private readonly started = new Map<string, boolean>();

  /** Add to `Connection.connect({ interceptors })` of the client the intake uses. */
  readonly interceptor: Interceptor = (options, nextCall) => {
    if (options.method_definition.path !== SIGNAL_WITH_START) return new InterceptingCall(nextCall(options));
    let callId: string | undefined;
    return new InterceptingCall(nextCall(options), {
      start: (metadata, listener, next) => {
        callId = metadata.get(CALL_HEADER)[0]?.toString();
        next(metadata, {
          onReceiveMessage: (message: Buffer, nextMessage) => {
            if (callId) {
              try {
                this.started.set(callId, SignalWithStartWorkflowExecutionResponse.decode(message).started);
              } catch {
                // An answer we cannot read leaves the outcome unknown; the call itself goes on.
              }
            }
            nextMessage(message);
          },
        });
      },
    });
  };

  /** Runs one signalWithStart; `started` is undefined when the connection has no interceptor. */
  async track<T>(
    connection: ConnectionLike,
    call: () => Promise<T>,
  ): Promise<{ result: T; started?: boolean }> {
    const callId = randomUUID();
    try {
      const result = await connection.withMetadata({ [CALL_HEADER]: callId }, call);
      return { result, started: this.started.get(callId) };
    } finally {
      this.started.delete(callId);
    }
  }
}
