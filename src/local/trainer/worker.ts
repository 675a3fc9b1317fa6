// Worker-thread entry: trains the job in workerData and posts progress to the server.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainJobSpec, WorkerMessage } from './protocol.ts';
import { runTrainJob } from './run-job.ts';

if (parentPort) {
  const port = parentPort;
  await runTrainJob(workerData as TrainJobSpec, (message: WorkerMessage) => port.postMessage(message));
}
