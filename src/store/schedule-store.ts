import type { ScheduleRecord } from '../domain/schedule.js';
import { IdRecordStore } from './id-record-store.js';

/** Schedules, in `schedules.json`. */
export type ScheduleStore = IdRecordStore<ScheduleRecord>;
export const openScheduleStore = (path: string): Promise<ScheduleStore> => IdRecordStore.open<ScheduleRecord>(path, 'schedules');
