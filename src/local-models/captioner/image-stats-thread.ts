/** Decodes the request's images (sharp) and measures brightness/motion off the event loop. */
import { decodeBase64 } from '../media/base64';
import { decodeImage } from '../media/image-decode';
import { serveThread } from '../runtime/threads/thread-server';
import { computeImageStats, type ImageStats } from './image-stats';

serveThread<void, string[], ImageStats>({
  async init() { /* nothing to load */ },
  async run(dataUrls) {
    return computeImageStats(await Promise.all(dataUrls.map((u, i) => decodeImage(decodeBase64(u, `image_url[${i}]`), `image_url[${i}]`))));
  },
});
