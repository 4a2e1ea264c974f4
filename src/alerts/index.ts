/** Alerts: webhook delivery (signed, idempotent, at least once) and its attempt log; rules (src/rules) decide what fires. */
export { deliverAlert, displayTarget, validateTarget, DEFAULT_DELIVERY, type AlertMessage, type DeliveryAttempt, type DeliveryLog, type DeliveryPolicy, type DeliveryResult, type WebhookTarget } from './webhook-deliverer';
export { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signBody, verifySignature } from './webhook-signature';
export { pgDeliveryLog } from './deliveries-writer';
