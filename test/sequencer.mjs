// Jest's order (failed last time first, then the longest, by the timings jest keeps, or the
// largest file), with the real-node suite first of all: it is the longest of a run (about 9
// minutes) and holds one worker throughout, so starting it last would leave it alone at the end.
import Sequencer from '@jest/test-sequencer';

export default class LongestFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const first = (test) => (test.context.config.displayName?.name === 'node' ? 0 : 1);
    return [...sorted].sort((a, b) => first(a) - first(b));
  }
}
