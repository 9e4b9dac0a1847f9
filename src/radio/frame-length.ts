import { type FrameStart, frameStart } from '../wmbus/frame/start.js';

/**
 * The driver's PacketLength for wM-Bus T/C: classify the first bytes after sync and return the raw
 * length, or -1 for a false sync. Remembers the last classification for the frame that follows.
 */
export class WmbusFrameLength {
  last: FrameStart | undefined;

  readonly packetLength = (head: Uint8Array): number => {
    const result = frameStart(head);
    if (!result.ok) {
      this.last = undefined;
      return -1;
    }
    this.last = result.start;
    return result.start.rawLength;
  };
}
