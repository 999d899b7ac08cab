/** Entry point of the analytic lane's worker threads (see pool.ts). */
import { CONSUMERS } from "./consumers.js";
import { serveConsumers } from "./worker-runtime.js";

serveConsumers(CONSUMERS);
