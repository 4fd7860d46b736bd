import { resolveParams } from '../domain/recipe.js';
import type { RuntimeSettings } from '../domain/workspace.js';
import { invalid } from '../errors.js';
import type { WorkspaceStore } from '../store/workspace-store.js';
import type { AuditService } from './audit-service.js';
import type { RecipeCatalog } from './recipe-catalog.js';
import type { Scheduler } from './scheduler.js';

export interface EffectiveConfig {
  max_concurrent_sessions: number;
  default_recipe: string;
  default_params: Record<string, unknown>;
}

/**
 * Seed 003's runtime configuration: what can change without a restart, validated, persisted,
 * audited and applied at once (raising the limit starts queued runs right away).
 */
export class RuntimeConfigService {
  constructor(
    private readonly deps: {
      store: WorkspaceStore;
      scheduler: Scheduler;
      recipes: RecipeCatalog;
      audit: AuditService;
      boot: { maxConcurrent: number; defaultRecipe: string };
    },
  ) {}

  /** Applies persisted settings at start-up (they win over the boot configuration). */
  async applyPersisted(): Promise<void> {
    const settings = this.deps.store.data.settings;
    if (settings.default_recipe && !this.deps.recipes.has(settings.default_recipe)) delete settings.default_recipe;
    await this.deps.scheduler.setLimit(this.get().max_concurrent_sessions);
  }

  get(): EffectiveConfig {
    const settings = this.deps.store.data.settings;
    return {
      max_concurrent_sessions: settings.max_concurrent_sessions ?? this.deps.boot.maxConcurrent,
      default_recipe: settings.default_recipe ?? this.deps.boot.defaultRecipe,
      default_params: settings.default_params ?? {},
    };
  }

  async patch(changes: RuntimeSettings, actor: string): Promise<EffectiveConfig> {
    const next = { ...this.get(), ...changes };
    const recipe = this.deps.recipes.get(next.default_recipe);
    if (changes.default_params || changes.default_recipe) {
      // the defaults must make a valid run of the default recipe on their own terms
      try {
        resolveParams(recipe, Object.fromEntries(Object.entries(next.default_params).filter(([name]) => name in recipe.params)));
        const unknown = Object.keys(next.default_params).filter((name) => !(name in recipe.params));
        if (unknown.length > 0) throw invalid(`default_params has parameters that recipe '${recipe.name}' does not take: ${unknown.join(', ')}`);
      } catch (error) {
        throw invalid(`default_params: ${(error as Error).message}`);
      }
    }
    Object.assign(this.deps.store.data.settings, changes);
    await this.deps.store.save();
    await this.deps.audit.record({ actor, via: 'api', action: 'config.patch', target: null, details: { ...changes }, result: 'ok' });
    await this.deps.scheduler.setLimit(next.max_concurrent_sessions);
    return this.get();
  }
}
