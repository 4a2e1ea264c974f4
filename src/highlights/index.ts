/** Highlight scoring used by the highlights stage (src/stages/highlights/). */
export { DEFAULT_SELECT, DEFAULT_WEIGHTS, SIGNALS, SignalFuser, type FuserState, type Highlight, type SelectOptions, type SelectScope, type Signal, type Weights } from './fuse-signals';
export { RunningBaseline, zToUnit, type BaselineState } from './running-baseline';
