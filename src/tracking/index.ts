export { ByteTracker, type TrackedDetection, type ActiveTrack } from './bytetrack';
export { resolveByteTrackConfig, type ByteTrackConfig, type ByteTrackConfigInput } from './config';
export { type ByteTrackSnapshot } from './snapshot';
export { assignWithCostLimit, assignWithMissingEdges, solveAssignment, type AssignmentResult, type Pair } from './assignment';
export { iou, type Tlbr } from './geometry';
