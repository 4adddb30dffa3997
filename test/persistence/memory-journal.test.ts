import { MemoryJournal, MemoryJournalStore } from '../../src/persistence/memory-journal.js';
import { journalContract } from './journal-contract.js';

journalContract('MemoryJournal', async () => {
  const store = new MemoryJournalStore();
  let current = new MemoryJournal(store);
  return {
    journal: current,
    async reopen() {
      await current.close();
      current = new MemoryJournal(store);
      return current;
    },
    async cleanup() {
      await current.close();
    },
  };
});
