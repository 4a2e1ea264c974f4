/** What the main thread sends to the detection thread for one job (already validated and defaulted). */
export interface YoloThreadInit {
  /** Canvas border factors, one inference pass each (see letterbox.ts). */
  contexts: number[];
}

export interface YoloThreadRequest {
  images: string[]; // base64
  conf: number;
  iou: number;
  classes: number[] | null;
  maxDet: number;
}

export interface YoloDetectionOut {
  bbox: [number, number, number, number];
  confidence: number;
  class: number;
  class_name: string;
}

export interface YoloThreadResponse {
  results: Array<{ width: number; height: number; detections: YoloDetectionOut[] }>;
}
