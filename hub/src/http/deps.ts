/** What the hub's HTTP server reads: configuration, the store, the resolver, the link, Git. */
import type { Logger } from '@gitfleet/proto';
import type { Registry } from 'prom-client';
import type { RegistrationStorePort } from '../store/registration-store.ts';
import type { HubConfig } from '../config.ts';
import type { GitPoller } from '../git/poller.ts';
import type { AgentLinkServer } from '../link/agent-link-server.ts';
import type { DeliveryQueue } from '../queue/delivery-queue.ts';
import type { Resolver } from '../resolve/resolver.ts';
import type { HubStore } from '../store/port.ts';
import type { OidcAuthenticator } from './oidc.ts';
import type { DiffPreviewDeps } from './preview.ts';
import type { RolloutController } from '../rollout/controller.ts';
import type { LiveEventSettings } from './events/settings.ts';
import type { FleetHistory } from '../git/fleet-history.ts';
import type { FleetWriter } from '../git/fleet-writer.ts';
import type { GitRepo, GitSource } from '../git/port.ts';

export interface HttpServerDeps {
  readonly config: Pick<
    HubConfig,
    | 'httpAddress'
    | 'webhookSecret'
    | 'heartbeatIntervalMs'
    | 'fleetRepo'
    | 'apiTokens'
    | 'metricsAuth'
    | 'uiDir'
    | 'oidc'
  >;
  readonly store: HubStore;
  readonly resolver: Pick<Resolver, 'fleet' | 'status' | 'trigger'>;
  readonly queue: Pick<DeliveryQueue, 'counts'>;
  readonly link: Pick<AgentLinkServer, 'connectedTargets'> &
    Partial<Pick<AgentLinkServer, 'deliveryLatency' | 'metrics'>>;
  readonly poller: Pick<GitPoller, 'trigger' | 'status'>;
  readonly logger: Logger;
  /** OIDC bearer tokens (absent: static tokens only). */
  readonly oidc?: OidcAuthenticator;
  readonly now?: () => number;
  /** Git and the fleet repository, for `GET /api/v1/diff` (absent: that route answers 404). */
  readonly preview?: DiffPreviewDeps;
  /** Rollouts (absent: those routes answer 404). */
  readonly rollouts?: RolloutRouteDeps;
  /** Unexpected errors the process guard caught (absent: not run as a binary; the metric is 0). */
  readonly unexpectedErrors?: () => number;
  /** Families of other parts of the hub (registration, source renders), served on `/metrics`. */
  readonly metrics?: readonly Registry[];
  /** Registration tokens and revocations (absent: those routes answer 404). */
  readonly registration?: RegistrationRouteDeps;
  /** The change feed and limits of `GET /api/v1/events` (absent: that route answers 404). */
  readonly live?: LiveEventSettings;
  /** Pins in force and promotions (absent: those routes answer 404). */
  readonly pins?: PinRouteDeps;
}

/** The target routes' part of the deps: registration tokens and revocations. */
export interface RegistrationRouteDeps {
  readonly store: Pick<RegistrationStorePort, 'createToken' | 'revoke'>;
  /** Whether the target is declared in the fleet in force (undefined: none in force yet). */
  readonly isDeclared: (target: string) => boolean | undefined;
  readonly now?: () => number;
}

/** The rollout routes' part of the deps. */
export interface RolloutRouteDeps {
  readonly rollouts: Pick<RolloutController, 'list' | 'view' | 'plan' | 'command'>;
}

/** The pin routes' part of the deps: Git reads of the fleet, its history, and a writer. */
export interface PinRouteDeps {
  readonly git: Pick<GitSource, 'readFiles'>;
  /** The fleet repository and branch (credentials come from the writer's credential source). */
  readonly fleetRepo: GitRepo & { readonly branch: string };
  readonly history: Pick<FleetHistory, 'pinsSetBy'>;
  readonly writer: Pick<FleetWriter, 'write'>;
}
