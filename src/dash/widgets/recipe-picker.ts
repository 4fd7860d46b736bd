import type { DashState } from '../dash-state.js';
import { fit, listWindow, type PanelView } from '../text.js';

/** The recipe picker behind `s`: name and description of each recipe the agent can run. */
export function recipePickerView(state: DashState, index: number, size: { width: number; height: number }): PanelView {
  const label = ' Start a run: pick a recipe (↑↓ Enter, Esc cancel) ';
  if (state.recipes === null) return { label, lines: ['Loading recipes…'] };
  if (state.recipes.length === 0) return { label, lines: ['The agent has no recipes.'] };
  const nameWidth = Math.min(24, Math.max(...state.recipes.map((recipe) => recipe.name.length)) + 1);
  const items = state.recipes.map((recipe) => fit(`${recipe.name.padEnd(nameWidth)} ${recipe.description}${recipe.default ? ' (default)' : ''}`, size.width));
  return { label, lines: listWindow(items, index, size.height) };
}
