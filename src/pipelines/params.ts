import { badPipeline } from './errors';
import type { ParamSpec, ParamValue, ParamValues, PipelineTemplate } from './schema';

/**
 * Merges user overrides (typed values or CLI strings) over the template's defaults and checks each
 * against its spec. Unknown names are rejected so a typo never silently falls back to a default.
 */
export function resolveParams(tpl: Pick<PipelineTemplate, 'name' | 'params'>, overrides: Record<string, unknown>): ParamValues {
  const out: ParamValues = {};
  for (const key of Object.keys(overrides)) {
    if (overrides[key] === undefined) continue;
    if (!(key in tpl.params)) {
      const known = Object.keys(tpl.params);
      throw badPipeline(`pipeline '${tpl.name}' has no parameter '${key}' (it takes: ${known.length ? known.join(', ') : 'none'})`);
    }
  }
  for (const [name, spec] of Object.entries(tpl.params)) {
    const given = overrides[name];
    out[name] = checkValue(tpl.name, name, spec, given === undefined ? spec.default : given);
  }
  return out;
}

function describe(spec: ParamSpec): string {
  switch (spec.type) {
    case 'int':
    case 'number': {
      const kind = spec.type === 'int' ? 'an integer' : 'a number';
      if (spec.min !== undefined && spec.max !== undefined) return `${kind} between ${spec.min} and ${spec.max}`;
      if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
      if (spec.max !== undefined) return `${kind} <= ${spec.max}`;
      return kind;
    }
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'string':
      return spec.pattern ? `a string matching /${spec.pattern}/` : 'a string';
  }
}

function checkValue(pipeline: string, name: string, spec: ParamSpec, value: unknown): ParamValue {
  const fail = () => badPipeline(`pipeline '${pipeline}': parameter '${name}' must be ${describe(spec)}, got ${JSON.stringify(value)}`);
  switch (spec.type) {
    case 'int':
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw fail();
      if (spec.type === 'int' && !Number.isInteger(n)) throw fail();
      if (spec.min !== undefined && n < spec.min) throw fail();
      if (spec.max !== undefined && n > spec.max) throw fail();
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw fail();
    }
    case 'enum': {
      if (typeof value !== 'string' || !spec.values.includes(value)) throw fail();
      return value;
    }
    case 'string': {
      if (typeof value !== 'string') throw fail();
      if (spec.pattern && !new RegExp(spec.pattern).test(value)) throw fail();
      return value;
    }
  }
}
