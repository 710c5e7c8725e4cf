// Child process for teardown.int.test.ts: starts a 1-cluster fleet with Redis, prints every pid it
// owns as one JSON line, then waits to be killed.
import { startFleet } from '../fleet/fleet.ts';

const fleet = await startFleet({ clusters: 1, git: false });
const procs = fleet.kube?.clusters.flatMap((c) => c.processes) ?? [];
const pids = procs.flatMap((p) => [p.pid, ...p.descendants()]);
process.stdout.write(`${JSON.stringify({ pids, redisPort: fleet.redis?.port })}\n`);
setInterval(() => undefined, 60_000);
