/**
 * The operator docs name real things: every `video-agent <command> --flag` is an option of that command,
 * every E_ code is raised somewhere in src/, every environment variable is read by the code or the deploy
 * files, and every repository path exists. A rename in the code without the docs fails here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = ['deployment.md', 'operations.md', 'troubleshooting.md'].map((f) => path.join('docs', f));

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'secrets') filesUnder(rel, out); } else out.push(rel);
  }
  return out;
}

describe('docs: operator docs reference what exists', function () {
  this.timeout(60_000);
  const text = Object.fromEntries(DOCS.map((d) => [d, fs.readFileSync(path.join(ROOT, d), 'utf8')]));
  const code = ['src', 'deploy', 'scripts', 'bin', 'config'].flatMap((d) => filesUnder(d)).map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n')
    + (fs.existsSync(path.join(ROOT, '.env.example')) ? fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8') : '');

  it('every `video-agent <command> --flag` is an option of that command', () => {
    const program = buildProgram();
    const problems: string[] = [];
    let checked = 0;
    for (const [doc, body] of Object.entries(text)) {
      // A command line runs to the end of its code span, line, comment or shell operator.
      for (const m of body.matchAll(/video-agent ((?:[a-z][a-z-]*)(?: [^`\n#;|&)?]*)?)/g)) {
        const words = m[1]!.trim().split(/\s+/);
        const top = program.commands.find((c) => c.name() === words[0]);
        if (!top) {
          // Prose such as "video-agent serve" is a command; "video-agent for real" is not checked.
          if (/^(analyze|ingest|worker|migrate|emulate|endpoints|eval|serve|streams|export|highlights)$/.test(words[0]!)) problems.push(`${doc}: unknown command ${words[0]}`);
          continue;
        }
        let cmd: Command = top;
        const sub = top.commands.find((c) => c.name() === words[1]);
        if (sub) cmd = sub;
        const longs = new Set(cmd.options.map((o) => o.long).filter(Boolean));
        for (const w of words) {
          const flag = /^(--[a-z][a-z-]*)/.exec(w)?.[1];
          if (!flag || flag === '--help') continue;
          checked++;
          // commander's --no-x options are listed as --no-x.
          if (!longs.has(flag)) problems.push(`${doc}: video-agent ${cmd.parent?.name() === 'video-agent' ? '' : `${cmd.parent?.name()} `}${cmd.name()} has no option ${flag} (in "${m[0].trim()}")`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 10, `flags checked: ${checked}`);
  });

  it('every E_ code in the docs is raised in src/', () => {
    const missing: string[] = [];
    for (const [doc, body] of Object.entries(text)) {
      for (const c of new Set(body.match(/\bE_[A-Z0-9_]+\b/g) ?? [])) if (!code.includes(`'${c}'`) && !code.includes(`"${c}"`)) missing.push(`${doc}: ${c}`);
    }
    assert.deepEqual(missing, []);
  });

  it('every environment variable in the docs is read by the code or the deploy files', () => {
    const missing: string[] = [];
    const re = /\b(?:VIDEO_AGENT|RUNPOD|S3|AWS|DATABASE|REDIS|LIVEKIT|VLM|PG|PROMETHEUS|GRAFANA|DETECTION|AUDIO|HIGHLIGHTS|MEDIA|ACME)_[A-Z0-9_]*[A-Z0-9]\b/g;
    for (const [doc, body] of Object.entries(text)) {
      for (const v of new Set(body.match(re) ?? [])) {
        // NAME_FILE is read wherever NAME goes through secretEnv (src/config/secret-env.ts).
        const base = v.endsWith('_FILE') ? v.slice(0, -'_FILE'.length) : v;
        if (!code.includes(v) && !code.includes(base)) missing.push(`${doc}: ${v}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('every repository path in the docs exists', () => {
    const missing: string[] = [];
    const re = /`((?:deploy|scripts|sql|config|runpod-handlers|src|docs|test|pipelines)\/[A-Za-z0-9_./-]+)`/g;
    for (const [doc, body] of Object.entries(text)) {
      for (const m of body.matchAll(re)) {
        const p = m[1]!.replace(/[.,:]$/, '');
        // Made by the operator (from deploy/.env.example), or a pattern.
        if (p === 'deploy/.env' || /NNN/.test(p)) continue;
        if (!fs.existsSync(path.join(ROOT, p))) missing.push(`${doc}: ${p}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
