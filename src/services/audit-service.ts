import type { AuditEntry } from '../domain/workspace.js';
import type { AuditLog } from '../store/audit-log.js';

/** Records configuration changes and chat write commands; readable through the API. */
export class AuditService {
  constructor(private readonly log: AuditLog) {}

  record(entry: Omit<AuditEntry, 'ts'>): Promise<void> {
    return this.log.append({ ts: new Date().toISOString(), ...entry });
  }

  recent(limit: number): Promise<AuditEntry[]> {
    return this.log.recent(limit);
  }
}
