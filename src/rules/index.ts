/** Rules and alerts: the rule model, one pure evaluator per kind, the alert store, webhook dispatch, dry-run. */
export * from './rule-schema';
export { alertId } from './alert-id';
export { RuleEngine, evaluatorFor } from './rule-engine';
export type { Evaluator } from './evaluators/evaluator';
export { keywordPattern } from './evaluators/keyword';
export { pgAlertStore, alertFromRow, type AlertStore } from './alert-store';
export { AlertDispatcher, webhookSecret, type DispatcherOptions, type DispatcherStats } from './alert-dispatcher';
export { dryRunRule, type DryRunRequest, type DryRunResult } from './dry-run';
export { listStoredRules, getStoredRule, putStoredRule, deleteStoredRule, type StoredRule } from './rules-table';
export { StreamDownMonitor, type StreamDownMonitorOptions } from './stream-down-monitor';
