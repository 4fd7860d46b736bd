import { randomBytes } from 'node:crypto';

export const RUN_ID_PATTERN = /^sess_[0-9a-f]{12}$/;

export function newRunId(): string {
  return `sess_${randomBytes(6).toString('hex')}`;
}
