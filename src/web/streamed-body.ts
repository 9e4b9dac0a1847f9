/**
 * Large answers (a year of hourly history, a month of samples) as a stream of text pieces: never
 * one string of megabytes in memory, and the event loop gets a turn between pieces, so /healthz,
 * the page and the radio's frames do not wait while six phones download a year of hours.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Rows per piece: some 12 KB of JSON, a millisecond or two of work on a Pi before the event loop gets its next turn. */
const ROWS_PER_PIECE = 50;

// The streams in progress take turns: one piece per turn of the event loop, whatever their number,
// with I/O (a /healthz request, a frame from the radio) handled between any two. Without the queue
// each stream made a piece every turn, and six downloads kept a request waiting through six pieces
// for each of the turns it needs (accept, read, answer).
let queue: Promise<void> = Promise.resolve();

function ourTurn(): Promise<void> {
  queue = queue.then(() => nextTurn());
  return queue;
}

/** Joins rows into pieces of ROWS_PER_PIECE, rows made only when their piece is: a lazy iterable stays lazy. */
export async function* inPieces(rows: Iterable<string>): AsyncGenerator<string> {
  const iterator = rows[Symbol.iterator]();
  for (;;) {
    await ourTurn();
    const piece: string[] = [];
    for (let next = iterator.next(); ; next = iterator.next()) {
      if (next.done) {
        if (piece.length > 0) yield piece.join('');
        return;
      }
      piece.push(next.value);
      if (piece.length === ROWS_PER_PIECE) break;
    }
    yield piece.join('');
  }
}

/** The JSON text of `{...head, [listName]: [...items]}` (what JSON.stringify makes), one item at a time. */
export function* jsonWithList(head: Record<string, unknown>, listName: string, items: Iterable<unknown>): Generator<string> {
  const start = JSON.stringify(head).slice(0, -1);
  yield `${start}${start.length > 1 ? ',' : ''}${JSON.stringify(listName)}:[`;
  let separator = '';
  for (const item of items) {
    yield separator + JSON.stringify(item);
    separator = ',';
  }
  yield ']}';
}
