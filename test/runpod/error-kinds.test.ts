import assert from 'node:assert/strict';
import { errorKind, VideoAgentError } from '../../src/errors';
import {
  RunpodAuthError, RunpodBadRequestError, RunpodContractError, RunpodDeadlineError, RunpodHttpError, RunpodJobNotFoundError,
  RunpodNetworkError, RunpodNoOutputError, RunpodRateLimitError, RunpodServerError, RunpodSpendCapError, RunpodUnavailableError,
  jobFailedError,
} from '../../src/runpod/errors';
import { skipReason } from '../../src/stages';

describe('errors: kind and retryable are decided where an error is created', () => {
  it('every RunPod failure form carries the kind a caller acts on', () => {
    const cases: [VideoAgentError, string, boolean][] = [
      [new RunpodNetworkError('connection refused', 'yolo'), 'unreachable', true],
      [new RunpodRateLimitError(429, 'slow down', 'yolo', undefined, 1000), 'rate_limited', true],
      [new RunpodServerError(503, 'unavailable', 'yolo'), 'remote_failure', true],
      [new RunpodHttpError(408, 'request timeout', 'yolo'), 'deadline', true],
      [new RunpodBadRequestError(400, 'bad input', 'yolo'), 'bad_input', false],
      [new RunpodAuthError(401, 'unauthorized', 'yolo'), 'unauthorized', false],
      [new RunpodJobNotFoundError(404, 'expired', 'yolo', 'j1'), 'not_found', false],
      [new RunpodContractError('reply does not match', ['x'], 'yolo', 'j1'), 'bad_reply', false],
      [new RunpodNoOutputError('no output', 'yolo', 'j1'), 'bad_reply', true],
      [new RunpodSpendCapError('cap', 1, 1, 0.1), 'spend_cap', false],
      [new RunpodUnavailableError('all circuits open', 'yolo'), 'breaker_open', true],
      [new RunpodDeadlineError('deadline', 'yolo', 'j1'), 'deadline', true],
      [jobFailedError(['images: required'], 'yolo', 'j1'), 'bad_input', false],
      [jobFailedError('{"error_type": "CudaOOM", "error_message": "oom"}', 'yolo', 'j1'), 'remote_failure', false],
    ];
    for (const [err, kind, retryable] of cases) {
      assert.equal(err.kind, kind, `${err.name}: ${err.message}`);
      assert.equal(err.retryable, retryable, `${err.name} retryable`);
    }
  });

  it('a stage reads the skip reason from the kind, not the message', () => {
    const misleading = new VideoAgentError('E_X', 'circuit open, spend cap reached', { kind: 'remote_failure' });
    assert.equal(skipReason(misleading).reason, 'endpoint_error');
    assert.equal(skipReason(new RunpodUnavailableError('x', 'vlm')).reason, 'breaker_open');
    assert.equal(skipReason(new RunpodSpendCapError('x', 1, 1, 1)).reason, 'spend_cap');
    assert.equal(skipReason(new RunpodContractError('x', [])).reason, 'invalid_reply');
    assert.equal(skipReason(Object.assign(new Error('stop'), { name: 'AbortError' })).reason, 'shutdown');
    assert.equal(errorKind(new TypeError('bug')), 'internal');
  });
});
