/** `{name}` placeholders; `{{` and `}}` are literal braces. */
const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

export function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(TOKEN)) if (m[1] !== undefined) names.push(m[1].trim());
  return names;
}

export function substitute(text: string, value: (name: string) => string): string {
  return text.replace(TOKEN, (tok, name: string | undefined) => {
    if (name === undefined) return tok[0];
    return value(name.trim());
  });
}
