import { BaseCommand } from '../base-command.js';
import { formatTable, formatValue } from '../format.js';
import type { RecipeParam } from '../../client/trainer-client.js';

export default class Recipes extends BaseCommand {
  static description = 'List the recipes runs can be started with, and their parameters.';

  static examples = ['<%= config.bin %> recipes', '<%= config.bin %> recipes --json'];

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Recipes);
    const recipes = await this.clientFor(flags).recipes();
    if (recipes.length === 0) {
      this.log('No recipes.');
      return recipes;
    }
    const blocks = recipes.map((recipe) => {
      const head = `${recipe.default ? '*' : ' '} ${recipe.name}  [${recipe.backend}]${recipe.gpus ? `  gpus ${recipe.gpus}` : ''}${recipe.description ? `  ${recipe.description}` : ''}`;
      const params = Object.entries(recipe.params);
      if (params.length === 0) return `${head}\n    (no parameters)`;
      const table = formatTable(
        ['PARAM', 'TYPE', 'DEFAULT', 'DESCRIPTION'],
        params.map(([name, spec]) => [name, describeType(spec), spec.default === undefined ? null : formatValue(spec.default), spec.description]),
      );
      return `${head}\n${table.replace(/^/gm, '    ')}`;
    });
    this.log(blocks.join('\n\n'));
    this.log('\n* default recipe');
    return recipes;
  }
}

function describeType(spec: RecipeParam): string {
  if (spec.type === 'enum') return spec.values.join('|');
  if ((spec.type === 'float' || spec.type === 'int') && (spec.min !== undefined || spec.max !== undefined))
    return `${spec.type} ${spec.min ?? ''}..${spec.max ?? ''}`;
  return spec.type;
}
