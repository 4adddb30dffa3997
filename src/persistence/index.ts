/** Persistence (issue 6): the journal contract, its errors, and the journals. */
export type { Journal, JournalRecord, SnapshotRecord } from './journal.js';
export { WriterConflictError, JournalClosedError, JournalCorruptedError, JournalVersionError } from './errors.js';
export type { WriterConflictDetails } from './errors.js';
export { MemoryJournal, MemoryJournalStore } from './memory-journal.js';
export { FileJournal, repair } from './file-journal.js';
export type { FileJournalOptions, FileJournalStats, FileJournalRecovery, RepairReport } from './file-journal.js';
export { JetStreamJournal, subjectToken, type JetStreamJournalOptions, type JetStreamJournalStats } from './jetstream-journal.js';
// Persistent (event-sourced) actors on the kernel.
export { persistent } from './persistent-actor.js';
export type { PersistentOptions } from './persistent-actor.js';
export type { PersistentContext, PersistentReceive } from './persistent-context.js';
export { PersistFailedError, PersistenceRecoveryError } from './persistent-errors.js';
// The durable run loop: steps committed to a journal, resumed after a crash.
export { runDurable, loadRunTree, runPersistenceId, DurableRunError } from './durable-run.js';
export type { DurableRunOptions, DurableRunReport, DurableRunEvent, StepContext, StepDefinition, RunEventSink, RunTree } from './durable-run.js';
// A durable run as a supervised actor (a restart resumes the run).
export { durableRun } from './durable-run-actor.js';
export type { DurableRunActorOptions, DurableRunMessage, DurableRunOutcome, DurableRunStatus } from './durable-run-actor.js';
