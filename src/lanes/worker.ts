/** Entry point of the analytic lane's worker threads (see pool.ts). */
import { CONSUMERS, WARM_UPS } from "./consumers.js";
import { serveConsumers } from "./worker-runtime.js";

serveConsumers(CONSUMERS, WARM_UPS);
