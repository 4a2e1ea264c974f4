/**
 * One rule: what fires an alert and where it goes. The same model serves the config file (`rules:` per
 * stream and in `defaults`), the rules stage's options and the API (`POST /v1/rules`, dry-run).
 *
 * Geometry is in normalised frame coordinates (0..1, x right, y down): a zone drawn once fits every
 * resolution the pipeline may scale the stream to. A track's anchor is its box's bottom centre (where a
 * person stands), divided by the analysed frame's width and height.
 *
 * Webhook secrets never appear here: a target names an environment variable (`secretEnv`) that holds the
 * HMAC key, so config files, `rules` rows and API answers carry only the name.
 */
import { z } from 'zod';

export const RULE_KINDS = ['zone_dwell', 'line_crossing', 'keyword', 'threshold', 'stream_down'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

const ruleId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "use 1-64 letters, digits, '_', '-', '.', ':'");
const unit = z.number().min(0).max(1);
export const pointSchema = z.tuple([unit, unit]).describe('[x, y] normalised 0..1 (x right, y down)');
const classes = z.array(z.string().min(1).max(64)).min(1).max(32).default(['person']).describe('tracked classes the rule watches');
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2048),
  /** Environment variable holding the HMAC secret (>= 16 characters). Default VIDEO_AGENT_WEBHOOK_SECRET. */
  secretEnv: z.string().regex(ENV_NAME, 'an environment variable name').default('VIDEO_AGENT_WEBHOOK_SECRET'),
});
export type WebhookSpec = z.infer<typeof webhookSchema>;

const common = {
  id: ruleId,
  /** Media seconds during which the same rule (and subject: the track, for zones and lines) does not fire again. */
  cooldownS: z.number().min(0).max(86_400).default(10),
  actions: z.strictObject({ webhooks: z.array(webhookSchema).max(8).default([]) }).prefault({}),
};

/** Twice the area (shoelace); zero means the points are collinear. */
function area2(p: [number, number][]): number {
  let a = 0;
  for (let i = 0; i < p.length; i++) { const [x1, y1] = p[i]!; const [x2, y2] = p[(i + 1) % p.length]!; a += x1 * y2 - x2 * y1; }
  return a;
}

export const zoneDwellSchema = z.strictObject({
  ...common,
  kind: z.literal('zone_dwell'),
  polygon: z.array(pointSchema).min(3).max(64)
    .refine((p) => Math.abs(area2(p as [number, number][])) > 1e-9, 'the polygon has no area (its points are collinear)'),
  classes,
  dwellS: z.number().min(0).max(86_400),
  /** A track unseen for longer than this (media seconds) is lost: its time in the zone starts again. */
  lostAfterS: z.number().min(0.1).max(60).default(2),
});

export const lineCrossingSchema = z.strictObject({
  ...common,
  kind: z.literal('line_crossing'),
  line: z.tuple([pointSchema, pointSchema]).refine(([a, b]) => a[0] !== b[0] || a[1] !== b[1], 'the two points of the line must differ'),
  /** Sides as seen walking from line[0] to line[1]; `any` fires both ways. */
  direction: z.enum(['any', 'left_to_right', 'right_to_left']).default('any'),
  classes,
  lostAfterS: z.number().min(0.1).max(60).default(2),
});

export const keywordSchema = z.strictObject({
  ...common,
  kind: z.literal('keyword'),
  /** Words or phrases, matched case-insensitively on word boundaries. */
  words: z.array(z.string().trim().min(1).max(200)).min(1).max(256),
});

export const thresholdSchema = z.strictObject({
  ...common,
  kind: z.literal('threshold'),
  /** event_score: an event's clip-worthiness; emotion: a face's score for `emotion`; highlight_score: a highlight's score. */
  on: z.enum(['event_score', 'emotion', 'highlight_score']),
  min: z.number().min(0),
  emotion: z.string().min(1).max(64).optional(),
}).refine((r) => r.on !== 'emotion' || r.emotion !== undefined, { path: ['emotion'], message: "required when on is 'emotion' (e.g. angry)" });

export const streamDownSchema = z.strictObject({
  ...common,
  kind: z.literal('stream_down'),
  /** Seconds a stream may stay reconnecting or failed before it fires. */
  seconds: z.number().min(1).max(86_400),
});

export const ruleSchema = z.discriminatedUnion('kind', [zoneDwellSchema, lineCrossingSchema, keywordSchema, thresholdSchema, streamDownSchema]);
export type Rule = z.infer<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type ZoneDwellRule = z.infer<typeof zoneDwellSchema>;
export type LineCrossingRule = z.infer<typeof lineCrossingSchema>;
export type KeywordRule = z.infer<typeof keywordSchema>;
export type ThresholdRule = z.infer<typeof thresholdSchema>;
export type StreamDownRule = z.infer<typeof streamDownSchema>;

/** A rule list whose ids are unique (a duplicate id would make two rules share alert ids). */
export const ruleListSchema = z.array(ruleSchema).max(256).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  rules.forEach((r, i) => {
    if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id "${r.id}"` });
    seen.add(r.id);
  });
});
