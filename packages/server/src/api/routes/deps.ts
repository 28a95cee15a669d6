import type { ManualClock } from '../../clock.js';
import type { ServiceContext } from '../../service/context.js';
import type { Authenticator } from '../auth.js';

export interface RouteDeps {
  svc: ServiceContext;
  auth: Authenticator;
  manualClock: ManualClock | null;
  /** The background engine: runs what is due now, and says when more falls due. */
  engine: {
    runDue(): Promise<void>;
    nextDueAt(): Promise<number | null>;
    status(): { replica_id: string | null; leader: boolean; last_pass_ms: number; lag_ms: number; lease_epoch: number | null };
  };
  version: string;
  openapi: () => Record<string, unknown>;
}
