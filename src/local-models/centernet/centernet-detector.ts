import { VideoAgentError } from '../../errors';
import { optionalNumber, requireObject, requireStringArray } from '../input-guard';
import { siblingModule, ThreadClient } from '../runtime/threads/thread-client';
import type { JobContext, LocalModel } from '../types';
import type { YoloThreadInit, YoloThreadRequest, YoloThreadResponse } from './centernet-protocol';

export interface CenterNetDetectorOptions {
  /**
   * Canvas border factors (letterbox.ts), one CenterNet pass per entry, merged by class-aware NMS. Default [0],
   * one pass: a second zoomed-out pass ([0, 0.5]) doubles the cost and, measured on zidane.jpg and bus.jpg
   * (yolov5's samples), finds one more tie but also a third person on zidane.jpg and two extra, partly duplicate
   * persons on bus.jpg, where one pass matches the published 2 and 4.
   */
  contexts?: number[];
}

export interface YoloOutput extends YoloThreadResponse {
  model: string;
  inference_ms: number;
}

/** `yolo` endpoint: COCO-80 object detection (contract: runpod-handlers/contracts/yolo.*.schema.json). */
export class CenterNetDetector implements LocalModel {
  readonly model = 'human-centernet-coco (local CPU)';
  private readonly thread: ThreadClient<YoloThreadRequest, YoloThreadResponse>;

  constructor(opts: CenterNetDetectorOptions = {}) {
    const init: YoloThreadInit = { contexts: opts.contexts ?? [0] };
    this.thread = new ThreadClient(siblingModule(__dirname, 'centernet-thread'), init, 'yolo');
  }

  init(): Promise<void> {
    return this.thread.start();
  }

  async handle(input: unknown, ctx: JobContext): Promise<YoloOutput> {
    const obj = requireObject(input, 'yolo');
    const classes = obj.classes ?? null;
    if (classes !== null && (!Array.isArray(classes) || classes.some((c) => !Number.isInteger(c) || (c as number) < 0))) {
      throw new VideoAgentError('E_BAD_INPUT', 'classes: expected null or an array of COCO class indices');
    }
    const maxDet = optionalNumber(obj.max_det, 'max_det', 300, 1, 1000);
    if (!Number.isInteger(maxDet)) throw new VideoAgentError('E_BAD_INPUT', 'max_det: expected an integer');
    const request: YoloThreadRequest = {
      images: requireStringArray(obj.images, 'images', 64),
      conf: optionalNumber(obj.conf, 'conf', 0.25, 0, 1),
      iou: optionalNumber(obj.iou, 'iou', 0.45, 0, 1),
      classes: classes as number[] | null,
      maxDet,
    };
    const started = performance.now();
    const res = await this.thread.call(request, ctx.signal);
    return { results: res.results, model: this.model, inference_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
