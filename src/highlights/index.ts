/** Highlight scoring shared by the highlights stage (to come) and offline selection over stored rows. */
export { DEFAULT_SELECT, DEFAULT_WEIGHTS, SIGNALS, SignalFuser, type Highlight, type SelectOptions, type Signal, type Weights } from './fuse-signals';
export { RunningBaseline, zToUnit } from './running-baseline';
