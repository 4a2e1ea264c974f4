/** Decodes the request's images and measures brightness/motion off the event loop (JPEG decode is ~10 ms each). */
import { decodeBase64 } from '../media/base64';
import { decodeImage } from '../media/image-decode';
import { serveThread } from '../runtime/threads/thread-server';
import { computeImageStats, type ImageStats } from './image-stats';

serveThread<void, string[], ImageStats>({
  async init() { /* nothing to load */ },
  async run(dataUrls) {
    return computeImageStats(dataUrls.map((u, i) => decodeImage(decodeBase64(u, `image_url[${i}]`), `image_url[${i}]`)));
  },
});
