import type { StudyRecord } from '../domain/hpo.js';
import { IdRecordStore } from './id-record-store.js';

/** HPO studies with their trials, in `studies.json`. */
export type StudyStore = IdRecordStore<StudyRecord>;
export const openStudyStore = (path: string): Promise<StudyStore> => IdRecordStore.open<StudyRecord>(path, 'studies');
