/** The Step Functions client (see aws-clients.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({});
