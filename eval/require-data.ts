// Root hook of `npm run eval`: without the peer data the whole run fails, naming where the data is expected.
import { requireSharedEvalDir } from '../src/eval/shared-data';

export const mochaHooks = {
  beforeAll(): void {
    requireSharedEvalDir();
  },
};
