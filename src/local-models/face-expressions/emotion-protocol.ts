import type { EmotionResult } from './emotion-labels';

export interface EmotionThreadInit {
  /** Also load the SSD MobileNet face detector (needed only by face cropping). */
  faceDetector: boolean;
}

export interface FaceCropOptions {
  /** SSD score threshold (default 0.5, face-api's own; measured: astronaut.png's face 0.96, a zidane.jpg false positive 0.25). */
  minConfidence?: number;
  /** Extra border around each face, as a fraction of its size (the expression model likes some context). */
  margin?: number;
  maxFaces?: number;
}

export type EmotionThreadRequest =
  | { op: 'classify'; faces: string[] }
  | { op: 'crop'; image: string; options: Required<FaceCropOptions> };

export interface FaceCrop {
  /** Face box in source pixels [x1, y1, x2, y2] (before the margin). */
  bbox: [number, number, number, number];
  score: number;
  /** Base64 JPEG of the crop (with the margin), ready for the emotion endpoint's `faces`. */
  jpegBase64: string;
}

export type EmotionThreadResponse =
  | { op: 'classify'; results: EmotionResult[] }
  | { op: 'crop'; width: number; height: number; faces: FaceCrop[] };
