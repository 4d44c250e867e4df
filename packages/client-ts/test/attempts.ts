import { InterceptingCall, type Interceptor, type status } from '@grpc/grpc-js';

/** Counts call attempts per method name (e.g. `GetMemory`) through a grpc-js client interceptor. */
export class AttemptCounter {
  readonly #counts = new Map<string, number>();
  readonly #listeners: Array<(method: string, code: status) => void> = [];

  readonly interceptor: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '';
    this.#counts.set(method, this.count(method) + 1);
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => {
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            this.#listeners.forEach((l) => l(method, status.code));
            nextStatus(status);
          },
        });
      },
    });
  };

  count(method: string): number {
    return this.#counts.get(method) ?? 0;
  }

  /** Called with the status code of every finished attempt. */
  onStatus(listener: (method: string, code: status) => void): void {
    this.#listeners.push(listener);
  }
}
