/**
 * VLM prompt templates live in prompts/*.md so they can be tuned without touching code. `{{name}}`
 * placeholders are filled from the window context; an unknown placeholder is an error, not a silent blank.
 */
import fs from 'node:fs';
import { assetPath } from '../common/assets';

export interface PromptTemplates {
  system: string;
  user: string;
}

export function loadPromptTemplates(dir = assetPath('prompts')): PromptTemplates {
  const read = (name: string) => fs.readFileSync(`${dir}/${name}`, 'utf8').trim();
  return { system: read('vlm-system.md'), user: read('vlm-user.md') };
}

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`prompt template placeholder {{${key}}} has no value`);
    return values[key];
  });
}
