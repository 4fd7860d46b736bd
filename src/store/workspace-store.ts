import type { Experiment, RuntimeSettings } from '../domain/workspace.js';
import { JsonDocument } from './json-document.js';

interface WorkspaceData {
  version: 1;
  settings: RuntimeSettings;
  experiments: Experiment[];
}

/** Runtime settings and experiments, in `workspace.json`. Callers mutate `data`, then `save()`. */
export class WorkspaceStore {
  private constructor(private readonly document: JsonDocument<WorkspaceData>) {}

  static async open(path: string): Promise<WorkspaceStore> {
    return new WorkspaceStore(await JsonDocument.open<WorkspaceData>(path, { kind: 'workspace', empty: { version: 1, settings: {}, experiments: [] } }));
  }

  get data(): WorkspaceData {
    return this.document.data;
  }

  save(): Promise<void> {
    return this.document.save();
  }
}
