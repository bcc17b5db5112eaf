import { type Contender, type Measured, measureEach } from '../contenders.js';
import { PEERS } from '../peers/peers.js';
import { SINGLE_PROCESS_LABEL, startSingleProcess } from '../single-process.js';
import { measureOpenLoop, type OpenLoopLoad, type OpenLoopResult } from './open-loop.js';

export type OpenLoopRun = Measured<OpenLoopResult>;

/**
 * Herald as the single step starts it and the durable BullMQ peer, which both store before
 * answering, and the memory-only forwarder: what the two HTTP exchanges alone cost at this load.
 */
const CONTENDERS: Contender[] = [
  { name: 'herald', label: SINGLE_PROCESS_LABEL, skipReason: () => undefined, start: () => startSingleProcess() },
  PEERS['bullmq-durable'],
  PEERS.forwarder,
];

/** The open-loop scenario on each contender in turn, each on a fresh service. */
export function measureOpenLoops(load: OpenLoopLoad): Promise<OpenLoopRun[]> {
  return measureEach(CONTENDERS, (service) => measureOpenLoop(service, load));
}
