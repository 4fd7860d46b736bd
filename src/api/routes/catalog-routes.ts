import Router from '@koa/router';
import type { Recipe } from '../../domain/recipe.js';
import { TFJS_ARCHITECTURES, TFJS_LOSSES, TFJS_OPTIMIZERS } from '../../domain/training-plan.js';
import { trainingEngines } from '../../monitor/training-engines.js';
import type { ApiServices } from '../services.js';

/** Recipes: what a run can be started with, and the TF.js recipe's architectures and engines (datasets are in dataset-routes.ts). */
export function catalogRoutes({ recipes, runs }: ApiServices): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.get('/recipes', (ctx) => {
    ctx.body = recipes.list().map((recipe) => recipeView(recipe, runs.defaultRecipe));
  });
  router.get('/recipes/:name', (ctx) => {
    ctx.body = recipeView(recipes.get(ctx.params.name!), runs.defaultRecipe);
  });
  router.get('/architectures', (ctx) => {
    ctx.body = {
      recipe: 'tfjs',
      architectures: TFJS_ARCHITECTURES,
      losses: TFJS_LOSSES,
      optimizers: TFJS_OPTIMIZERS,
      engines: trainingEngines(),
    };
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
