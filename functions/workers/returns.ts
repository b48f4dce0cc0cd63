/** The return workflow's worker: waits for the goods, pays the refund, or expires the return (statemachines/return-lifecycle.asl.json). */
import { returnTask } from '../services/returns.js';
import { stageWorker, type TaskMessage } from './stage-worker.js';

const step = async ({ action, returnId, taskToken }: TaskMessage) => {
  if (!returnId) throw new Error('a return task message needs a returnId');
  await returnTask(action, returnId, taskToken);
};

export const handler = stageWorker('returns', { awaitGoods: step, refund: step, expire: step });
