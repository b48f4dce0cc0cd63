/**
 * The Step Functions client and the calls the workflow adapter makes. Loaded on the
 * adapter's first call (workflow.ts): most requests of the functions that may signal a
 * workflow (placing and reading orders, listing pick tasks, carrier pushes) never do.
 */
import { SFNClient } from '@aws-sdk/client-sfn';

export {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({});
