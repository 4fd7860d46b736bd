import type { RecipeCatalog } from './recipe-catalog.js';

/**
 * Seed 000's `model_architecture` against what the chosen recipe builds. Names of large published
 * networks (`resnet50`, `vgg16`, `bert-base`…) are refused, never aliased: a run that says it trained
 * resnet50 must have trained resnet50. The refusal lists every recipe's architectures, so that the
 * client can pick one (and a recipe with `"recipe"`).
 */
export function architectureRefusal(recipes: RecipeCatalog, recipeName: string, architecture: string): string | null {
  const choices = recipes.enumChoices('model_architecture');
  const own = choices.find((choice) => choice.recipe === recipeName);
  if (!own || own.values.includes(architecture)) return null;
  const elsewhere = choices.filter((choice) => choice.recipe !== recipeName && choice.values.includes(architecture)).map((choice) => choice.recipe);
  const all = choices.map((choice) => `${choice.recipe}: ${choice.values.join(', ')}`).join('; ');
  const hint =
    elsewhere.length > 0
      ? ` Recipe ${elsewhere.map((name) => `'${name}'`).join(' or ')} builds it: add "recipe": "${elsewhere[0]}".`
      : /^resnet/i.test(architecture) && own.values.includes('resnet-mini')
        ? ` Published networks are not aliased; resnet-mini is this agent's small residual network.`
        : '';
  return `model_architecture '${architecture}' is not one that recipe '${recipeName}' builds (${own.values.join(', ')}). Architectures by recipe: ${all}.${hint}`;
}
