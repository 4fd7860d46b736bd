import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RecipeSchema, type Recipe } from '../domain/recipe.js';
import { AppError, ErrorCode, notFound } from '../errors.js';

/**
 * Recipes from `*.yaml` files in the configured folders; a later folder overrides an earlier one's
 * recipe of the same name. A malformed recipe stops the agent at boot, naming the file and field.
 */
export class RecipeCatalog {
  private constructor(private readonly recipes: Map<string, Recipe>) {}

  static async load(dirs: readonly string[]): Promise<RecipeCatalog> {
    const recipes = new Map<string, Recipe>();
    for (const dir of dirs) {
      let files: string[];
      try {
        files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const file of files) {
        const recipe = await loadRecipe(join(dir, file), dir);
        recipes.set(recipe.name, recipe);
      }
    }
    return new RecipeCatalog(recipes);
  }

  list(): Recipe[] {
    return [...this.recipes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): Recipe {
    const recipe = this.recipes.get(name);
    if (!recipe) {
      const known = [...this.recipes.keys()];
      throw notFound(`Recipe '${name}' not found. Known recipes: ${known.join(', ') || 'none'}`);
    }
    return recipe;
  }

  has(name: string): boolean {
    return this.recipes.has(name);
  }

  /** The values each recipe allows for an enum parameter (e.g. `model_architecture`), recipes without it left out. */
  enumChoices(param: string): { recipe: string; values: string[] }[] {
    return this.list().flatMap((recipe) => {
      const spec = recipe.params[param];
      return spec?.type === 'enum' ? [{ recipe: recipe.name, values: spec.values }] : [];
    });
  }
}

async function loadRecipe(path: string, dir: string): Promise<Recipe> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.Config, `Recipe ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = RecipeSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new AppError(ErrorCode.Config, `Recipe ${path} is invalid: ${issues}`);
  }
  return { ...parsed.data, dir };
}
