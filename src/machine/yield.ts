// Letting other tasks run between slices of a guest, wherever the Machine runs.

const immediate = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;

/** Resolves once other tasks have had their turn: setImmediate on Node; elsewhere (a browser, a Web
 *  Worker) a MessageChannel message, which unlike setTimeout(0) is not held back 4 ms in a loop. */
export const yieldToHost: () => Promise<void> = immediate
  ? () => new Promise<void>((res) => immediate(res))
  : (() => {
    const ch = new MessageChannel(), waiting: Array<() => void> = [];
    ch.port1.onmessage = () => waiting.shift()?.();
    return () => new Promise<void>((res) => { waiting.push(res); ch.port2.postMessage(0); });
  })();

/** Resolves after `ms` milliseconds (a guest waiting for a timer in wall-clock time). */
export const sleep = (ms: number): Promise<void> => new Promise<void>((res) => setTimeout(res, ms));
