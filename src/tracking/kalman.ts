/**
 * Constant-velocity Kalman filter on (cx, cy, aspect, h, and their velocities), the DeepSORT/ByteTrack
 * filter: process and measurement noise scale with the box height (weights 1/20 position, 1/160 velocity),
 * the aspect ratio gets small fixed noise. State is plain arrays so a track serialises as JSON.
 */
import type { Xyah } from './geometry';

/** mean: 8 values; covariance: 8x8 row-major. */
export interface KalmanState {
  mean: number[];
  covariance: number[];
}

const N = 8;
const STD_POS = 1 / 20;
const STD_VEL = 1 / 160;

function diagSquared(std: number[]): number[] {
  const m = new Array<number>(std.length * std.length).fill(0);
  for (let i = 0; i < std.length; i++) m[i * std.length + i] = std[i] * std[i];
  return m;
}

export function initiate(measurement: Xyah): KalmanState {
  const h = measurement[3];
  const std = [2 * STD_POS * h, 2 * STD_POS * h, 1e-2, 2 * STD_POS * h, 10 * STD_VEL * h, 10 * STD_VEL * h, 1e-5, 10 * STD_VEL * h];
  return { mean: [...measurement, 0, 0, 0, 0], covariance: diagSquared(std) };
}

/** x' = F x with F = [[I, I], [0, I]]; P' = F P Fᵀ + Q. */
export function predict(state: KalmanState): KalmanState {
  const m = state.mean;
  const h = m[3];
  const q = [STD_POS * h, STD_POS * h, 1e-2, STD_POS * h, STD_VEL * h, STD_VEL * h, 1e-5, STD_VEL * h];
  const mean = [m[0] + m[4], m[1] + m[5], m[2] + m[6], m[3] + m[7], m[4], m[5], m[6], m[7]];
  const P = state.covariance;
  // FP: rows 0..3 become P[i] + P[i+4]; rows 4..7 unchanged.
  const FP = new Array<number>(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) FP[i * N + j] = i < 4 ? P[i * N + j] + P[(i + 4) * N + j] : P[i * N + j];
  }
  // (FP)Fᵀ: columns 0..3 become FP[:, j] + FP[:, j+4].
  const cov = new Array<number>(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) cov[i * N + j] = j < 4 ? FP[i * N + j] + FP[i * N + j + 4] : FP[i * N + j];
    cov[i * N + i] += q[i] * q[i];
  }
  return { mean, covariance: cov };
}

/** Inverse of a symmetric positive-definite 4x4 matrix by Gauss-Jordan with partial pivoting. */
function invert4(a: number[]): number[] {
  const m = a.slice();
  const inv = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r * 4 + c]) > Math.abs(m[p * 4 + c])) p = r;
    if (m[p * 4 + c] === 0) throw new Error('kalman: singular innovation covariance');
    if (p !== c) {
      for (let k = 0; k < 4; k++) {
        [m[c * 4 + k], m[p * 4 + k]] = [m[p * 4 + k], m[c * 4 + k]];
        [inv[c * 4 + k], inv[p * 4 + k]] = [inv[p * 4 + k], inv[c * 4 + k]];
      }
    }
    const d = m[c * 4 + c];
    for (let k = 0; k < 4; k++) {
      m[c * 4 + k] /= d;
      inv[c * 4 + k] /= d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = m[r * 4 + c];
      if (f === 0) continue;
      for (let k = 0; k < 4; k++) {
        m[r * 4 + k] -= f * m[c * 4 + k];
        inv[r * 4 + k] -= f * inv[c * 4 + k];
      }
    }
  }
  return inv;
}

/** Measurement update with z = (cx, cy, a, h); H selects the first four state entries. */
export function update(state: KalmanState, z: Xyah): KalmanState {
  const { mean: m, covariance: P } = state;
  const h = m[3];
  const r = [STD_POS * h, STD_POS * h, 1e-1, STD_POS * h];
  const S = new Array<number>(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) S[i * 4 + j] = P[i * N + j] + (i === j ? r[i] * r[i] : 0);
  const Sinv = invert4(S);
  // K = P Hᵀ S⁻¹ (8x4); P Hᵀ is the first four columns of P.
  const K = new Array<number>(N * 4).fill(0);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += P[i * N + k] * Sinv[k * 4 + j];
      K[i * 4 + j] = s;
    }
  }
  const innov = [z[0] - m[0], z[1] - m[1], z[2] - m[2], z[3] - m[3]];
  const mean = m.map((v, i) => v + K[i * 4] * innov[0] + K[i * 4 + 1] * innov[1] + K[i * 4 + 2] * innov[2] + K[i * 4 + 3] * innov[3]);
  // P - K S Kᵀ, computed as P - K (H P) since K S = P Hᵀ.
  const cov = new Array<number>(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += K[i * 4 + k] * P[k * N + j];
      cov[i * N + j] = P[i * N + j] - s;
    }
  }
  return { mean, covariance: cov };
}
