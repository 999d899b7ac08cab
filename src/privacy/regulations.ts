/**
 * Data-subject requests, answered one at a time in the background: suppress (the collector drops their new
 * events), delete (every row about them leaves the store), both, or unsuppress. A request is stored before
 * it is acknowledged, with its subjects kept in clear only until it finishes, so a restart resumes it; the
 * record that stays holds salted hashes and counts.
 */
import { randomUUID } from "node:crypto";
import type { Engine } from "../store/engine.js";
import { formatTime } from "../store/time.js";
import {
  dropSubjects,
  erasePeople,
  getRegulation,
  hashesOfRegulations,
  loadSubjects,
  type People,
  type Regulation,
  type RegulationType,
  resolvePeople,
  saveRegulation,
  saveSubjects,
  suppressingRegulations,
  unfinishedRegulations,
  writeSuppressions,
} from "./store.js";
import type { Suppressions } from "./suppressions.js";

export const REGULATION_TYPES = ["suppress", "delete", "suppress_and_delete", "unsuppress"] as const;
export const MAX_SUBJECTS = 5_000;

export interface RegulationEffects {
  /** The people's data left the store: in-memory state (context index, caches) forgets them too. */
  forget(people: People): void;
}

export class Regulations {
  private queue: Promise<unknown> = Promise.resolve();
  private running = 0;

  constructor(
    private readonly engine: Engine,
    private readonly suppressions: Suppressions,
    private readonly effects: RegulationEffects,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  /** Regulations waiting or running here now. */
  get pending(): number {
    return this.running;
  }

  /** Stores the request (subjects in clear until it finishes) and queues it; resolves once stored. */
  async submit(type: RegulationType, subjects: string[]): Promise<Regulation> {
    const regulation: Regulation = {
      id: randomUUID(),
      type,
      status: "initialized",
      subjectHashes: subjects.map((s) => this.suppressions.hash(s.trim())),
      subjects: subjects.length,
      customers: 0,
      rows: {},
      error: "",
      createdAt: formatTime(Date.now()),
      finishedAt: null,
    };
    await saveSubjects(this.engine, regulation.id, subjects);
    await saveRegulation(this.engine, regulation);
    this.enqueue(regulation);
    return regulation;
  }

  /** Queues the regulations a restart interrupted; returns how many. */
  async resume(): Promise<number> {
    const unfinished = await unfinishedRegulations(this.engine);
    // Oldest first, as they were asked.
    for (const regulation of unfinished.reverse()) this.enqueue(regulation);
    return unfinished.length;
  }

  /** Resolves once everything queued so far has finished (or failed). */
  async idle(): Promise<void> {
    await this.queue;
  }

  private enqueue(regulation: Regulation): void {
    this.running++;
    this.queue = this.queue
      .then(() => this.run(regulation))
      .catch((error) => this.log(`regulation ${regulation.id} could not record its outcome`, error))
      .finally(() => {
        this.running--;
      });
  }

  private async run(queued: Regulation): Promise<void> {
    let regulation: Regulation = { ...((await getRegulation(this.engine, queued.id)) ?? queued) };
    const save = async (change: Partial<Regulation>) => {
      regulation = { ...regulation, ...change };
      await saveRegulation(this.engine, regulation);
    };
    try {
      await save({ status: "running" });
      const subjects = await loadSubjects(this.engine, regulation.id);
      const people = await resolvePeople(this.engine, subjects);
      await save({ customers: people.customers.length });
      if (regulation.type === "suppress" || regulation.type === "suppress_and_delete") {
        // Suppressed first, so nothing new of theirs is stored while their data is erased.
        const hashes = this.hashesOf(people);
        await writeSuppressions(this.engine, hashes, true, regulation.id);
        this.suppressions.add(hashes);
      }
      if (regulation.type === "unsuppress") {
        // Everything the regulations that suppressed them suppressed (identifiers since erased included).
        const own = this.hashesOf(people);
        const hashes = [
          ...new Set([
            ...own,
            ...(await hashesOfRegulations(this.engine, await suppressingRegulations(this.engine, own))),
          ]),
        ];
        await writeSuppressions(this.engine, hashes, false, regulation.id);
        this.suppressions.remove(hashes);
      }
      if (regulation.type === "delete" || regulation.type === "suppress_and_delete") {
        const rows = await erasePeople(this.engine, people);
        this.effects.forget(people);
        await save({ rows });
      }
      await dropSubjects(this.engine, regulation.id);
      await save({ status: "finished", finishedAt: formatTime(Date.now()) });
    } catch (error) {
      this.log(`regulation ${regulation.id} failed`, error);
      // The subjects in clear go in any case; the record says what failed, and the request can be sent again.
      await dropSubjects(this.engine, regulation.id).catch(() => undefined);
      await save({
        status: "failed",
        error: (error as Error).message ?? String(error),
        finishedAt: formatTime(Date.now()),
      });
    }
  }

  /** The hashes to suppress: every typed form of each subject and every identifier of their customers. */
  private hashesOf(people: People): string[] {
    return people.identifiers.map((id) => this.suppressions.hash(id));
  }
}
