// Client-side health checking (gRFC A17) for grpc-js, which has round_robin but not the
// `healthCheckConfig` of the service config that grpc-go, grpc-java and grpc core read. This is
// the smallest load-balancing policy that adds it: it wraps a child policy (round_robin) and
// every subchannel it creates; each connected subchannel watches grpc.health.v1 on its own
// connection and counts as usable only while the server says SERVING. A replica that drains for
// shutdown, or whose database or model fails, so gets no calls until it recovers.
import {
  Client,
  connectivityState,
  credentials,
  experimental,
  Metadata,
  status,
  type ChannelOptions,
  type ClientReadableStream,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  HealthCheckRequest,
  HealthCheckResponse_ServingStatus,
  HealthService,
  type HealthCheckResponse,
} from '@cortex/proto/grpc/health/v1/health';

/** The policy's name in a service config's `loadBalancingConfig`. */
export const HEALTH_CHECKING_POLICY = 'cortex_health_checking';

/** `{ serviceName, childPolicy }` of the policy, as JSON in a service config. */
export interface HealthCheckingJson {
  /** The grpc.health.v1 service to watch; '' is the whole server. */
  readonly serviceName?: string;
  /** The policy that picks among the healthy subchannels, e.g. `[{ round_robin: {} }]`. */
  readonly childPolicy: ReadonlyArray<Record<string, unknown>>;
}

/**
 * A service config that spreads calls round-robin over every address the target resolves to
 * (all replicas behind a `dns:///name:port`), skipping any whose overall health is not SERVING.
 */
export function roundRobinOverHealthy(): string {
  registerHealthChecking();
  const config: HealthCheckingJson = { serviceName: '', childPolicy: [{ round_robin: {} }] };
  return JSON.stringify({ loadBalancingConfig: [{ [HEALTH_CHECKING_POLICY]: config }] });
}

/** Makes the policy known to grpc-js (once per process; the registry is grpc-js's own). */
export function registerHealthChecking(): void {
  if (!experimental.isLoadBalancerNameRegistered(HEALTH_CHECKING_POLICY)) {
    experimental.registerLoadBalancerType(HEALTH_CHECKING_POLICY, HealthCheckingBalancer, HealthCheckingConfig);
  }
}

class HealthCheckingConfig implements experimental.TypedLoadBalancingConfig {
  constructor(
    readonly serviceName: string,
    readonly child: experimental.TypedLoadBalancingConfig,
  ) {}

  getLoadBalancerName(): string {
    return HEALTH_CHECKING_POLICY;
  }

  toJsonObject(): object {
    return { [HEALTH_CHECKING_POLICY]: { serviceName: this.serviceName, childPolicy: [this.child.toJsonObject()] } };
  }

  static createFromJson(json: unknown): HealthCheckingConfig {
    const { serviceName = '', childPolicy } = (json ?? {}) as Partial<HealthCheckingJson>;
    if (typeof serviceName !== 'string') throw new Error('serviceName must be a string');
    if (!Array.isArray(childPolicy)) throw new Error('childPolicy must be a list of load-balancing configs');
    const child = experimental.selectLbConfigFromList(childPolicy as Parameters<typeof experimental.selectLbConfigFromList>[0]);
    if (child === null) throw new Error(`childPolicy names no known policy: ${JSON.stringify(childPolicy)}`);
    return new HealthCheckingConfig(serviceName, child);
  }
}

class HealthCheckingBalancer implements experimental.LoadBalancer {
  readonly #child: experimental.ChildLoadBalancerHandler;
  #serviceName = '';

  constructor(helper: experimental.ChannelControlHelper) {
    this.#child = new experimental.ChildLoadBalancerHandler(
      experimental.createChildChannelControlHelper(helper, {
        createSubchannel: (address, options) => new HealthCheckedSubchannel(helper.createSubchannel(address, options), this.#serviceName),
        updateState: (state, picker, errorMessage) => helper.updateState(state, unwrapping(picker), errorMessage),
      }),
    );
  }

  updateAddressList(
    endpoints: experimental.StatusOr<experimental.Endpoint[]>,
    config: experimental.TypedLoadBalancingConfig,
    options: ChannelOptions,
    resolutionNote: string,
  ): boolean {
    if (!(config instanceof HealthCheckingConfig)) return false;
    this.#serviceName = config.serviceName;
    return this.#child.updateAddressList(endpoints, config.child, options, resolutionNote);
  }

  exitIdle(): void {
    this.#child.exitIdle();
  }

  resetBackoff(): void {
    this.#child.resetBackoff();
  }

  destroy(): void {
    this.#child.destroy();
  }

  getTypeName(): string {
    return HEALTH_CHECKING_POLICY;
  }
}

/** A policy that wraps subchannels hands the channel the wrapped ones (grpc-js's convention). */
function unwrapping(picker: experimental.Picker): experimental.Picker {
  return {
    pick(args) {
      const result = picker.pick(args);
      return result.subchannel instanceof HealthCheckedSubchannel ? { ...result, subchannel: result.subchannel.wrapped } : result;
    },
  };
}

const { READY, CONNECTING } = connectivityState;

/**
 * A subchannel that is READY only once its server has answered the health watch, and healthy
 * only while the answer is SERVING: the leaf pick_first under round_robin then reports it as
 * failed and round_robin leaves it out. A server without the health service (UNIMPLEMENTED)
 * counts as healthy, as A17 says; any other failure of the watch counts as unhealthy and the
 * watch is retried with backoff while the connection lasts.
 */
class HealthCheckedSubchannel extends experimental.BaseSubchannelWrapper {
  readonly #serviceName: string;
  readonly #listeners = new Set<experimental.ConnectivityStateListener>();
  readonly #retry = new experimental.BackoffTimeout(() => this.#startWatch());
  /** The server's last answer on the current connection; undefined: none yet. */
  #serving: boolean | undefined;
  #reported: connectivityState;
  #keepaliveTime = -1;
  #watch: ClientReadableStream<HealthCheckResponse> | undefined;
  #attached = false;

  constructor(child: experimental.SubchannelInterface, serviceName: string) {
    super(child);
    this.#serviceName = serviceName;
    this.#reported = this.getConnectivityState();
    this.#retry.unref();
  }

  get wrapped(): experimental.SubchannelInterface {
    return this.child;
  }

  override getConnectivityState(): connectivityState {
    const state = this.child.getConnectivityState();
    return state === READY && this.#serving === undefined ? CONNECTING : state;
  }

  override addConnectivityStateListener(listener: experimental.ConnectivityStateListener): void {
    this.#listeners.add(listener);
  }

  override removeConnectivityStateListener(listener: experimental.ConnectivityStateListener): void {
    this.#listeners.delete(listener);
  }

  /** Follows the connection from the first reference on (a subchannel is referenced while used). */
  override ref(): void {
    super.ref();
    if (this.#attached) return;
    this.#attached = true;
    this.child.addConnectivityStateListener(this.#onChildState);
    if (this.child.getConnectivityState() === READY) this.#startWatch();
  }

  protected override destroy(): void {
    super.destroy();
    this.#attached = false;
    this.child.removeConnectivityStateListener(this.#onChildState);
    this.#stopWatch();
  }

  readonly #onChildState: experimental.ConnectivityStateListener = (_subchannel, _previous, state, keepaliveTime, errorMessage) => {
    this.#keepaliveTime = keepaliveTime;
    if (state === READY) this.#startWatch();
    else this.#stopWatch();
    this.#report(errorMessage);
  };

  #startWatch(): void {
    if (this.#watch !== undefined || this.child.getConnectivityState() !== READY) return;
    const client = new Client('unused', credentials.createInsecure(), { channelOverride: this.getChannel() });
    const method = HealthService.watch;
    const watch = client.makeServerStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      HealthCheckRequest.fromPartial({ service: this.#serviceName }),
      new Metadata(),
      {},
    );
    this.#watch = watch;
    watch.on('data', (response: HealthCheckResponse) => {
      this.#retry.reset();
      this.#answer(response.status === HealthCheckResponse_ServingStatus.SERVING);
    });
    watch.on('error', () => undefined); // The outcome is read from 'status'.
    watch.on('status', (outcome: StatusObject) => {
      if (this.#watch !== watch) return; // Cancelled by us.
      this.#watch = undefined;
      if (outcome.code === status.UNIMPLEMENTED) {
        this.#answer(true); // No health service: nothing to go by, so usable.
        return;
      }
      this.#answer(false);
      this.#retry.runOnce();
    });
  }

  #stopWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    this.#serving = undefined;
    this.#retry.stop();
    this.#retry.reset();
    watch?.cancel();
  }

  #answer(serving: boolean): void {
    this.#serving = serving;
    this.setHealthy(serving); // Before READY is reported, so the first pick already sees it.
    this.#report();
  }

  /** Tells the listeners about a change of the state this wrapper reports. */
  #report(errorMessage?: string): void {
    const previous = this.#reported;
    const state = this.getConnectivityState();
    if (state === previous) return;
    this.#reported = state;
    for (const listener of [...this.#listeners]) listener(this, previous, state, this.#keepaliveTime, errorMessage);
  }
}
