import Router from '@koa/router';
import type { Recipe } from '../../domain/recipe.js';
import type { ApiServices } from '../services.js';

/** Datasets (seed 000's list and get) and recipes: what a run can be started with. */
export function catalogRoutes({ datasets, recipes, runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.get('/datasets', async (ctx) => {
    ctx.body = await datasets.list();
  });
  router.get('/datasets/:name', async (ctx) => {
    ctx.body = await datasets.get(ctx.params.name!);
  });
  router.get('/recipes', (ctx) => {
    ctx.body = recipes.list().map((recipe) => recipeView(recipe, runs.defaultRecipe));
  });
  router.get('/recipes/:name', (ctx) => {
    ctx.body = recipeView(recipes.get(ctx.params.name!), runs.defaultRecipe);
  });
  return router;
}

function recipeView(recipe: Recipe, defaultRecipe: string) {
  return {
    name: recipe.name,
    description: recipe.description,
    backend: recipe.backend,
    default: recipe.name === defaultRecipe,
    gpus: recipe.gpus,
    priority: recipe.priority,
    params: recipe.params,
  };
}
